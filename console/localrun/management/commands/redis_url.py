"""Print the Redis URL `make run` should use.

REDIS_URL when set; else the Redis on 127.0.0.1:6379 when one answers; else the
socket of an embedded Redis that `manage.py embedded_redis` will start.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from console.redisconn import EMBEDDED_SOCKET_NAME, get_redis

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def embedded_url() -> str:
    return f"redis+socket://{settings.BASE_DIR / '.run' / EMBEDDED_SOCKET_NAME}"


class Command(BaseCommand):
    help = "Print the Redis URL for development: REDIS_URL, a local Redis, or an embedded one."

    def handle(self, *args: Any, **options: Any) -> None:
        url = os.environ.get("REDIS_URL")
        if not url:
            try:
                get_redis(LOCAL_REDIS, timeout=0.5).ping()
                url = LOCAL_REDIS
            except Exception:  # noqa: BLE001 - nothing answers: use the embedded one
                url = embedded_url()
        self.stdout.write(url)
