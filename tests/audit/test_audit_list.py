"""/audit/: the trail newest first, filtered and paged by the URL, for admins only."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from console.audit.listing import PAGE_SIZE, Cursor, filtered
from console.audit.models import AuditEvent
from console.aws.calls import call
from tests.cognito import pool_arn

from .conftest import make_events

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit:list")
POOL_A = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001"
POOL_B = "us-east-1:bbbbbbbb-0000-4000-8000-000000000002"
IDENTITY = "us-east-1:cccccccc-0000-4000-8000-000000000003"
XSS = "<img src=x onerror=alert(1)>"


def _ids_shown(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'<tr data-event-id="(\d+)"', html)]


def _link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)"[^>]*rel="{rel}"', html)
    return match and AUDIT + match.group(1).replace("&amp;", "&")


def _page(client, **params) -> str:
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return response.content.decode()


def test_events_are_listed_newest_first_with_time_actor_ip_region_operation_target_outcome(as_admin):
    older = AuditEvent.objects.create(
        actor="sam-support",
        source_ip="198.51.100.9",
        region="eu-west-1",
        operation="UnlinkIdentity",
        identity_id=IDENTITY,
        outcome="success",
        created_at=datetime(2025, 3, 1, 9, 30, 5, tzinfo=UTC),
    )
    newer = AuditEvent.objects.create(
        actor="alice-admin",
        source_ip="203.0.113.7",
        region="us-east-1",
        operation="DeleteIdentityPool",
        pool_id=POOL_A,
        outcome="error",
        error_code="ResourceNotFoundException",
        created_at=datetime(2025, 3, 2, 17, 4, 0, tzinfo=UTC),
    )

    html = _page(as_admin, date_to="2025-03-31")

    assert _ids_shown(html) == [newer.pk, older.pk]
    row = html[html.index(f'data-event-id="{newer.pk}"') :]
    for text in (
        "2025-03-02 17:04:00",
        "alice-admin",
        "203.0.113.7",
        "us-east-1",
        "DeleteIdentityPool",
        POOL_A,
        "ResourceNotFoundException",
    ):
        assert text in row
    assert "UTC" in html


def test_only_admins_may_read_the_trail(as_support, as_viewer, client, norole):
    client.force_login(norole)

    assert as_support.get(AUDIT).status_code == 403
    assert as_viewer.get(AUDIT).status_code == 403
    assert client.get(AUDIT).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(AUDIT)

    assert response.status_code == 302
    assert urlsplit(response.url).path == reverse("login")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"user": "sam-support"}, {"support-op"}),
        ({"operation": "DeleteIdentityPool"}, {"delete-b"}),
        ({"pool": POOL_A}, {"tag-a", "support-op"}),
        ({"identity": IDENTITY}, {"support-op"}),
        ({"outcome": "error"}, {"delete-b"}),
        ({"date_from": "2025-03-02"}, {"delete-b", "support-op"}),
        ({"date_to": "2025-03-01"}, {"tag-a"}),
        ({"date_from": "2025-03-02", "date_to": "2025-03-02"}, {"delete-b"}),
        ({"pool": POOL_A, "user": "sam-support"}, {"support-op"}),
    ],
)
def test_each_filter_narrows_the_list(as_admin, params, expected):
    day = datetime(2025, 3, 1, 10, tzinfo=UTC)
    make_events(1, start=day, pool_id=POOL_A, reason="tag-a")
    make_events(
        1,
        start=day + timedelta(days=1, hours=13, minutes=59),
        pool_id=POOL_B,
        operation="DeleteIdentityPool",
        outcome="error",
        error_code="ResourceNotFoundException",
        reason="delete-b",
    )
    make_events(
        1,
        start=day + timedelta(days=2),
        actor="sam-support",
        operation="UnlinkIdentity",
        pool_id=POOL_A,
        identity_id=IDENTITY,
        reason="support-op",
    )

    html = _page(as_admin, **params)

    # The admin's own sign-in (today) is an event too: leave it out.
    shown = AuditEvent.objects.filter(pk__in=_ids_shown(html)).exclude(operation="console.login")
    assert {event.reason for event in shown} == expected


def test_the_filters_stay_in_the_form(as_admin):
    html = _page(
        as_admin,
        user="sam-support",
        operation="TagResource",
        pool=POOL_A,
        outcome="error",
        date_from="2025-03-01",
    )

    assert 'name="user" value="sam-support"' in html
    assert '<option value="TagResource" selected>' in html
    assert f'name="pool" value="{POOL_A}"' in html
    assert '<option value="error" selected>' in html
    assert 'name="date_from" value="2025-03-01"' in html


def test_the_operation_select_offers_gateway_operations_and_console_actions(as_admin):
    html = _page(as_admin)

    for name in ("CreateIdentityPool", "DeleteIdentities", "console.login_failed", "job.start"):
        assert f'<option value="{name}"' in html


def test_an_operation_the_page_does_not_know_still_filters(as_admin):
    make_events(2, operation="console.something_new")

    html = _page(as_admin, operation="console.something_new")

    assert len(_ids_shown(html)) == 2
    assert '<option value="console.something_new" selected>' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "yesterday"}, "Enter a valid date."),
        ({"date_from": "2025-03-05", "date_to": "2025-03-01"}, "The end date is before the start date."),
        ({"operation": "Delete Everything;"}, "Not an operation name."),
        ({"outcome": "maybe"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_says_what_is_wrong_and_lists_nothing(as_admin, params, message):
    make_events(3)

    html = _page(as_admin, **params)

    assert message in html
    assert _ids_shown(html) == []


def test_a_filter_matching_nothing_says_so(as_admin):
    html = _page(as_admin, pool=POOL_B)

    assert "No audit events match these filters." in html
    assert "<table" not in html


def test_paging_older_visits_every_event_once_newest_first(as_admin):
    # Three events share each instant, so the order must also go by id.
    created = []
    for _ in range(3):
        created += make_events(PAGE_SIZE, step=timedelta(minutes=1), pool_id=POOL_A)
    expected = [e.pk for e in sorted(created, key=lambda e: (e.created_at, e.pk), reverse=True)]

    seen: list[int] = []
    url: str | None = f"{AUDIT}?pool={POOL_A}"
    pages = 0
    while url:
        html = as_admin.get(url).content.decode()
        seen += _ids_shown(html)
        url = _link(html, "next")
        pages += 1
        if url:
            assert parse_qs(urlsplit(url).query)["pool"] == [POOL_A]
            assert "offset" not in url and "page=" not in url

    assert seen == expected
    assert pages == 3


def test_newer_goes_back_to_the_previous_page(as_admin):
    make_events(PAGE_SIZE * 2 + 5)
    first = _page(as_admin, operation="TagResource")
    second = as_admin.get(_link(first, "next")).content.decode()
    third = as_admin.get(_link(second, "next")).content.decode()

    back_to_second = as_admin.get(_link(third, "prev")).content.decode()
    back_to_first = as_admin.get(_link(back_to_second, "prev")).content.decode()

    assert len(_ids_shown(third)) == 5
    assert _ids_shown(back_to_second) == _ids_shown(second)
    assert _ids_shown(back_to_first) == _ids_shown(first)
    assert _link(back_to_first, "prev") is None


def test_the_first_page_has_no_newer_or_newest_link(as_admin):
    make_events(PAGE_SIZE + 1)

    html = _page(as_admin)

    assert _link(html, "prev") is None
    assert ">Newest<" not in html
    assert _link(html, "next")


def test_a_garbled_cursor_shows_the_newest_page(as_admin):
    events = make_events(3, operation="TagResource")

    html = _page(as_admin, operation="TagResource", older_than="not-a-cursor")

    assert _ids_shown(html) == [e.pk for e in reversed(events)]


def test_an_htmx_request_gets_only_the_table(as_admin):
    make_events(2)

    response = as_admin.get(AUDIT, {"operation": "TagResource"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="audit-table">')
    assert len(_ids_shown(html)) == 2
    assert 'name="user"' not in html


def test_an_htmx_request_with_a_bad_filter_shows_the_error_in_the_table(as_admin):
    html = as_admin.get(AUDIT, {"date_from": "nope"}, HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<div id="audit-table">')
    assert "Enter a valid date." in html


def test_page_and_fragment_are_cached_apart(as_admin):
    assert "HX-Request" in as_admin.get(AUDIT)["Vary"]


def test_the_details_show_the_request_the_diff_and_the_reason(as_admin):
    AuditEvent.objects.create(
        actor="alice-admin",
        operation="UpdateIdentityPool",
        pool_id=POOL_A,
        outcome="success",
        request={"IdentityPoolName": "after-name", "Logins": {"graph.facebook.com": "***redacted***"}},
        before={"IdentityPoolName": "before-name"},
        after={"IdentityPoolName": "after-name"},
        reason="Ticket 123",
    )

    html = _page(as_admin, operation="UpdateIdentityPool")

    start = html.index("<details>")
    details = html[start : html.index("</details>", start)]
    assert "&quot;IdentityPoolName&quot;: &quot;after-name&quot;" in details
    assert "***redacted***" in details
    assert "&quot;before-name&quot;" in details
    assert "Ticket 123" in details


def test_markup_stored_in_an_event_is_shown_as_text(as_admin, make_pool, region):
    pool = make_pool()
    call(region, "tag_resource", ResourceArn=pool_arn(pool, region), Tags={"note": XSS})
    AuditEvent.objects.create(actor=XSS, operation="job.start", outcome="success", reason=XSS, pool_id=XSS)

    html = _page(as_admin)

    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_each_pool_row_links_to_its_history_for_admins(as_admin, make_pool):
    pool = make_pool("history-pool")

    html = as_admin.get(reverse("pools:list")).content.decode()

    assert f'href="{AUDIT}?pool={pool.replace(":", "%3A")}"' in html


def test_the_history_link_is_hidden_from_roles_that_may_not_read_the_trail(as_support, as_viewer, make_pool):
    make_pool("history-pool")

    for client in (as_support, as_viewer):
        html = client.get(reverse("pools:list")).content.decode()
        assert "history-pool" in html
        assert "History" not in html


def test_a_pool_history_link_shows_that_pools_events(as_admin, make_pool, region):
    pool = make_pool("history-pool")
    call(region, "tag_resource", ResourceArn=pool_arn(pool, region), Tags={"team": "blue"})
    make_events(2, pool_id=POOL_B)
    pools_html = as_admin.get(reverse("pools:list")).content.decode()
    history = re.search(r'href="(/audit/\?pool=[^"]+)"', pools_html).group(1)

    html = as_admin.get(history).content.decode()

    [shown] = _ids_shown(html)
    assert AuditEvent.objects.get(pk=shown).pool_id == pool


def test_paging_within_a_date_range_stays_inside_it(as_admin):
    day = datetime(2025, 3, 1, tzinfo=UTC)
    for offset in range(3):
        make_events(PAGE_SIZE + 10, start=day + timedelta(days=offset), step=timedelta(minutes=1))

    first = _page(as_admin, date_from="2025-03-02", date_to="2025-03-02")
    second = as_admin.get(_link(first, "next")).content.decode()
    back = as_admin.get(_link(second, "prev")).content.decode()

    shown = AuditEvent.objects.filter(pk__in=_ids_shown(first) + _ids_shown(second))
    assert shown.count() == PAGE_SIZE + 10
    assert {event.created_at.date().isoformat() for event in shown} == {"2025-03-02"}
    assert _link(second, "next") is None
    assert _ids_shown(back) == _ids_shown(first)


def test_a_cursor_outside_the_date_range_still_keeps_to_the_range():
    day = datetime(2025, 3, 1, tzinfo=UTC)
    first_day = make_events(3, start=day)
    last_day = make_events(3, start=day + timedelta(days=2))

    older = filtered({"date_to": date(2025, 3, 1)}, older_than=Cursor.of(last_day[-1]))
    newer = filtered({"date_from": date(2025, 3, 3)}, newer_than=Cursor.of(first_day[0]))

    assert [event.pk for event in older] == [event.pk for event in reversed(first_day)]
    assert [event.pk for event in newer] == [event.pk for event in last_day]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_identity_filter_finds_the_bulk_deletes_and_merges_that_named_it(as_admin, htmx):
    other = "us-east-1:dddddddd-0000-4000-8000-000000000004"
    day = datetime(2025, 3, 1, 10, tzinfo=UTC)
    make_events(1, start=day, operation="UnlinkIdentity", identity_id=IDENTITY, reason="single")
    # A bulk delete names its identities in the request only: its own column names none.
    make_events(
        1,
        start=day + timedelta(hours=1),
        operation="DeleteIdentities",
        request={"IdentityIdsToDelete": [other, IDENTITY]},
        reason="bulk",
    )
    make_events(
        1, start=day + timedelta(hours=2), operation="UnlinkIdentity", identity_id=other, reason="other"
    )

    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = as_admin.get(AUDIT, {"identity": IDENTITY}, **headers)

    assert response.status_code == 200
    shown = AuditEvent.objects.filter(pk__in=_ids_shown(response.content.decode()))
    assert {event.reason for event in shown} == {"single", "bulk"}
