"""Django's cache in Redis, shared by every web process and worker, and failing open.

What the console caches (the developer-pool catalog, which pool an identity is in, who read the
pools again when) saves calls from the account's shared Cognito quota, so every process must
see the same entries: one gunicorn worker's catalog is every worker's catalog.

The cache is an optimisation, never a dependency: when Redis does not answer, reads miss,
writes are dropped and pages go on asking Cognito (as the rate limiter goes on unpaced,
console/aws/limiter.py). A warning is logged at most once a minute per process, and Redis is
not asked again for RETRY_AFTER seconds, so a page that reads the cache several times waits
for one timeout, not several.

Values are stored as JSON, not pickled: Redis is shared with the broker and the limiter, and
an entry someone wrote there must not become code run by the console when it is read.

`clear()` deletes this cache's keys only (by KEY_PREFIX): the database also holds the job
queue and the limiter's buckets, which Django's own `clear()` (FLUSHDB) would drop.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from console.redisconn import redis_py_url

logger = logging.getLogger(__name__)

T = TypeVar("T")

WARN_EVERY = 60.0
RETRY_AFTER = 15.0

_lock = threading.Lock()
# Per server location: until when Redis is not asked, and when the last warning was logged.
_down_until: dict[str, float] = {}
_warned_at: dict[str, float] = {}


class JsonSerializer:
    """Integers as they are (so INCR works, as Django's own serializer does), the rest as JSON."""

    def dumps(self, value: Any) -> Any:
        if type(value) is int:
            return value
        return json.dumps(value, separators=(",", ":")).encode()

    def loads(self, data: bytes) -> Any:
        try:
            return int(data)
        except ValueError:
            return json.loads(data)


def reset() -> None:
    """Forget any outage seen (tests that stop or start a Redis call this)."""
    with _lock:
        _down_until.clear()
        _warned_at.clear()


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache on REDIS_URL (Celery's `redis+socket://` form too), failing open."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        servers = re.split("[;,]", server) if isinstance(server, str) else list(server)
        options = {"serializer": JsonSerializer, **params.get("OPTIONS", {})}
        super().__init__([redis_py_url(each) for each in servers], {**params, "OPTIONS": options})
        self._location = ",".join(servers)

    def _guarded(self, call: Callable[[], T], fallback: T) -> T:
        if time.monotonic() < _down_until.get(self._location, 0.0):
            return fallback
        try:
            return call()
        except (redis.RedisError, OSError) as exc:
            self._fail_open(exc)
            return fallback
        except (UnicodeDecodeError, json.JSONDecodeError):
            return fallback  # not an entry this cache wrote (a pickle, another version): a miss

    def _fail_open(self, exc: Exception) -> None:
        now = time.monotonic()
        with _lock:
            _down_until[self._location] = now + RETRY_AFTER
            warned = _warned_at.get(self._location)
            if warned is not None and now - warned < WARN_EVERY:
                return
            _warned_at[self._location] = now
        logger.warning(
            "Cache unavailable (%s: %s): pages ask Cognito without it until Redis answers again.",
            type(exc).__name__,
            exc,
        )

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        # As if the key were absent (a read that misses), and the write is dropped.
        return self._guarded(lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version), True)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(lambda: super(FailOpenRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: str, version: int | None = None) -> bool:
        return self._guarded(lambda: super(FailOpenRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        return self._guarded(lambda: super(FailOpenRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: str, version: int | None = None) -> bool:
        return self._guarded(lambda: super(FailOpenRedisCache, self).has_key(key, version), False)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        value = self._guarded(lambda: super(FailOpenRedisCache, self).incr(key, delta, version), missing)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return value

    def set_many(
        self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[str]:
        # Django's contract: the keys that could not be stored.
        return self._guarded(
            lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guarded(lambda: super(FailOpenRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> bool:
        return self._guarded(self._delete_own_keys, False)

    def _delete_own_keys(self) -> bool:
        client = self._cache.get_client(None, write=True)
        # make_key("*") is "<prefix>:<version>:*"; every version of every key of this cache.
        pattern = self.key_func("*", self.key_prefix, "*")
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) == 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
        return True
