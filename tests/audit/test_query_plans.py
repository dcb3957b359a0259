"""The list's queries read pages straight off an index, whatever the filters (SQLite plans).

Plans, not timings: each filtered page query must use one of the audit indexes and never
sort (no "USE TEMP B-TREE FOR ORDER BY"), except the identity filter, which reads the
identity index and sorts what it found (see below). AUDIT_PLAN_ROWS sets how many events are
inserted first (default 3,000; the report ran it with 200,000).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from console.audit.listing import _RECORDED_SQL, PAGE_SIZE, Cursor, filtered, recorded_operations
from console.audit.models import AuditEvent, AuditEventIdentity

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN"),
]

ROWS = int(os.environ.get("AUDIT_PLAN_ROWS", "3000"))
OPERATIONS = ("TagResource", "DeleteIdentities", "UpdateIdentityPool", "console.login", "job.start")
FILTERS = [
    {},
    {"user": "user-3"},
    {"operation": "DeleteIdentities"},
    {"pool": "us-east-1:pool-7"},
    {"outcome": "error"},
    {"date_from": date(2025, 1, 2), "date_to": date(2025, 1, 5)},
    {"pool": "us-east-1:pool-7", "outcome": "error"},
    {"user": "user-3", "operation": "TagResource", "date_from": date(2025, 1, 2)},
    {"changes": True},
    {"changes": True, "pool": "us-east-1:pool-7"},
]
# The identity filter reads the identity index (AuditEventIdentity's unique (identity_id,
# event) index), which also holds the bulk deletes and merges that named the identity. Its
# rows are not in the list's (created_at, id) order, so the events found are sorted: one
# identity's events are few (each is a support action about that one identity), so the sort
# is bounded by them, never by the size of the trail.
IDENTITY_FILTERS = [
    {"identity": "us-east-1:identity-11"},
    {"identity": "us-east-1:identity-11", "outcome": "error"},
    {"identity": "us-east-1:identity-11", "date_from": date(2025, 1, 2)},
]


def insert_events(count: int, batch: int = 5000) -> None:
    """`count` varied events, one every few seconds, written in bulk."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for first in range(0, count, batch):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                created_at=start + timedelta(seconds=3 * (number // 2)),  # pairs share an instant
                actor=f"user-{number % 10}",
                operation=OPERATIONS[number % len(OPERATIONS)],
                pool_id=f"us-east-1:pool-{number % 50}",
                identity_id=f"us-east-1:identity-{number % 997}" if number % 3 else "",
                outcome="error" if number % 20 == 0 else "success",
                region="us-east-1",
                request={"n": number},
            )
            for number in range(first, min(first + batch, count))
        )
    # The identity index rows the recorder writes with each event about an identity.
    AuditEventIdentity.objects.bulk_create(
        (
            AuditEventIdentity(event_id=event_id, identity_id=identity_id)
            for event_id, identity_id in AuditEvent.objects.exclude(identity_id="").values_list(
                "id", "identity_id"
            )
        ),
        batch_size=batch,
    )


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.fixture(scope="module")
def middle(django_db_blocker, django_db_setup) -> Cursor:
    with django_db_blocker.unblock():
        insert_events(ROWS)
        # What a deployment's `ANALYZE` would give the planner.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        middle_event = AuditEvent.objects.order_by("-created_at", "-id")[ROWS // 2]
        yield Cursor.of(middle_event)
        AuditEventIdentity._base_manager.all()._raw_delete(connection.alias)
        AuditEvent._base_manager.all()._raw_delete(connection.alias)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM sqlite_stat1 WHERE tbl IN ('audit_auditevent', 'audit_auditeventidentity')"
            )


def _assert_read_off_an_index(text: str) -> None:
    assert "USING INDEX audit_" in text or "USING COVERING INDEX audit_" in text, text
    assert "TEMP B-TREE" not in text, text


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f) or "none")
def test_the_newest_page_is_read_off_an_index(middle, filters):
    query = filtered(filters)[: PAGE_SIZE + 1]

    _assert_read_off_an_index(plan(query))


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f) or "none")
def test_older_and_newer_pages_are_read_off_an_index(middle, filters):
    _assert_read_off_an_index(plan(filtered(filters, older_than=middle)[: PAGE_SIZE + 1]))
    _assert_read_off_an_index(plan(filtered(filters, newer_than=middle)[: PAGE_SIZE + 1]))


def _assert_read_off_the_identity_index(text: str) -> None:
    lines = text.splitlines()
    assert any("auditeventidentity" in line and "(identity_id=?)" in line for line in lines), text
    # Never a scan of the whole trail (with a date range the planner may walk that range of
    # the time index instead, checking each event against the identity's list).
    assert not any(line.startswith("SCAN") for line in lines), text


@pytest.mark.parametrize("filters", IDENTITY_FILTERS, ids=lambda f: "+".join(f))
def test_an_identitys_pages_are_read_off_the_identity_index(middle, filters):
    _assert_read_off_the_identity_index(plan(filtered(filters)[: PAGE_SIZE + 1]))
    _assert_read_off_the_identity_index(plan(filtered(filters, older_than=middle)[: PAGE_SIZE + 1]))
    _assert_read_off_the_identity_index(plan(filtered(filters, newer_than=middle)[: PAGE_SIZE + 1]))


def test_the_operation_names_are_read_off_the_operation_index_one_probe_each(middle):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + _RECORDED_SQL)
        text = "\n".join(row[-1] for row in cursor.fetchall())

    assert "audit_op_time_idx (operation>?)" in text, text
    assert not any(line.startswith("SCAN audit_auditevent") for line in text.splitlines()), text
    assert set(OPERATIONS) <= set(recorded_operations())
