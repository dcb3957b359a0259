"""The deploy files stay honest: no container engine runs here, so the compose file, the Dockerfile,
the entrypoint and .dockerignore are checked against the project itself."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from tests.gunicorn_server import production_env, serving

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
IMAGE = "cognito-identity-console"
CONSOLE_SERVICES = sorted(name for name, service in SERVICES.items() if service.get("image") == IMAGE)
SETTINGS_SOURCE = (ROOT / "console" / "settings.py").read_text()
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
CONFIGURATION_DOC = (ROOT / "docs" / "configuration.md").read_text()
POSTGRES_INIT = ROOT / "deploy" / "postgres-init.sh"
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
# Variables read by the images of others, documented by them (postgres: its image's README;
# the console's AWS_* are boto3's).
_BOTO3 = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
THIRD_PARTY_VARIABLES = {
    "postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"},
    "web": _BOTO3,
    "worker": _BOTO3,
    "beat": _BOTO3,
}


def _command(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _health_command(service: dict) -> list[str]:
    test = service["healthcheck"]["test"]
    if test[0] == "CMD-SHELL":
        return shlex.split(test[1])
    assert test[0] == "CMD"
    return list(test[1:])


def _check_console_command(words: list[str]) -> None:
    """Fails unless `words` (a command run in the image) names something the project has."""
    if words == ["emulator"]:
        # deploy/entrypoint.sh migrates the emulator's own database, then serves it.
        assert "exec python manage.py emulator 0.0.0.0:9229" in ENTRYPOINT.read_text()
        assert "emulator" in get_commands()
        return
    if words == ["web"] or words[:1] == ["web"]:
        # deploy/entrypoint.sh turns "web" into migrate + gunicorn with the config file.
        assert "deploy/gunicorn.conf.py" in ENTRYPOINT.read_text()
        assert GUNICORN_CONFIG.is_file()
        return
    if words[0] == "celery":
        assert words[1:3] == ["-A", "console"], words
        from console.celery import app

        assert app.main == "console"
        assert words[3] in {"worker", "beat", "inspect"}, words
        return
    if words[0] == "python":
        script = words[1]
        assert (ROOT / script).is_file(), f"{script} does not exist"
        if script == "manage.py":
            assert words[2] in get_commands(), f"manage.py has no command {words[2]!r}"
        return
    raise AssertionError(f"unknown command {words}")


def test_the_compose_file_runs_the_whole_console():
    assert {"web", "worker", "beat", "redis", "postgres", "emulator"} <= set(SERVICES)
    assert set(CONSOLE_SERVICES) == {"web", "worker", "beat", "emulator"}


@pytest.mark.parametrize("name", CONSOLE_SERVICES)
def test_every_console_service_runs_a_command_the_project_has(name):
    _check_console_command(_command(SERVICES[name]))


@pytest.mark.parametrize("name", CONSOLE_SERVICES)
def test_every_console_health_check_runs_something_the_project_has(name):
    health = SERVICES[name]["healthcheck"]
    if health.get("disable"):
        assert name == "beat"  # beat serves nothing a probe could ask
        return
    _check_console_command(_health_command(SERVICES[name]))


def test_the_image_probes_liveness_compose_web_readiness_and_the_emulator_its_port():
    # The image's HEALTHCHECK (the script's default URL) is liveness; compose waits for readiness.
    assert "http://127.0.0.1:8000/healthz" in HEALTHCHECK.read_text()
    assert _health_command(SERVICES["web"]) == [
        "python",
        "deploy/healthcheck.py",
        "http://127.0.0.1:8000/readyz",
    ]
    assert _command(SERVICES["emulator"]) == ["emulator"]
    assert "manage.py emulator 0.0.0.0:9229" in ENTRYPOINT.read_text()
    assert "http://127.0.0.1:9229/" in _health_command(SERVICES["emulator"])


def _set_variables(service: dict) -> set[str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):
        return {item.partition("=")[0] for item in environment}
    return set(environment)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_variable_a_service_sets_is_read_and_documented(name):
    variables = _set_variables(SERVICES[name])
    for variable in variables - THIRD_PARTY_VARIABLES.get(name, set()):
        if variable.startswith("GUNICORN_"):
            assert f'"{variable}"' in GUNICORN_CONFIG.read_text(), variable
        elif name == "postgres":
            assert f"${variable}" in POSTGRES_INIT.read_text(), (
                f"postgres sets {variable}, which its init script never reads"
            )
        else:
            assert f'"{variable}"' in SETTINGS_SOURCE, (
                f"{name} sets {variable}, which settings.py never reads"
            )
        assert f"`{variable}`" in CONFIGURATION_DOC, f"{variable} is not in docs/configuration.md"


def test_the_console_services_point_at_the_compose_postgres_redis_and_emulator():
    environment = SERVICES["web"]["environment"]
    assert environment["DEBUG"] == "false"
    assert environment["DATABASE_URL"].startswith("postgres://console:")
    assert "@postgres:5432/console" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    # No default: aws, or the emulator of `--profile local`, chosen on purpose.
    assert environment["COGNITO_ENDPOINT"].startswith("${COGNITO_ENDPOINT:?")
    assert "http://emulator:9229" in environment["COGNITO_ENDPOINT"]
    assert "emulator" in SERVICES["emulator"]["environment"]["EMULATOR_ALLOWED_HOSTS"].split(",")
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?"), "no default secret key"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_dependency_waits_for_a_health_check(name):
    for target, rule in SERVICES[name].get("depends_on", {}).items():
        assert rule == {"condition": "service_healthy"}, (name, target)
        assert not SERVICES[target]["healthcheck"].get("disable"), target


def test_only_the_web_service_publishes_a_port_and_only_on_loopback():
    published = {name: service["ports"] for name, service in SERVICES.items() if service.get("ports")}
    assert list(published) == ["web"]
    (mapping,) = published["web"]
    assert mapping.startswith("127.0.0.1:") and mapping.endswith(":8000")
    assert "5432" not in str(published) and "6379" not in str(published)


def test_postgres_keeps_its_data_in_a_named_volume_and_beat_is_not_scaled():
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "pgdata" in COMPOSE["volumes"]
    assert "deploy" not in SERVICES["beat"]
    assert "--concurrency=2" in _command(SERVICES["worker"])


def test_the_image_is_slim_unprivileged_locked_and_probed():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim\n" in dockerfile
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert (ROOT / "requirements.lock").is_file()
    assert re.search(r"^USER console$", dockerfile, re.M)
    assert dockerfile.index("USER console") > dockerfile.index("collectstatic")
    assert (
        'HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \\\n    CMD ["python", "deploy/healthcheck.py"]'
        in dockerfile
    )
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: root-relative patterns, ** for any depth, the last match wins, a match
    on a directory excludes what is under it."""
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        if re.fullmatch(f"{regex}(/.*)?", path):
            ignored = not negated
    return ignored


