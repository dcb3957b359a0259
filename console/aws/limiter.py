"""The shared rate limiter: one token bucket in Redis per (endpoint, region, operation).

AWS counts request-rate quotas per account and region, not per process: botocore's
"adaptive" retry mode keeps its bucket in one client object and cannot coordinate the web
server and several Celery workers. Here every process asks the same Redis bucket, in one Lua
script (atomic on the server, clocked by the server's TIME, so hosts' clocks do not matter).

A bucket holds one second's worth of calls (at least one, as AWS's burst and the embedded
service's simulated quota do) and refills continuously at the operation's rate. A caller
that finds it empty *reserves* the next token: the balance goes below zero and the caller
sleeps until its token is due, so waiting callers are served in order, one every 1/rate s,
without polling. A caller that would wait longer than it may (`max_wait`) takes nothing and
gets `RateLimited`.

People before background work: a page's call *reserves* its turn as above, but a job's call
(`background=True`) never reserves a future token. It takes a token only when one is free now,
else it learns when the next one is due, sleeps until then and asks again. Pages waiting have
already pushed the balance below zero, so their turns come first; with nobody waiting, the
background caller takes every token as it comes due (work-conserving: an idle console lets a
job use the whole quota, not a fixed share). Several workers' background calls share the one
bucket as pages do.

When Redis cannot be reached the limiter fails open: the call goes ahead unpaced, a
warning is logged (at most once a minute per process), and Redis is not asked again for
_RETRY_AFTER seconds, so a page making several calls does not wait for several timeouts. Pages must keep working when Redis
is down; jobs cannot run without Redis anyway (it is their broker), and a call that then
exceeds the quota is throttled by AWS and retried by the job like any other throttle.

Rates default to AWS's published quotas (reference: "API request-rate quotas") and, where
AWS publishes none, to the same assumptions the embedded service simulates; settings
COGNITO_RATE_LIMITS overrides them and COGNITO_RATE_LIMITER=false turns the limiter off.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import botocore.session
import redis
from django.conf import settings
from django.core import checks

from console.quotarates import default_rate
from console.redisconn import get_redis

from . import errors

logger = logging.getLogger(__name__)


KEY_PREFIX = "console:ratelimit"

# KEYS[1]: the bucket (a hash: tokens, at). Both scripts first bring it up to the server's clock
# and end by spending one token. ARGV[1]: rate per second, ARGV[2]: capacity. Numbers go back as
# strings: Redis would truncate a Lua number to an integer.
_REFILL = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
"""
_SPEND = """
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(((capacity - tokens) / rate + 1) * 1000))
"""

# A page's turn. ARGV[3]: the longest wait (s). Returns the seconds to wait before calling
# (>= 0, token taken), or minus the wait that would have been needed when it exceeds the longest
# wait (nothing taken).
_TAKE = (
    _REFILL
    + """
local max_wait = tonumber(ARGV[3])
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
end
if wait > max_wait then
  return tostring(-wait)
end
"""
    + _SPEND
    + "return tostring(wait)\n"
)

# The same bucket, for a background caller: take a token only if one is free now. Returns "0"
# (taken) or the seconds until the next token is due (> 0, nothing taken; the caller asks again
# then, behind any page that reserved in the meantime).
_TRY = (
    _REFILL
    + """
if tokens < 1 then
  return tostring((1 - tokens) / rate)
end
"""
    + _SPEND
    + 'return "0"\n'
)

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_url: str | None = None
_script: Any = None
_try_script: Any = None
_last_warning = 0.0
_WARN_EVERY = 60.0
_down_until = 0.0
_RETRY_AFTER = 15.0


def rate(operation: str) -> float:
    """The operation's rate in requests per second: its setting, else the default."""
    configured = settings.COGNITO_RATE_LIMITS.get(operation)
    if configured is not None:
        return configured
    return default_rate(operation)


def bucket_key(region: str, operation: str, endpoint: str | None = None) -> str:
    return f"{KEY_PREFIX}:{endpoint or settings.COGNITO_ENDPOINT}:{region}:{operation}"


def _redis() -> tuple[redis.Redis, Any, Any]:
    global _client, _client_url, _script, _try_script
    with _lock:
        # Tests change REDIS_URL; a process normally builds this once.
        if _client is None or _client_url != settings.REDIS_URL:
            _reset_breaker()
            if _client is not None:
                _client.close()
            _client = get_redis(timeout=1.0)
            _client_url = settings.REDIS_URL
            _script = _client.register_script(_TAKE)
            _try_script = _client.register_script(_TRY)
        return _client, _script, _try_script


