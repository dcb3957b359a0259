"""`make bench` is not a test, but the servers it starts must keep starting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

from django.conf import settings

from bench.servers import free_port


def test_the_trivial_floor_server_starts_and_answers_a_canned_get_id():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.trivial", str(port)],
        cwd=settings.BASE_DIR,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{port}/", data=b"{}"), timeout=2
                ) as answer:
                    body = json.loads(answer.read())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert body["IdentityId"].startswith("us-east-1:")
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_the_benchmark_explains_its_options():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--quick" in result.stdout
