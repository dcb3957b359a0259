"""Project-level views: the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from console.aws import errors as aws_errors
from console.aws.pools import ping
from console.redisconn import get_redis


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    client = get_redis()
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _check_cognito() -> str:
    ping(settings.AWS_REGIONS[0])
    return "ok"


@require_GET
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """JSON status of the database, Redis and the Cognito endpoint: 200 if all answer, else 503."""
    checks = {"database": _check_database, "redis": _check_redis, "cognito": _check_cognito}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except aws_errors.CognitoError as exc:
            results[name] = f"error: {exc.code}"
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            results[name] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "error", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)
