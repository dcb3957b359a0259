"""Container health check without curl (python:3.11-slim has none): exit 0 when the URL answers.

    python deploy/healthcheck.py [URL] [--any-answer]

URL defaults to the console's liveness probe, http://127.0.0.1:8000/healthz. The request carries
the Host header of the first name in ALLOWED_HOSTS (Django answers 400 to any other). --any-answer
counts any HTTP answer below 500 as healthy (the emulator answers 4xx to a bare GET).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def host_header() -> str:
    for name in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def main(argv: list[str]) -> int:
    any_answer = "--any-answer" in argv
    urls = [arg for arg in argv if not arg.startswith("--")]
    url = urls[0] if urls else DEFAULT_URL
    if not url.startswith("http://"):
        print(f"not an http:// URL: {url}", file=sys.stderr)
        return 2
    request = urllib.request.Request(url, headers={"Host": host_header()})  # noqa: S310 (http only, checked above)
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status < 400 or any_answer else 1
    except urllib.error.HTTPError as error:
        return 0 if any_answer and error.code < 500 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
