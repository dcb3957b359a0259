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
# Variables read by the images of others, documented by them (postgres: its image's README).
THIRD_PARTY_VARIABLES = {"postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}}


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
    assert "0.0.0.0:9229" in _command(SERVICES["emulator"])
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
    assert environment["COGNITO_ENDPOINT"].endswith("http://emulator:9229}")
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
