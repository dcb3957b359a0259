"""Import rules, read from the source (every import statement, at any depth, relative ones
resolved), so a lazy import inside a function counts too.

DESIGN.md invariant 1: the embedded service and the console know each other only through boto3.
The emulator imports nothing of the gateway or of any console app; of the console, only the
gateway hands requests to the emulator.

The inventory (console/inventory/) is a store under the pages and the jobs: it imports no page
and no job module, and the gateway never imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

CONSOLE = Path(settings.BASE_DIR) / "console"
EMULATOR = "console.emulator"
GATEWAY = "console.aws"
# Outside the apps and shared on purpose: the pure role-resolution function both sides call,
# and the Java-regex translation both use to check values against the service model.
SHARED_WITH_EMULATOR = {"console.roleresolution", "console.javaregex", "console.quotarates"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(CONSOLE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, as absolute dotted names."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _python_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "migrations" not in path.parts)


def test_the_import_reader_resolves_relative_and_nested_imports(tmp_path, monkeypatch):
    package = tmp_path / "console" / "emulator"
    package.mkdir(parents=True)
    module = package / "probe.py"
    module.write_text("from ..aws import clients\n\ndef later():\n    from console.pools import views\n")
    monkeypatch.setattr(f"{__name__}.CONSOLE", tmp_path / "console")

    found = imported_modules(module)

    assert "console.aws.clients" in found
    assert "console.pools.views" in found


@pytest.mark.parametrize("path", _python_files(CONSOLE / "emulator"), ids=lambda path: path.name)
def test_the_emulator_imports_nothing_of_the_console(path):
    reaching_out = sorted(
        name
        for name in imported_modules(path)
        if _within(name, "console")
        and name != "console"
        and not _within(name, EMULATOR)
        and not any(_within(name, shared) for shared in SHARED_WITH_EMULATOR)
    )
    assert not reaching_out, f"{path} imports {reaching_out}"


def _outside_emulator_and_gateway() -> list[Path]:
    return [
        path
        for path in _python_files(CONSOLE)
        if not _within(_module_name(path), EMULATOR) and not _within(_module_name(path), GATEWAY)
    ]


@pytest.mark.parametrize(
    "path", _outside_emulator_and_gateway(), ids=lambda path: str(path.relative_to(CONSOLE))
)
def test_no_console_code_but_the_gateway_imports_the_emulator(path):
    reaching_in = sorted(name for name in imported_modules(path) if _within(name, EMULATOR))
    assert not reaching_in, f"{path} imports {reaching_in}: go through console/aws/ instead"


JOBS = "console.jobs"


def _jobs_import_graph() -> dict[str, set[str]]:
    """console/jobs/ module -> the console/jobs/ modules it imports (a name imported from a
    module counts as that module; imports inside functions and TYPE_CHECKING blocks count)."""
    paths = {_module_name(path): path for path in _python_files(CONSOLE / "jobs")}

    def owner(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        found = {owner(name) for name in imported_modules(path) if _within(name, JOBS)}
        # The package itself is a parent every submodule import loads: its __init__ imports nothing.
        graph[module] = {name for name in found if name is not None and name not in (module, JOBS)}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle of `graph`, each as one strongly connected set of two modules or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.get(module, ())):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            members: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == module:
                    break
            if len(members) > 1:
                cycles.append(sorted(members))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_the_cycle_finder_sees_a_circle_through_a_lazy_import(tmp_path, monkeypatch):
    package = tmp_path / "console" / "jobs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def send():\n    from .high import task\n")
    (package / "high.py").write_text("from . import low\n\ntask = low\n")
    (package / "apart.py").write_text("from .low import send\n")
    monkeypatch.setattr(f"{__name__}.CONSOLE", tmp_path / "console")

    assert import_cycles(_jobs_import_graph()) == [["console.jobs.high", "console.jobs.low"]]


def test_console_jobs_has_no_import_circle():
    """Its modules stand on one-way floors (models, retrying, broker, parsing, runner, walk,
    membership, the kinds, reconcile, tasks): a module never imports one that imports it back,
    not even lazily inside a function."""
    cycles = import_cycles(_jobs_import_graph())
    assert not cycles, f"import circles inside console/jobs/: {cycles}"


# Pools and jobs use identities only through the gateway (console/aws/): the developer-pool
# catalog and the fan-out are gateway plumbing, not the identity pages'.
IDENTITIES = "console.identities"
NOT_IMPORTING_IDENTITIES = ("pools", "jobs")


@pytest.mark.parametrize(
    "path",
    [path for app in NOT_IMPORTING_IDENTITIES for path in _python_files(CONSOLE / app)],
    ids=lambda path: str(path.relative_to(CONSOLE)),
)
def test_pools_and_jobs_import_nothing_of_the_identities_app(path):
    reaching_across = sorted(name for name in imported_modules(path) if _within(name, IDENTITIES))
    assert not reaching_across, f"{path} imports {reaching_across}: what both need belongs in console/aws/"


# The inventory is a store under the pages and the jobs: they build on it, never the reverse,
# and the gateway stays below it (its callers update the inventory, DESIGN.md layout).
INVENTORY = "console.inventory"
ABOVE_INVENTORY = ("console.jobs", "console.pools", "console.identities")


def _is_page_module(name: str) -> bool:
    return "views" in name.split(".") or name == "console.urls"


@pytest.mark.parametrize("path", _python_files(CONSOLE / "inventory"), ids=lambda path: path.name)
def test_the_inventory_imports_no_page_and_no_job_module(path):
    reaching_up = sorted(
        name
        for name in imported_modules(path)
        if any(_within(name, above) for above in ABOVE_INVENTORY) or _is_page_module(name)
    )
    assert not reaching_up, f"{path} imports {reaching_up}"


@pytest.mark.parametrize("path", _python_files(CONSOLE / "aws"), ids=lambda path: path.name)
def test_the_gateway_never_imports_the_inventory(path):
    reaching_up = sorted(name for name in imported_modules(path) if _within(name, INVENTORY))
    assert not reaching_up, f"{path} imports {reaching_up}: the gateway's callers update the inventory"
