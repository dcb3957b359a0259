"""Real Celery workers and beat for the crash tests: started on the test database and the tests'
Redis, killed with SIGKILL (a pool child, or a whole worker), restarted, and always stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.conf import settings
from django.db import connection

from tests.emulator.http_fixtures import _wait_for_connections_to_close, database_url

# Short leases and a fast reconciler, so a dead worker's chunk comes back within seconds.
FAST_RECOVERY = {
    "JOB_CHUNK_TIME_LIMIT": "6",
    "JOB_LEASE_SECONDS": "8",
    "JOB_REDISPATCH_SECONDS": "5",
    "JOB_RECONCILE_SECONDS": "1",
    "JOB_MAX_LOST_LEASES": "5",
}


class Fleet:
    """The worker and beat processes of one test."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir = log_dir
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "console", *argv],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process

    def worker(self, name: str, concurrency: int = 2) -> subprocess.Popen[bytes]:
        return self._start(
            name,
            [
                "worker",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                f"--hostname={name}@%h",
                "--loglevel=INFO",
            ],
        )

    def beat(self) -> subprocess.Popen[bytes]:
        return self._start(
            "beat", ["beat", f"--schedule={self.log_dir / 'beat-schedule'}", "--loglevel=INFO"]
        )

    def pool_children(
        self, worker: subprocess.Popen[bytes], wanted: int = 1, timeout: float = 30
    ) -> list[int]:
        """The pids of the worker's pool processes (once it has started them)."""
        deadline = time.monotonic() + timeout
        while True:
            children = [child.pid for child in psutil.Process(worker.pid).children()]
            if len(children) >= wanted or time.monotonic() > deadline:
                return children
            time.sleep(0.1)

    def kill_pool_child(self, worker: subprocess.Popen[bytes]) -> int:
        """SIGKILL one pool process of the worker (as the OOM killer would)."""
        pid = self.pool_children(worker)[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_worker(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL the whole worker: its main process and every pool process at once."""
        doomed = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]
        for process in doomed:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        worker.wait(timeout=10)

    def logs(self, tail: int | None = 6000) -> str:
        """The processes' logs (the last `tail` characters of each; None: all)."""
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            text = path.read_text()
            parts.append(f"--- {path.name}\n{text[-tail:] if tail else text}")
        return "\n".join(parts)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for child in psutil.Process(process.pid).children(recursive=True):
                    child.kill()
                process.kill()
                process.wait()


@pytest.fixture
def fleet(transactional_db, redis_db, django_db_blocker, tmp_path) -> Iterator[Fleet]:
    """Start workers and beat with `fleet.worker(name)` / `fleet.beat()`; all stopped at the end."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=settings.REDIS_URL,
        COGNITO_ENDPOINT="local",
        **FAST_RECOVERY,
    )
    crew = Fleet(tmp_path, env)
    try:
        yield crew
    finally:
        crew.stop()
        if connection.vendor == "postgresql":
            _wait_for_connections_to_close(connection.settings_dict["NAME"])


def wait_for(condition: Callable[[], Any], timeout: float, what: str, fleet: Fleet) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{fleet.logs()}")
        time.sleep(0.2)
