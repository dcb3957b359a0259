"""The search box answers from what the console did too: a deleted identity id, a developer user
id unlinked, merged (one pair or in a bulk job) or registered shows those events to support,
and only what the identity page's history shows of them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.audit.record import audit_actor
from console.aws import identities as gateway
from console.jobs import parsing, runner
from console.jobs.models import Kind
from tests.cognito import DEVELOPER
from tests.jobs.conftest import drive, no_broker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

LOOKUP = reverse("identities:lookup")
ADMIN_IP = "203.0.113.77"


def history_page(identity_id: str) -> str:
    return reverse("identities:detail", args=[identity_id])


def job_page(job_id: int) -> str:
    return reverse("jobs:detail", args=[job_id])


def trail_rows(html: str) -> list[str]:
    section = html.split('data-testid="lookup-trail"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<tr data-event-id=.*?</tr>", section, re.DOTALL)


@pytest.fixture
def as_admin_acting(admin):
    """Record what follows as the admin's own action, from a known address."""
    return lambda: audit_actor(admin.username, user=admin, ip=ADMIN_IP)


def start_job(admin, kind: str, pool_id: str, targets: list[parsing.Target], **params: str) -> int:
    job = runner.create_job(
        kind, pool_id, targets, reason="TICKET-88 clean-up", user=admin, params=params, send=no_broker
    )
    drive(job)
    return job.pk


def test_a_deleted_identity_shows_who_deleted_it_when_and_why(
    as_support, admin, pool_id, guests, as_admin_acting
):
    [identity] = guests(pool_id, 1)
    with as_admin_acting():
        gateway.delete_identities("us-east-1", [identity], reason="Ticket 12: close my account")

    response = as_support.get(LOOKUP, {"q": identity})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"The identity <code>{identity}</code> does not exist any more" in html
    assert f'<a href="{history_page(identity)}">Its history</a>' in html
    [row] = trail_rows(html)
    assert admin.username in row
    assert "Deleted" in row
    assert "Ticket 12: close my account" in row
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', row)


def test_an_identity_deleted_by_a_bulk_job_links_to_the_job(as_support, admin, pool_id, guests):
    doomed = guests(pool_id, 3)
    job_id = start_job(admin, Kind.DELETE, pool_id, [parsing.Target(n, i) for n, i in enumerate(doomed, 1)])

    html = as_support.get(LOOKUP, {"q": doomed[1]}).content.decode()

    [row] = trail_rows(html)
    assert f'<a href="{job_page(job_id)}">job {job_id}</a>' in row
    assert "TICKET-88 clean-up" in row
    assert "Deleted (with 2 other identities in one call)" in row
    # The call's request names the other identities: support is not shown them.
    assert doomed[0] not in html
    assert doomed[2] not in html


def test_support_sees_no_event_detail_the_audit_page_keeps_to_admins(
    as_support, pool_id, guests, as_admin_acting
):
    [identity] = guests(pool_id, 1)
    with as_admin_acting():
        gateway.delete_identities("us-east-1", [identity], reason="Ticket 12")

    html = as_support.get(LOOKUP, {"q": identity}).content.decode()

    assert trail_rows(html)
    assert ADMIN_IP not in html
    assert "IdentityIdsToDelete" not in html
    assert reverse("audit:list") not in html


def test_a_developer_user_unlinked_shows_the_unlink(
    as_support, admin, pool_id, developer_user, as_admin_acting
):
    identity = developer_user(pool_id, "customer-12345")
    with as_admin_acting():
        gateway.unlink_developer_user(
            pool_id, identity, DEVELOPER, "customer-12345", reason="Ticket 5: wrong user"
        )

    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "No identity has developer user id <code>customer-12345</code> in the pools searched now" in html
    [row] = trail_rows(html)
    assert "Unlinked from its identity" in row
    assert admin.username in row
    assert "Ticket 5: wrong user" in row
    assert f'<a href="{history_page(identity)}" title="Its history"><code>{identity}</code></a>' in row
    assert ADMIN_IP not in html


