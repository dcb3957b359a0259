"""The floor: a WSGI app answering every call with a canned GetId, on our cheroot server.

Run as `python -m bench.trivial PORT`; it answers until terminated.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any

import django

# make_server lives in the emulator's WSGI module, whose imports need Django's app registry;
# setting it up costs start-up time only, not time per request.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django.setup()

from console.emulator.wsgi import make_server  # noqa: E402

_BODY = b'{"IdentityId":"us-east-1:00000000-0000-4000-8000-000000000000"}'


def canned_get_id(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the request, answer the headers a real answer has, skip the work."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(_BODY))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("Date", formatdate(usegmt=True)),
    ]
    start_response("200 OK", headers)
    return [_BODY]


def main(port: int) -> None:
    server = make_server("127.0.0.1", port, canned_get_id)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    server.prepare()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))
