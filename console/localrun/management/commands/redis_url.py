"""Print the Redis URL `make run` should use.

REDIS_URL when set; else the Redis at LOCAL_REDIS_URL (127.0.0.1:6379) when one answers;
else the socket of an embedded Redis that `manage.py embedded_redis` will start.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from console.localrun.redis import answers, local_redis_url, socket_url
from console.redisconn import EMBEDDED_SOCKET_NAME


def embedded_url() -> str:
    return socket_url(settings.BASE_DIR / ".run" / EMBEDDED_SOCKET_NAME)


class Command(BaseCommand):
    help = "Print the Redis URL for development: REDIS_URL, a local Redis, or an embedded one."

    def handle(self, *args: Any, **options: Any) -> None:
        url = os.environ.get("REDIS_URL")
        if not url:
            local = local_redis_url()
            url = local if answers(local) else embedded_url()
        self.stdout.write(url)
