"""Helpers for the audit tests: the embedded service in local mode, a web request's actor, and the events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import RequestFactory

from console.audit.actor import AuditActorMiddleware
from console.audit.models import AuditEvent, AuditEventIdentity
from console.audit.record import touched_identities

CLIENT_IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _local_cognito(settings):
    settings.COGNITO_ENDPOINT = "local"


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
    made = AuditEvent.objects.bulk_create(rows)
    # With their identity index rows, as the recorder writes them.
    AuditEventIdentity.objects.bulk_create(
        AuditEventIdentity(event=event, identity_id=identity_id)
        for event in made
        for identity_id in touched_identities(event)
    )
    return made