def test_a_developer_user_merged_away_shows_the_merge_and_is_not_just_opened(
    as_support, admin, pool_id, developer_user, as_admin_acting
):
    keeper = developer_user(pool_id, "customer-1")
    merged = developer_user(pool_id, "customer-2")
    with as_admin_acting():
        gateway.merge_developer_users(
            pool_id,
            DEVELOPER,
            "customer-2",
            "customer-1",
            source_identity=merged,
            reason="Ticket 9: same person",
        )

    response = as_support.get(LOOKUP, {"q": "customer-2"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 identity with developer user <code>customer-2</code>" in html
    [row] = trail_rows(html)
    assert "Merged into another developer user&#x27;s identity" in row
    assert "Ticket 9: same person" in row
    assert f"<code>{keeper}</code>" in row


def test_a_developer_user_merged_by_a_bulk_job_links_to_the_job(as_support, admin, pool_id, developer_user):
    developer_user(pool_id, "customer-1")
    developer_user(pool_id, "customer-2")
    job_id = start_job(
        admin,
        Kind.MERGE,
        pool_id,
        [parsing.Target(1, "customer-2", "customer-1")],
        developer_provider=DEVELOPER,
    )

    html = as_support.get(LOOKUP, {"q": "customer-2"}).content.decode()

    [row] = trail_rows(html)
    assert f'<a href="{job_page(job_id)}">job {job_id}</a>' in row
    assert "TICKET-88 clean-up" in row
    items = html.split('data-testid="lookup-merge-items"', 1)[1]
    assert f'<a href="{job_page(job_id)}">job {job_id}</a>' in items
    assert "<code>customer-2</code> into <code>customer-1</code>" in items
    assert "Done" in items


def test_a_bulk_merge_not_run_yet_is_found_in_its_job(as_support, admin, pool_id, developer_user):
    developer_user(pool_id, "customer-1")
    developer_user(pool_id, "customer-2")
    job = runner.create_job(
        Kind.MERGE,
        pool_id,
        [parsing.Target(1, "customer-2", "customer-1")],
        reason="TICKET-88",
        user=admin,
        params={"developer_provider": DEVELOPER},
        send=no_broker,
    )

    html = as_support.get(LOOKUP, {"q": "customer-1"}).content.decode()

    items = html.split('data-testid="lookup-merge-items"', 1)[1]
    assert f'<a href="{job_page(job.pk)}">job {job.pk}</a>' in items
    assert "<code>customer-2</code> into <code>customer-1</code>" in items
    assert "Pending" in items


def test_a_developer_user_registered_through_the_console_shows_the_registration(
    as_support, admin, pool_id, as_admin_acting
):
    with as_admin_acting():
        issued = gateway.register_developer_user(
            pool_id, DEVELOPER, "customer-777", reason="Ticket 3: new account"
        )

    response = as_support.get(LOOKUP, {"q": "customer-777"})

    html = response.content.decode()
    assert response.status_code == 200
    [row] = trail_rows(html)
    assert "Registered" in row
    assert "Ticket 3: new account" in row
    assert admin.username in row
    assert f"<code>{issued.identity_id}</code>" in row


def test_a_developer_user_the_console_never_touched_still_opens_its_identity(
    as_support, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-12345")

    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    assert response.status_code == 302
    assert response["Location"].startswith(history_page(identity))


def test_a_never_seen_id_still_says_not_found(as_support, pool_id):
    unknown = "us-east-1:0a1b2c3d-0000-4000-8000-0000000000ee"

    html = as_support.get(LOOKUP, {"q": unknown}).content.decode()

    assert f"No identity or pool has the id <code>{unknown}</code> in us-east-1." in html
    assert 'data-testid="lookup-trail"' not in html


def test_a_never_seen_developer_user_still_says_not_found(as_support, pool_id):
    html = as_support.get(LOOKUP, {"q": "nobody-here"}).content.decode()

    assert "No identity has developer user id <code>nobody-here</code> in the pools searched." in html
    assert 'data-testid="lookup-trail"' not in html
    assert 'data-testid="lookup-merge-items"' not in html


def test_an_htmx_search_of_a_deleted_identity_swaps_the_results_with_its_events(
    as_support, pool_id, guests, as_admin_acting
):
    [identity] = guests(pool_id, 1)
    with as_admin_acting():
        gateway.delete_identities("us-east-1", [identity], reason="Ticket 12")

    html = as_support.get(LOOKUP, {"q": identity}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert html.lstrip().startswith('<div id="lookup-results">')
    assert len(trail_rows(html)) == 1


def test_the_history_page_the_answer_links_to_lists_the_deletion_for_support(
    as_support, pool_id, guests, as_admin_acting
):
    [identity] = guests(pool_id, 1)
    with as_admin_acting():
        gateway.delete_identities("us-east-1", [identity], reason="Ticket 12: close my account")

    html = as_support.get(history_page(identity)).content.decode()

    assert "Ticket 12: close my account" in html


def test_the_identity_a_bulk_merge_emptied_has_the_merge_in_its_history(
    as_support, admin, pool_id, developer_user
):
    developer_user(pool_id, "customer-1")
    emptied = developer_user(pool_id, "customer-2")
    start_job(
        admin,
        Kind.MERGE,
        pool_id,
        [parsing.Target(1, "customer-2", "customer-1")],
        developer_provider=DEVELOPER,
    )

    html = as_support.get(history_page(emptied)).content.decode()

    assert "MergeDeveloperIdentities" in html
    assert "TICKET-88 clean-up" in html