def _reset_breaker() -> None:
    global _down_until, _last_warning
    _down_until = 0.0
    _last_warning = 0.0


def reset() -> None:
    """Forget the Redis connection and any outage seen (tests that change REDIS_URL call this)."""
    global _client, _client_url
    with _lock:
        if _client is not None:
            _client.close()
        _client = _client_url = None
        _reset_breaker()


def take(region: str, operation: str, *, max_wait: float) -> float:
    """Reserve one call of `operation` in `region`: the seconds to sleep before making it.

    Raises `errors.RateLimited` (nothing reserved) when the wait would exceed `max_wait`.
    Returns 0 without asking Redis when the limiter is off or Redis does not answer.
    """
    if not settings.COGNITO_RATE_LIMITER:
        return 0.0
    if time.monotonic() < _down_until:
        return 0.0
    per_second = rate(operation)
    capacity = max(per_second, 1.0)
    try:
        client, script, _ = _redis()
        answer = script(
            keys=[bucket_key(region, operation)], args=[per_second, capacity, max_wait], client=client
        )
    except redis.RedisError as exc:
        _fail_open(exc)
        return 0.0
    wait = float(answer)
    if wait < 0:
        raise _limited(region, operation, per_second, -wait)
    return wait


def _limited(region: str, operation: str, per_second: float, wait: float) -> errors.RateLimited:
    return errors.RateLimited(
        f"{operation} in {region} is at its rate limit of {per_second:g} calls per second; "
        f"the next free turn is {wait:.1f} s away.",
        operation=operation,
        retry_after=wait,
    )


def try_take(region: str, operation: str) -> float:
    """A background caller's try: 0 when it took a token, else the seconds until the next is due.

    Nothing is reserved when no token is free, so pages that queue meanwhile go first.
    Returns 0 without asking Redis when the limiter is off or Redis does not answer.
    """
    if not settings.COGNITO_RATE_LIMITER:
        return 0.0
    if time.monotonic() < _down_until:
        return 0.0
    per_second = rate(operation)
    try:
        client, _, script = _redis()
        answer = script(
            keys=[bucket_key(region, operation)], args=[per_second, max(per_second, 1.0)], client=client
        )
    except redis.RedisError as exc:
        _fail_open(exc)
        return 0.0
    return float(answer)


def acquire(region: str, operation: str, *, max_wait: float | None = None, background: bool = False) -> float:
    """Wait for a turn to call `operation` in `region`; the seconds waited.

    `max_wait` defaults to COGNITO_RATE_LIMIT_WAIT (what a page may wait). A `background`
    caller (a job) lets every page that waits go first (see the module docstring).
    """
    limit = max(0.0, settings.COGNITO_RATE_LIMIT_WAIT if max_wait is None else max_wait)
    if background:
        return _acquire_behind_pages(region, operation, limit)
    wait = take(region, operation, max_wait=limit)
    if wait > 0:
        time.sleep(wait)
    return wait


def _acquire_behind_pages(region: str, operation: str, limit: float) -> float:
    started = time.monotonic()
    while True:
        due = try_take(region, operation)
        waited = time.monotonic() - started
        if due <= 0:
            return waited
        if waited + due > limit:
            raise _limited(region, operation, rate(operation), due)
        time.sleep(due)


def _fail_open(exc: Exception) -> None:
    global _last_warning, _down_until
    now = time.monotonic()
    _down_until = now + _RETRY_AFTER
    if _last_warning == 0.0 or now - _last_warning >= _WARN_EVERY:
        _last_warning = now
        logger.warning(
            "Rate limiter unavailable (%s: %s): Cognito calls go unpaced until Redis answers again.",
            type(exc).__name__,
            exc,
        )


@checks.register()
def check_rate_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A misspelt operation in COGNITO_RATE_LIMITS would otherwise be ignored silently."""
    model = botocore.session.get_session().get_service_model("cognito-identity")
    known = set(model.operation_names)
    return [
        checks.Error(
            f"COGNITO_RATE_LIMITS names {name!r}, which is not an operation of cognito-identity.",
            hint="Use the operation names of the API, e.g. DeleteIdentities=8,ListIdentities=5.",
            id="aws.E001",
        )
        for name in sorted(set(settings.COGNITO_RATE_LIMITS) - known)
    ]
