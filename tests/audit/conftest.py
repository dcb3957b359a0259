"""Helpers for the audit tests: the embedded service, a web request's actor, and the events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory

from console.audit.actor import AuditActorMiddleware
from console.audit.models import AuditEvent
from console.aws.clients import build_client

DEVELOPER = "login.example.app"
FACEBOOK = "graph.facebook.com"
GOOGLE = "accounts.google.com"
CLIENT_IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _local_cognito(settings):
    settings.COGNITO_ENDPOINT = "local"


@pytest.fixture
def cognito(region) -> Any:
    """A boto3 client on the embedded service, for setting things up without the gateway."""
    return build_client(region, "local")


@pytest.fixture
def make_pool(cognito) -> Callable[..., str]:
    def make(name: str = "audited", **overrides: Any) -> str:
        params = {
            "IdentityPoolName": name,
            "AllowUnauthenticatedIdentities": True,
            "SupportedLoginProviders": {FACEBOOK: "1234567890", GOOGLE: "client.apps.googleusercontent.com"},
            "DeveloperProviderName": DEVELOPER,
            **overrides,
        }
        return cognito.create_identity_pool(**params)["IdentityPoolId"]

    return make


def pool_arn(pool_id: str, region: str) -> str:
    return f"arn:aws:cognito-identity:{region}:{settings.EMULATOR_ACCOUNT_ID}:identitypool/{pool_id}"


def as_web_request(user, work: Callable[[], Any], ip: str = CLIENT_IP, **meta: str) -> Any:
    """Run `work` the way a view would: inside the audit middleware, for `user` from `ip`."""
    request = RequestFactory().get("/", REMOTE_ADDR=ip, **meta)
    request.user = user
    outcome: dict[str, Any] = {}

    def view(request):
        outcome["value"] = work()
        return None

    AuditActorMiddleware(view)(request)
    return outcome["value"]


def events(**filters: Any) -> list[AuditEvent]:
    """Stored events, oldest first, leaving out the sign-ins the test clients make."""
    return list(
        AuditEvent.objects.filter(**filters).exclude(operation="console.login").order_by("created_at", "id")
    )


def make_events(
    count: int, *, start: datetime | None = None, step: timedelta = timedelta(seconds=1), **fields: Any
):
    """`count` events, one per `step` going forward from `start`; returns them oldest first."""
    start = start or datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    defaults = {
        "actor": "alice-admin",
        "operation": "TagResource",
        "outcome": "success",
        "region": "us-east-1",
    }
    rows = [AuditEvent(created_at=start + number * step, **{**defaults, **fields}) for number in range(count)]
    return AuditEvent.objects.bulk_create(rows)
