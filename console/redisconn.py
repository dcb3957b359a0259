"""Redis connections from REDIS_URL, which may use Celery's `redis+socket://` form."""

from __future__ import annotations

import redis
from django.conf import settings

EMBEDDED_SOCKET_NAME = "redis.sock"


def redis_py_url(url: str) -> str:
    """redis-py spells a unix socket `unix://` and its database `db=`; Celery `redis+socket://`
    and `virtual_host=`."""
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :].replace("virtual_host=", "db=")
    return url


def get_redis(url: str | None = None, timeout: float = 2.0) -> redis.Redis:
    """A redis-py client for REDIS_URL (or `url`)."""
    return redis.Redis.from_url(
        redis_py_url(url or settings.REDIS_URL), socket_connect_timeout=timeout, socket_timeout=timeout
    )
