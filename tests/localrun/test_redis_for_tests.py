"""`make test` on a machine where no Redis runs: the test session starts the embedded one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from console.localrun.redis import answers, local_redis_url

pytestmark = pytest.mark.django_db


def test_the_test_sessions_redis_answers(redis_db):
    redis_db.set("probe", "1")

    assert redis_db.get("probe") == b"1"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_redis_url_and_no_local_redis_the_tests_start_the_embedded_one(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    env["LOCAL_REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    node = f"{__file__}::test_the_test_sessions_redis_answers"

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", node],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_a_local_redis_is_found_where_local_redis_url_points(monkeypatch):
    monkeypatch.setenv("LOCAL_REDIS_URL", "redis://127.0.0.1:1/0")

    assert local_redis_url() == "redis://127.0.0.1:1/0"
    assert not answers(local_redis_url())
