"""Reading a job's input (pasted text, an uploaded text or CSV file, a selection) into targets.

Every line is checked before a job exists: problems are reported with their line number, and a
job starts only from input without any. Duplicates are dropped (the first line counts) and
said so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field

from console.aws.ids import is_cognito_id, region_of

DEVELOPER_USER_MAX = 1024
MERGE_HEADER = ("source_user_identifier", "destination_user_identifier")
_ID_HEADERS = {"identityid", "identity_id", "identity id", "id", "identity"}
# Problems listed one by one before "and N more".
SHOWN_PROBLEMS = 20
SHOWN_LINES = 10


@dataclass(frozen=True)
class Target:
    """One input item: its line in the input, the id (or source user), the merge destination."""

    line: int
    target: str
    destination: str = ""


@dataclass
class Parsed:
    """Targets in input order, the problems found (by line), and notes on what was dropped."""

    targets: list[Target] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.targets)

    def shown_problems(self) -> list[str]:
        extra = len(self.problems) - SHOWN_PROBLEMS
        shown = self.problems[:SHOWN_PROBLEMS]
        return [*shown, f"… and {extra} more."] if extra > 0 else shown


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:SHOWN_LINES])
    return shown + (", …" if len(numbers) > SHOWN_LINES else "")


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of every line that is not blank."""
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [cell.strip() for cell in row]
        if any(cells):
            yield number, cells


def parse_identity_ids(text: str, pool_id: str) -> Parsed:
    """Identity ids, one per line (a CSV's first column), all of `pool_id`'s region."""
    parsed = Parsed()
    region = region_of(pool_id)
    seen: dict[str, int] = {}
    duplicates: list[int] = []
    for position, (number, cells) in enumerate(_rows(text)):
        value = cells[0]
        if position == 0 and value.lower() in _ID_HEADERS:
            parsed.notes.append(f"Line {number} was read as a header and skipped.")
            continue
        if not is_cognito_id(value):
            parsed.problems.append(f"Line {number}: “{value[:80]}” is not an identity id (REGION:UUID).")
        elif region_of(value) != region:
            parsed.problems.append(
                f"Line {number}: {value} is an identity of region {region_of(value)}, "
                f"so not of pool {pool_id}."
            )
        elif value in seen:
            duplicates.append(number)
        else:
            seen[value] = number
            parsed.targets.append(Target(number, value))
    if duplicates:
        parsed.notes.append(f"{len(duplicates)} duplicate line(s) removed: {_lines(duplicates)}.")
    if not parsed.targets and not parsed.problems:
        parsed.problems.append("No identity ids were found: paste one per line, or upload a file.")
    return parsed


def parse_merge_pairs(text: str) -> Parsed:
    """`source_user_identifier,destination_user_identifier` rows (an optional header first)."""
    parsed = Parsed()
    seen: dict[tuple[str, str], int] = {}
    source_line: dict[str, int] = {}
    destination_line: dict[str, int] = {}
    duplicates: list[int] = []
    for position, (number, cells) in enumerate(_rows(text)):
        if position == 0 and tuple(cell.lower() for cell in cells) == MERGE_HEADER:
            continue
        problem = _pair_problem(cells)
        if problem:
            parsed.problems.append(f"Line {number}: {problem}")
            continue
        source, destination = cells[0], cells[1]
        if (source, destination) in seen:
            duplicates.append(number)
            continue
        problem = _order_problem(source, destination, source_line, destination_line)
        if problem:
            parsed.problems.append(f"Line {number}: {problem}")
            continue
        seen[(source, destination)] = number
        source_line[source] = number
        destination_line.setdefault(destination, number)
        parsed.targets.append(Target(number, source, destination))
    if duplicates:
        parsed.notes.append(f"{len(duplicates)} duplicate row(s) removed: {_lines(duplicates)}.")
    if not parsed.targets and not parsed.problems:
        parsed.problems.append(
            "No rows were found: one source_user_identifier,destination_user_identifier per line."
        )
    return parsed


def _pair_problem(cells: list[str]) -> str:
    while len(cells) > 2 and not cells[-1]:
        cells = cells[:-1]  # trailing empty cells a spreadsheet adds
    if len(cells) != 2:
        return f"expected 2 columns (source, destination), found {len(cells)}."
    source, destination = cells
    if not source or not destination:
        return "the source and the destination must both be given."
    if len(source) > DEVELOPER_USER_MAX or len(destination) > DEVELOPER_USER_MAX:
        return f"a developer user identifier has at most {DEVELOPER_USER_MAX} characters."
    if source == destination:
        return f"“{source[:80]}” cannot be merged into itself."
    return ""


def _order_problem(
    source: str, destination: str, source_line: dict[str, int], destination_line: dict[str, int]
) -> str:
    # Rows run in parallel, in no set order: a user merged twice, or both merged and merged
    # into, would end differently from one run to the next.
    if source in source_line:
        return f"“{source[:80]}” is already the source of line {source_line[source]}."
    if source in destination_line:
        return (
            f"“{source[:80]}” is the destination of line {destination_line[source]}: "
            "chains depend on order, run them as two jobs."
        )
    if destination in source_line:
        return (
            f"“{destination[:80]}” is the source of line {source_line[destination]}: "
            "chains depend on order, run them as two jobs."
        )
    return ""
