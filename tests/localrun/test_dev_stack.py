"""`make run`'s processes: the embedded Redis starts on a socket and a Celery worker uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from console.redisconn import get_redis

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def _wait_for(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def embedded_redis(tmp_path: Path):
    socket = tmp_path / "redis.sock"
    url = f"redis+socket://{socket}"
    env = dict(os.environ, REDIS_URL=url)
    process = subprocess.Popen(
        [*MANAGE, "embedded_redis"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(lambda: get_redis(url).ping())
        yield url
    finally:
        _stop(process)


def test_redis_url_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://example.invalid:6379/3")
    result = subprocess.run(
        [*MANAGE, "redis_url"], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    assert result.stdout.strip() == "redis://example.invalid:6379/3"


def test_embedded_redis_serves_a_socket_and_a_celery_worker_runs_tasks_through_it(embedded_redis, tmp_path):
    env = dict(os.environ, REDIS_URL=embedded_redis)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "console", "worker", "--pool=solo", "--loglevel=INFO"],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Queue a task from this process through the same socket and wait for the worker to run it.
        sender = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from console.celery import ping; print(ping.delay().id)",
            ],
            env=dict(env, DJANGO_SETTINGS_MODULE="console.settings"),
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        task_id = sender.stdout.strip().splitlines()[-1]
        output: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            output.append(line)
            if task_id in line and "succeeded" in line:
                break
        assert any(task_id in line and "succeeded" in line for line in output), "".join(output)
    finally:
        _stop(worker, timeout=20)


def test_embedded_redis_waits_quietly_when_another_redis_is_configured(tmp_path):
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:6379/0")
    process = subprocess.Popen(
        [*MANAGE, "embedded_redis"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        line = _wait_for(lambda: _first_line(process))
        assert "no embedded Redis needed" in line
        assert process.poll() is None
    finally:
        _stop(process)


def _stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a process the test started, and close the pipe it wrote to."""
    process.terminate()
    process.wait(timeout=timeout)
    if process.stdout is not None:
        process.stdout.close()


def _first_line(process) -> str:
    for line in process.stdout:
        if "Redis" in line:
            return line
    raise RuntimeError("no output")