DOCKERIGNORE = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".git/HEAD",
        "db.sqlite3",
        "db.sqlite3-wal",
        "test-db.sqlite3",
        "console/emulator/data.sqlite3",
        ".secret_key",
        ".run/demo-admin-password",
        ".run/redis.sock",
        ".env",
        "staticfiles/css/console.css",
        "bench-results/latest.txt",
        "test-results/trace.zip",
        ".pytest_cache/v/cache",
        ".hypothesis/examples/x",
        "console/__pycache__/settings.cpython-311.pyc",
        "shot.png",
    ],
)
def test_dockerignore_keeps_local_files_out_of_the_image(path):
    assert _dockerignored(path, DOCKERIGNORE)


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "console/settings.py",
        "deploy/entrypoint.sh",
        "deploy/gunicorn.conf.py",
        "requirements.lock",
        "static/js/htmx.min.js",
        "static/img/logo.png",
        "templates/base.html",
    ],
)
def test_dockerignore_keeps_what_the_image_needs(path):
    assert not _dockerignored(path, DOCKERIGNORE)


def test_every_ignored_local_file_of_git_is_ignored_by_docker_too():
    for line in (ROOT / ".gitignore").read_text().splitlines():
        if not line.strip() or line.startswith(("#", "!")):
            continue
        example = line.rstrip("/").replace("**/", "").replace("*", "x")
        assert _dockerignored(example, DOCKERIGNORE), line


@pytest.fixture
def fake_bin(tmp_path):
    """`python` and `gunicorn` that only write down how they were called."""
    log = tmp_path / "calls"
    for program in ("python", "gunicorn", "celery"):
        script = tmp_path / program
        script.write_text(f'#!/bin/sh\necho "{program} $*" >> "{log}"\n')
        script.chmod(0o755)
    return tmp_path, log


def _entrypoint(fake_bin, *args: str) -> list[str]:
    directory, log = fake_bin
    env = {"PATH": f"{directory}:/usr/bin:/bin"}
    subprocess.run([str(ENTRYPOINT), *args], cwd=ROOT, env=env, check=True, timeout=30)
    return log.read_text().splitlines()


def test_the_entrypoint_migrates_then_starts_gunicorn_for_web(fake_bin):
    assert _entrypoint(fake_bin, "web") == [
        "python manage.py migrate --noinput",
        "gunicorn console.wsgi --config deploy/gunicorn.conf.py",
    ]


