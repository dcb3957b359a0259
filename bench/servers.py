"""Starting and stopping the servers under test, each in its own process on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on port {port} within {timeout} s")


@contextmanager
def server_process(
    argv: list[str], port: int, log: Path, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Run `argv` (which must listen on `port`) and yield its URL; stop it afterwards."""
    with log.open("w") as output:
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_listening(port, process, log)
        yield f"http://{HOST}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def trivial_server(workdir: Path) -> Iterator[str]:
    port = free_port()
    with server_process(
        [sys.executable, "-m", "bench.trivial", str(port)], port, workdir / "trivial.log"
    ) as url:
        yield url


@contextmanager
def moto_server(workdir: Path) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)]
    with server_process(argv, port, workdir / "moto.log") as url:
        yield url


@contextmanager
def our_server(workdir: Path, database_url: str) -> Iterator[str]:
    port = free_port()
    argv = [sys.executable, "manage.py", "emulator", f"{HOST}:{port}"]
    with server_process(argv, port, workdir / "emulator.log", {"DATABASE_URL": database_url}) as url:
        yield url
