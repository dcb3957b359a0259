"""/audit/export.csv: the filtered events as CSV (a CSRF-protected POST), streamed, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from console.audit.export import HEADER, safe_cell
from console.audit.listing import iter_batches
from console.audit.models import AuditEvent

from .conftest import make_events

pytestmark = pytest.mark.django_db

EXPORT = reverse("audit:export")
POOL = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001"


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_is_a_streamed_csv_download(as_admin):
    response = as_admin.post(EXPORT)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].split(",") == list(HEADER)


def test_the_export_holds_the_filtered_events_newest_first_with_their_details(as_admin):
    AuditEvent.objects.create(
        actor="alice-admin",
        source_ip="203.0.113.7",
        region="us-east-1",
        operation="UpdateIdentityPool",
        pool_id=POOL,
        outcome="error",
        error_code="ConcurrentModificationException",
        error_message="Try again.",
        request={"IdentityPoolName": "n"},
        before={"IdentityPoolName": "o"},
        after={"IdentityPoolName": "n"},
        reason="Ticket 9",
        created_at=datetime(2025, 3, 2, 8, 0, tzinfo=UTC),
    )
    make_events(3, pool_id=POOL)
    make_events(4, pool_id="us-east-1:other")

    rows = _rows(as_admin.post(EXPORT, {"pool": POOL}))

    assert len(rows) == 4
    assert [row["time_utc"] for row in rows] == sorted((row["time_utc"] for row in rows), reverse=True)
    update = next(row for row in rows if row["operation"] == "UpdateIdentityPool")
    assert update == {
        "time_utc": "2025-03-02T08:00:00+00:00",
        "actor": "alice-admin",
        "source_ip": "203.0.113.7",
        "region": "us-east-1",
        "operation": "UpdateIdentityPool",
        "pool_id": POOL,
        "identity_id": "",
        "outcome": "error",
        "error_code": "ConcurrentModificationException",
        "error_message": "Try again.",
        "reason": "Ticket 9",
        "request": '{"IdentityPoolName": "n"}',
        "before": '{"IdentityPoolName": "o"}',
        "after": '{"IdentityPoolName": "n"}',
    }


def test_batches_visit_every_matching_event_once_in_order():
    events = make_events(23, operation="DeleteIdentities") + make_events(5, operation="TagResource")

    seen = [event.pk for event in iter_batches({"operation": "DeleteIdentities"}, size=7)]

    assert seen == [event.pk for event in reversed(events[:23])]


def test_an_export_is_itself_recorded_with_its_filters(as_admin, admin):
    _rows(as_admin.post(EXPORT, {"pool": POOL, "outcome": "error"}))

    [event] = AuditEvent.objects.filter(operation="console.audit_export")
    assert event.actor == admin.username
    assert event.request == {"pool": POOL, "outcome": "error"}


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"])
def test_a_cell_that_would_run_as_a_formula_is_quoted(value):
    assert safe_cell(value) == "'" + value


def test_ordinary_cells_are_left_alone():
    assert [safe_cell(value) for value in ("alice", "", None, "a=b", "us-east-1:x")] == [
        "alice",
        "",
        "",
        "a=b",
        "us-east-1:x",
    ]


def test_formulas_stored_in_events_are_quoted_in_the_export(as_admin):
    make_events(
        1, actor="=cmd|' /C calc'!A0", reason="@SUM(1+1)", error_message="-1+1", operation="job.cancel"
    )

    [row] = _rows(as_admin.post(EXPORT, {"operation": "job.cancel"}))

    assert row["actor"] == "'=cmd|' /C calc'!A0"
    assert row["reason"] == "'@SUM(1+1)"
    assert row["error_message"] == "'-1+1"


def test_only_admins_may_export(as_support, as_viewer):
    assert as_support.post(EXPORT).status_code == 403
    assert as_viewer.post(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(operation="console.audit_export").exists()


def test_a_bad_filter_is_refused_with_the_reason(as_admin):
    response = as_admin.post(EXPORT, {"date_from": "yesterday"})

    assert response.status_code == 400
    assert b"Enter a valid date." in response.content


def test_the_list_offers_the_export_of_the_same_filters_as_a_form_with_its_csrf_token(as_admin):
    make_events(1, pool_id=POOL)

    html = as_admin.get(reverse("audit:list"), {"pool": POOL}).content.decode()

    form = re.search(rf'<form class="table-tools" method="post" action="{EXPORT}">(.*?)</form>', html, re.S)
    assert form, "no export form"
    assert 'name="csrfmiddlewaretoken"' in form[1]
    assert f'<input type="hidden" name="pool" value="{POOL}">' in form[1]


def test_a_get_of_the_export_is_refused_and_records_nothing(as_admin):
    # A link or <img> on another site would send a GET with the admin's (SameSite=Lax) cookie.
    make_events(1, pool_id=POOL)

    response = as_admin.get(EXPORT, {"pool": POOL})

    assert response.status_code == 405
    assert not AuditEvent.objects.filter(operation="console.audit_export").exists()


def test_an_export_posted_without_the_csrf_token_is_refused(admin):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)

    response = browser.post(EXPORT, {"pool": POOL})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(operation="console.audit_export").exists()


def test_every_csv_the_console_writes_goes_through_the_same_escaping():
    # One writer quotes every cell (SafeCsvWriter): a module writing CSV its own way could
    # forget a column, as the export once forgot its login providers.
    console = Path(__file__).resolve().parents[2] / "console"
    writers = sorted(
        str(path.relative_to(console.parent))
        for path in console.rglob("*.py")
        if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text())
    )

    assert writers == ["console/audit/export.py"]
