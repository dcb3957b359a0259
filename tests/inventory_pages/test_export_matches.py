"""The inventory browser's matches as CSV: streamed from the inventory, labelled with its "as of",
audited, and for the roles that may export identities (run_jobs)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.inventory.helpers import identity_id

pytestmark = pytest.mark.django_db


def export_url(pool_id: str, query: str = "") -> str:
    return reverse("identities:export_matches", args=[pool_id]) + (f"?{query}" if query else "")


def rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_holds_every_match_in_the_browsers_order_as_of_the_sync(
    as_admin, pool_id, inventoried, calls
):
    inventoried()
    calls.clear()
    response = as_admin.get(export_url(pool_id, "provider=graph.facebook.com&sort=created"))

    assert response.status_code == 200
    assert "inventory-as-of-20260401T0831Z" in response["Content-Disposition"]
    exported = rows(response)
    assert [row["identity_id"] for row in exported] == [identity_id(n) for n in (5, 6, 7, 10)]
    assert exported[0]["login_providers"] == "graph.facebook.com"
    assert exported[0]["created"] == "2026-03-06T12:00:00+00:00"
    assert exported[1]["disabled"] == "true" and exported[0]["disabled"] == "false"
    assert {row["inventory_as_of"] for row in exported} == {"2026-04-01T08:31:00+00:00"}
    assert sum(calls.values()) == 0  # the inventory only


def test_every_export_is_an_audit_event_with_its_filter_and_count(as_admin, pool_id, inventoried):
    inventoried()
    rows(as_admin.get(export_url(pool_id, "provider=guests")))

    event = AuditEvent.objects.get(operation="inventory.export_matches")
    assert event.pool_id == pool_id
    assert event.request["filters"] == {"provider": "guests"}
    assert event.request["matches"] == 4


@pytest.mark.parametrize("role", ["as_viewer", "as_support"])
def test_viewers_and_support_may_not_export(request, role, pool_id, inventoried):
    inventoried()
    response = request.getfixturevalue(role).get(export_url(pool_id))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(operation="inventory.export_matches").exists()
