"""Project-level views: the liveness and readiness probes.

/healthz (liveness) says only that the process answers: it touches no database, Redis or
Cognito, so any number of anonymous requests cost nothing. /readyz (readiness) checks the
three, but at most once per READINESS_CACHE_SECONDS per process, so it cannot be used to
spend the account's Cognito quota; which part failed, and how, is shown to admins only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from console.accounts.roles import ADMIN, role_of
from console.aws import errors as aws_errors
from console.aws.pools import ping
from console.redisconn import get_redis

READINESS_CACHE_SECONDS = 5.0

_lock = threading.Lock()
# (monotonic time of the check, {component: "ok" | "error: <what>"})
_last_readiness: tuple[float, dict[str, str]] | None = None


@require_safe
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 whenever the process can answer; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
@login_not_required
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, Redis and Cognito answer, else 503; details for admins."""
    results = readiness()
    ready = all(value == "ok" for value in results.values())
    body: dict[str, object] = {"status": "ok" if ready else "error"}
    if role_of(request.user) == ADMIN:
        # Exception class names and codes help an operator, and tell a stranger what runs here.
        body["checks"] = results
    return JsonResponse(body, status=200 if ready else 503)


def readiness() -> dict[str, str]:
    """Each component's status, from a check at most READINESS_CACHE_SECONDS old."""
    global _last_readiness
    with _lock:
        # One check at a time: concurrent probes wait for it rather than run their own.
        now = time.monotonic()
        if _last_readiness is None or now - _last_readiness[0] >= READINESS_CACHE_SECONDS:
            _last_readiness = (now, _run_checks())
        return dict(_last_readiness[1])


def forget_readiness() -> None:
    """Drop the cached result (tests that change what the checks see call this)."""
    global _last_readiness
    with _lock:
        _last_readiness = None


def _run_checks() -> dict[str, str]:
    checks: dict[str, Callable[[], None]] = {
        "database": _check_database,
        "redis": _check_redis,
        "cognito": _check_cognito,
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except aws_errors.CognitoError as exc:
            results[name] = f"error: {exc.code}"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            results[name] = f"error: {type(exc).__name__}"
    return results


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    client = get_redis()
    try:
        client.ping()
    finally:
        client.close()


def _check_cognito() -> None:
    try:
        ping(settings.AWS_REGIONS[0])
    except aws_errors.Throttled:
        # The account's quota is busy: Cognito (or our limiter) answered, and pages still serve.
        # Taking every web process out of the load balancer for it would turn load into an outage.
        pass