def test_the_entrypoint_starts_web_when_given_no_command(fake_bin):
    assert _entrypoint(fake_bin)[0] == "python manage.py migrate --noinput"


def test_the_entrypoint_migrates_as_the_owner_and_serves_without_its_credentials(tmp_path):
    log = tmp_path / "calls"
    for program in ("python", "gunicorn"):
        script = tmp_path / program
        script.write_text(f'#!/bin/sh\necho "{program} owner=${{MIGRATE_DATABASE_URL:-none}}" >> "{log}"\n')
        script.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "MIGRATE_DATABASE_URL": "postgres://owner:pw@db/console"}

    subprocess.run([str(ENTRYPOINT), "web"], cwd=ROOT, env=env, check=True, timeout=30)

    assert log.read_text().splitlines() == [
        "python owner=postgres://owner:pw@db/console",
        "gunicorn owner=none",
    ]


def test_the_entrypoint_runs_a_worker_without_migrating(fake_bin):
    calls = _entrypoint(fake_bin, "celery", "-A", "console", "worker")
    assert calls == ["celery -A console worker"]


def test_the_gunicorn_config_takes_workers_from_the_cpu_count(monkeypatch):
    import runpy

    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    config = runpy.run_path(str(GUNICORN_CONFIG))
    assert config["workers"] == (os.cpu_count() or 1) * 2 + 1
    assert config["timeout"] == 60 and config["graceful_timeout"] == 30

    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "")
    config = runpy.run_path(str(GUNICORN_CONFIG))
    assert config["workers"] == 3 and config["timeout"] == 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_with_the_config_serves_production_settings_and_passes_the_health_check(tmp_path):
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": ".console.example.com,localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "console.wsgi", "--config", str(GUNICORN_CONFIG)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        check = [sys.executable, str(HEALTHCHECK), f"http://127.0.0.1:{port}/healthz"]
        deadline = time.monotonic() + 30
        # DEBUG off: the HTTPS redirect spares /healthz, and the probe's Host is the first
        # allowed name ("console.example.com" for ".console.example.com").
        while subprocess.run(check, env=env, check=False).returncode != 0:
            assert server.poll() is None, "gunicorn stopped"
            assert time.monotonic() < deadline, "no answer on /healthz"
            time.sleep(0.3)
        # A name Django does not serve gets 400, which the probe reports as unhealthy.
        assert (
            subprocess.run(check, env={**env, "ALLOWED_HOSTS": "elsewhere.example"}, check=False).returncode
            == 1
        )
        # So does a port where nothing listens (the default URL, port 8000, unless something runs there).
        closed = [sys.executable, str(HEALTHCHECK), f"http://127.0.0.1:{_free_port()}/healthz"]
        assert subprocess.run(closed, env=env, check=False).returncode == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


