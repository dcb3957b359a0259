"""`manage.py emulator` running as a real process against the test database.

Import `emulator_url` into a test module to use it, or `running_emulator` to start one
with settings of its own (environment variables). Tests that use it must also use
`transactional_db`: the server is another process and only sees committed rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

HOST = "127.0.0.1"


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL naming the database `settings_dict` points at (the test database)."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
    raise RuntimeError(f"the HTTP tests support SQLite and PostgreSQL, not {connection.vendor}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with {process.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=1)
        except urllib.error.HTTPError:
            return  # an answer, even an error one, means it is serving
        except OSError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"the emulator did not answer within {timeout} s:\n{log.read_text()}")


def _wait_for_connections_to_close(name: str, timeout: float = 10) -> None:
    # PostgreSQL cannot drop the test database while the server's sessions linger.
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@contextmanager
def running_emulator(
    django_db_blocker: Any, log_dir: Path, env: Mapping[str, str] = MappingProxyType({})
) -> Iterator[str]:
    """Run `manage.py emulator` on the test database, with `env` added to its environment."""
    with django_db_blocker.unblock():
        url_of_database = database_url(connection.settings_dict)
        name = connection.settings_dict["NAME"]
    port = free_port()
    log = log_dir / "emulator.log"
    argv = [sys.executable, "manage.py", "emulator", f"{HOST}:{port}", "--threads", "4"]
    with log.open("w") as output:
        process = subprocess.Popen(
            argv,
            cwd=settings.BASE_DIR,
            env={**os.environ, **env, "DATABASE_URL": url_of_database},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{HOST}:{port}"
    try:
        _wait_until_answering(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if connection.vendor == "postgresql":
            with django_db_blocker.unblock():
                _wait_for_connections_to_close(name)


@pytest.fixture(scope="session")
def emulator_url(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The URL of `manage.py emulator` serving the test database (one server per test session)."""
    with running_emulator(django_db_blocker, tmp_path_factory.mktemp("emulator")) as url:
        yield url
