"""LOG_FORMAT: JSON lines carrying the request id when DEBUG is off, plain text with DEBUG."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

# A request in a fresh process with the given settings: prints the X-Request-ID it was answered with.
SCRIPT = """
import django, logging
django.setup()
from django.test import Client
# A refused method: logged by django.request, answered without a template (no collectstatic here).
response = Client(HTTP_HOST="console.example.com").post("/healthz", secure=True)
print(response["X-Request-ID"])
logging.getLogger("console.probe").warning("two\\nlines %s", "<typed>")
try:
    raise ValueError("boom")
except ValueError:
    logging.getLogger("console.probe").exception("failed")
"""


def _run(tmp_path, script: str = SCRIPT, **env: str) -> subprocess.CompletedProcess[str]:
    """`script` in a fresh process with production-like settings plus `env`."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "console.settings",
        # WhiteNoise warns (a Python warning, not a log line) that collectstatic has not run.
        "PYTHONWARNINGS": "ignore::UserWarning",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "console.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_with_debug_off_every_log_line_is_json_with_the_request_id(tmp_path):
    result = _run(tmp_path, DEBUG="false")
    request_id = result.stdout.strip()
    lines = [json.loads(line) for line in result.stderr.splitlines()]

    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == request_id and len(request_id) == 32
    assert not_found["level"] == "WARNING"
    assert not_found["message"] == "Method Not Allowed: /healthz"
    assert not_found["time"].endswith("+00:00")


def test_a_json_line_outside_a_request_says_so_and_keeps_a_message_on_one_line(tmp_path):
    result = _run(tmp_path, DEBUG="false")
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    probe, failure = (line for line in lines if line["logger"] == "console.probe")

    assert probe["request_id"] == "-"
    assert probe["message"] == "two\nlines <typed>"
    assert failure["message"] == "failed"
    assert "ValueError: boom" in failure["exception"]


def test_with_debug_on_lines_are_plain_unless_json_is_asked_for(tmp_path):
    plain = _run(tmp_path, DEBUG="true")
    request_id = plain.stdout.strip()
    assert f"WARNING django.request [{request_id}]: Method Not Allowed: /healthz" in plain.stderr

    asked = _run(tmp_path, DEBUG="true", LOG_FORMAT="json")
    assert json.loads(asked.stderr.splitlines()[0])["logger"] == "django.request"


WORKER_SCRIPT = """
import logging
from celery.signals import setup_logging
from console.celery import app
# What a worker or beat does at start: with the console's receiver, Celery's format is not used.
setup_logging.send(sender=None, loglevel="INFO", logfile=None, format="", colorize=False)
logging.getLogger("celery.apps.worker").info("probe@host ready.")
"""


def test_celery_workers_log_json_lines_too(tmp_path):
    result = _run(tmp_path, WORKER_SCRIPT, DEBUG="false")

    (line,) = [json.loads(text) for text in result.stderr.splitlines()]
    assert (line["logger"], line["message"], line["request_id"]) == (
        "celery.apps.worker",
        "probe@host ready.",
        "-",
    )