def _get_claiming_https(server, path: str) -> tuple[int, str | None]:
    connection = server.connection()
    try:
        connection.request("GET", path, headers={"Host": "console.example.com", "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


def test_gunicorn_without_a_trusted_proxy_lets_no_local_sender_claim_https(tmp_path):
    # TRUSTED_PROXY_COUNT=0: the request comes from 127.0.0.1, which gunicorn's own default
    # (forwarded_allow_ips) would believe, skipping Django's HTTPS redirect.
    with serving(production_env(tmp_path, TRUSTED_PROXY_COUNT="0")) as server:
        status, location = _get_claiming_https(server, "/accounts/logout/")

    assert (status, location) == (301, "https://console.example.com/accounts/logout/")


def test_gunicorn_behind_a_trusted_proxy_takes_its_https_header(tmp_path):
    with serving(production_env(tmp_path, TRUSTED_PROXY_COUNT="1")) as server:
        answer = _get_claiming_https(server, "/accounts/logout/")

    # Taken as HTTPS, so no redirect to it: the page itself wants a sign-in.
    assert answer == (302, "/accounts/login/?next=/accounts/logout/")


def _interpolations(text: str) -> list[tuple[str, str, str]]:
    """Every ${NAME<operator>rest} of the compose file, as (NAME, operator, rest)."""
    return re.findall(r"\$\{([A-Z0-9_]+)(:?[-?+]?)([^}]*)\}", text)


@pytest.mark.parametrize("variable", ["SECRET_KEY", "POSTGRES_PASSWORD", "CONSOLE_DB_PASSWORD"])
def test_secrets_are_required_never_defaulted(variable):
    uses = [(operator, rest) for name, operator, rest in _interpolations(COMPOSE_TEXT) if name == variable]

    assert uses, f"{variable} is never used"
    assert all(operator == ":?" for operator, _ in uses), uses


def test_no_password_or_secret_has_a_default_value():
    for name, operator, rest in _interpolations(COMPOSE_TEXT):
        if re.search("PASSWORD|SECRET|KEYS?$", name) and operator in {":-", "-"}:
            assert rest == "", f"${{{name}}} defaults to {rest!r}"


def test_the_app_runs_as_a_role_of_its_own_and_only_web_migrates_as_the_owner():
    console = SERVICES["web"]["environment"]
    postgres = SERVICES["postgres"]["environment"]
    app_user = console["DATABASE_URL"].removeprefix("postgres://").split(":")[0]
    owner_user = console["MIGRATE_DATABASE_URL"].removeprefix("postgres://").split(":")[0]

    assert owner_user == postgres["POSTGRES_USER"] != app_user == "console"
    assert "${CONSOLE_DB_PASSWORD:?" in console["DATABASE_URL"]
    assert "${POSTGRES_PASSWORD:?" in console["MIGRATE_DATABASE_URL"]
    assert [
        name for name, service in SERVICES.items() if "MIGRATE_DATABASE_URL" in _set_variables(service)
    ] == ["web"]
    # The postgres image runs the init script, which creates the app's role, on its first start.
    assert (
        "./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/10-console-role.sh:ro"
        in (SERVICES["postgres"]["volumes"])
    )
    init = POSTGRES_INIT.read_text()
    assert "NOSUPERUSER" in init and '"${CONSOLE_DB_USER:-console}"' in init
    assert os.access(POSTGRES_INIT, os.X_OK)


def test_the_emulator_shares_nothing_with_the_console_and_runs_only_in_the_local_profile():
    emulator = SERVICES["emulator"]
    environment = emulator["environment"]
    text = yaml.safe_dump(emulator)

    assert emulator["profiles"] == ["local"]
    assert [name for name, service in SERVICES.items() if service.get("profiles")] == ["emulator"]
    # No console secret, no database credentials, no exports.
    assert "SECRET_KEY" not in environment
    assert "POSTGRES" not in text and "postgres" not in text and "CONSOLE_DB" not in text
    assert environment["DATABASE_URL"].startswith("sqlite:////emulator/")
    assert emulator["volumes"] == ["emulator-data:/emulator"]
    assert "exports" not in text and "JOB_EXPORT_DIR" not in environment
    assert "depends_on" not in emulator
    # Signed requests only: the keys come from the environment (the entrypoint refuses none).
    assert environment["EMULATOR_ACCESS_KEYS"] == "${EMULATOR_ACCESS_KEYS:-}"
    assert "emulator-data" in COMPOSE["volumes"]


def _logging_bin(tmp_path: Path, *variables: str) -> Path:
    """`python` and `gunicorn` that write down how they were called and the given variables."""
    log = tmp_path / "calls"
    shown = " ".join(f"{name}=${{{name}:-none}}" for name in variables)
    for program in ("python", "gunicorn"):
        script = tmp_path / program
        script.write_text(f'#!/bin/sh\necho "{program} $* {shown}" >> "{log}"\n')
        script.chmod(0o755)
    return log


def test_the_entrypoint_refuses_to_serve_the_emulator_unsigned(tmp_path):
    log = _logging_bin(tmp_path)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "EMULATOR_ACCESS_KEYS": ""}

    result = subprocess.run([str(ENTRYPOINT), "emulator"], cwd=ROOT, env=env, capture_output=True, timeout=30)

    assert result.returncode != 0
    assert b"EMULATOR_ACCESS_KEYS must be set" in result.stderr
    assert not log.exists()


def test_the_entrypoint_migrates_the_emulators_own_database_with_a_key_of_its_own(tmp_path):
    log = _logging_bin(tmp_path, "SECRET_KEY")
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "EMULATOR_ACCESS_KEYS": "AKIDEXAMPLE:secret",
        "SECRET_KEY": "the-consoles-own-key",
    }

    subprocess.run([str(ENTRYPOINT), "emulator"], cwd=ROOT, env=env, check=True, timeout=30)

    migrate, serve = log.read_text().splitlines()
    assert migrate.startswith("python manage.py migrate --noinput SECRET_KEY=")
    assert serve.startswith("python manage.py emulator 0.0.0.0:9229 SECRET_KEY=")
    keys = {line.rpartition("SECRET_KEY=")[2] for line in (migrate, serve)}
    (key,) = keys
    assert key != "the-consoles-own-key" and len(key) >= 50
