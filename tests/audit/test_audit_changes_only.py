"""/audit/: the operation select derives from what the console records and the trail holds;
"Changes only" (on by default) hides sign-ins and other reads; a job's events name their pool
and link to their job."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from console.audit.models import AuditEvent
from console.audit.record import CONSOLE_ACTIONS, READ_ONLY_ACTIONS
from console.jobs import runner
from console.jobs.models import Kind
from console.jobs.parsing import Target
from tests.jobs.conftest import drive, guest_identities

from .conftest import make_events

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit:list")
DAY = datetime(2025, 3, 1, 10, tzinfo=UTC)


def _ids_shown(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr data-event-id="(\d+)"', html)]


def _reasons(html: str) -> set[str]:
    return set(AuditEvent.objects.filter(pk__in=_ids_shown(html)).values_list("reason", flat=True))


def _page(client, *pairs: tuple[str, str], **headers: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in pairs)
    response = client.get(f"{AUDIT}?{query}", **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def mixed_trail():
    make_events(1, start=DAY, operation="console.login", reason="sign-in")
    make_events(1, start=DAY + timedelta(minutes=1), operation="console.login_refused", reason="refused")
    make_events(1, start=DAY + timedelta(minutes=2), operation="job.results_download", reason="download")
    make_events(1, start=DAY + timedelta(minutes=3), operation="TagResource", reason="tagged")
    make_events(1, start=DAY + timedelta(minutes=4), operation="schedule.create", reason="scheduled")


def test_every_action_the_console_records_is_one_the_operation_filter_knows():
    # The select must not drift from the code: every record_console_action("name", ...) names
    # an action listed in CONSOLE_ACTIONS.
    recorded = set()
    for path in Path(settings.BASE_DIR, "console").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record_console_action"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                recorded.add(node.args[0].value)

    assert {"schedule.create", "inventory.export_matches", "job.start"} <= recorded
    assert recorded <= set(CONSOLE_ACTIONS)
    assert READ_ONLY_ACTIONS <= set(CONSOLE_ACTIONS)


def test_the_operation_select_offers_schedule_events_and_names_the_trail_holds(as_admin):
    make_events(1, operation="legacy.renamed_action")

    html = _page(as_admin)

    for name in ("schedule.create", "schedule.update", "schedule.delete", "legacy.renamed_action"):
        assert f'<option value="{name}"' in html
    assert '<optgroup label="Sign-ins, downloads and other reads">' in html


def test_changes_only_is_on_by_default_and_hides_sign_ins_refusals_and_reads(as_admin, mixed_trail):
    html = _page(as_admin)

    assert _reasons(html) == {"tagged", "scheduled"}
    assert re.search(r'<input type="checkbox" name="changes" value="1"[^>]*checked', html)
    # The hidden "off" comes first: unticking works without JavaScript.
    assert html.index('type="hidden" name="changes" value="0"') < html.index('type="checkbox" name="changes"')


def test_unticked_every_event_shows_and_the_url_says_so(as_admin, mixed_trail):
    # What a browser sends for the unticked box: the hidden field only.
    html = _page(as_admin, ("changes", "0"))

    assert {"sign-in", "refused", "download", "tagged", "scheduled"} <= _reasons(html)
    assert not re.search(r'<input type="checkbox" name="changes"[^>]*checked', html)
    assert '<input type="hidden" name="changes" value="0">' in html


def test_ticked_again_the_box_wins_over_the_hidden_field(as_admin, mixed_trail):
    html = _page(as_admin, ("changes", "0"), ("changes", "1"))

    assert _reasons(html) == {"tagged", "scheduled"}


def test_a_chosen_read_operation_is_shown_even_with_changes_only(as_admin, mixed_trail):
    html = _page(as_admin, ("operation", "console.login_refused"))

    assert _reasons(html) == {"refused"}


def test_the_htmx_fragment_filters_the_same_way(as_admin, mixed_trail):
    html = _page(as_admin, ("changes", "0"), HTTP_HX_REQUEST="true")

    assert "<html" not in html
    assert "sign-in" in _reasons(html)


def test_paging_and_export_keep_changes_off(as_admin):
    make_events(60, start=DAY, operation="console.login", reason="sign-in")

    html = _page(as_admin, ("changes", "0"))
    older = re.search(r'<a href="([^"]*)"[^>]*rel="next"', html)
    export = as_admin.post(reverse("audit:export"), {"changes": "0"})
    export_default = as_admin.post(reverse("audit:export"), {})

    assert older and "changes=0" in older.group(1)
    assert '<input type="hidden" name="changes" value="0">' in html.split('action="/audit/export')[1][:600]
    assert b"".join(export.streaming_content).count(b"console.login") >= 60
    assert b"console.login," not in b"".join(export_default.streaming_content)


def test_a_delete_jobs_chunk_events_name_the_pool_and_link_to_the_job(as_admin, cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 3)
    job = runner.create_job(
        Kind.DELETE, pool_id, [Target(n, i) for n, i in enumerate(ids, 1)], reason="OPS-1", user=admin
    )
    drive(job)

    event = AuditEvent.objects.get(operation="DeleteIdentities")
    html = _page(as_admin, ("pool", pool_id))

    assert (event.pool_id, event.job_id, event.actor) == (pool_id, job.pk, f"jobs:{job.pk}")
    assert event.pk in _ids_shown(html)
    row = html[html.index(f'data-event-id="{event.pk}"') :]
    assert (
        f'<a href="{reverse("jobs:detail", args=[job.pk])}" data-testid="event-job">job {job.pk}</a>' in row
    )
    assert "3 identities" in row[:2000]


def test_an_older_chunk_event_without_pool_still_links_to_its_job(as_admin):
    (old,) = make_events(
        1,
        actor="jobs:77",
        operation="DeleteIdentities",
        request={
            "IdentityIdsToDelete": [
                "us-east-1:aaaaaaaa-0000-4000-8000-000000000001",
                "us-east-1:aaaaaaaa-0000-4000-8000-000000000002",
            ]
        },
    )

    html = _page(as_admin)

    row = html[html.index(f'data-event-id="{old.pk}"') :][:2000]
    assert f'href="{reverse("jobs:detail", args=[77])}"' in row
    assert "2 identities" in row


def test_when_only_reads_were_recorded_the_page_says_they_are_hidden(as_admin):
    # The admin's own sign-in is the only event.
    html = _page(as_admin)

    assert _ids_shown(html) == []
    assert "untick “Changes only” to see them" in html
    assert "untick" not in _page(as_admin, ("changes", "0"))
