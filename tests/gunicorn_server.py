"""A real gunicorn with the image's config (deploy/gunicorn.conf.py), for tests whose answer
depends on the server: which headers it believes, what it hands Django of a request body."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def raw(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=timeout)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """DEBUG off, one worker, a SQLite database of its own (migrated by `serving`)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "console.example.com,localhost,127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "COGNITO_RATE_LIMITER": "false",
        "GUNICORN_WORKERS": "1",
        **overrides,
    }


@contextmanager
def serving(env: dict[str, str], migrate: bool = False) -> Iterator[Server]:
    """gunicorn on a free loopback port with `env` only, ready once /healthz answers."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if migrate:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "console.wsgi", "--config", str(GUNICORN_CONFIG)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "gunicorn stopped"
            assert time.monotonic() < deadline, "no answer on /healthz"
            connection = server.connection(timeout=2)
            try:
                connection.request("GET", "/healthz", headers={"Host": "localhost"})
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)
