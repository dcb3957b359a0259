"""Jobs, drafts and schedules name their pool beside its id, by the last name the console saw,
also once the pool was renamed or deleted; the job list reads every name in one query."""

from __future__ import annotations

import datetime as dt
import html as html_lib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.jobs import parsing, prune, schedules, sync
from console.jobs.models import Kind

from .conftest import guest_identities, targets_of
from .test_prune import no_walk, walk_to_the_end

pytestmark = pytest.mark.django_db


def page_of(client, url: str, **query: str) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def label(name: str, pool_id: str, *, deleted: bool = False) -> str:
    gone = ' <span class="pool-deleted">(deleted)</span>' if deleted else ""
    return f'<span class="pool-name">{name}</span>{gone} <code>{pool_id}</code>'


@pytest.fixture
def named_pool(as_admin, make_pool) -> str:
    """A pool the console has seen (its page was opened)."""
    pool_id = make_pool("Checkout app")
    as_admin.get(reverse("pools:detail", args=[pool_id]))
    return pool_id


def test_the_job_list_and_the_job_page_show_the_pools_name(as_viewer, make_job, named_pool):
    job = make_job(Kind.DELETE, named_pool, targets_of(["us-east-1:0a1b2c3d-0000-4000-8000-000000000001"]))

    assert label("Checkout app", named_pool) in page_of(as_viewer, reverse("jobs:list"))
    assert label("Checkout app", named_pool) in page_of(as_viewer, reverse("jobs:detail", args=[job.pk]))


def test_a_pool_the_console_never_saw_is_shown_by_its_id(as_viewer, make_job):
    never_seen = "eu-west-1:0a1b2c3d-0000-4000-8000-0000000000aa"
    make_job(Kind.MERGE, never_seen, [parsing.Target(1, "a", "b")], developer_provider="dev")

    page = page_of(as_viewer, reverse("jobs:list"))

    assert f'<span class="pool-label" data-testid="pool-label"><code>{never_seen}</code></span>' in page


def test_a_rename_seen_on_the_pool_page_shows_on_its_jobs(as_admin, cognito, make_job, named_pool):
    job = make_job(Kind.DELETE, named_pool, targets_of(["us-east-1:0a1b2c3d-0000-4000-8000-000000000001"]))
    described = cognito.describe_identity_pool(IdentityPoolId=named_pool)
    described.pop("ResponseMetadata")
    cognito.update_identity_pool(**{**described, "IdentityPoolName": "Checkout 2027"})

    as_admin.get(reverse("pools:detail", args=[named_pool]))

    assert label("Checkout 2027", named_pool) in page_of(as_admin, reverse("jobs:detail", args=[job.pk]))


def test_a_pool_deleted_through_the_console_keeps_its_last_name(as_admin, make_job, named_pool):
    job = make_job(Kind.DELETE, named_pool, targets_of(["us-east-1:0a1b2c3d-0000-4000-8000-000000000001"]))

    deleted = as_admin.post(
        reverse("pools:delete", args=[named_pool]), {"confirmation": "Checkout app", "reason": "OPS-3"}
    )

    assert deleted.status_code == 302
    expected = label("Checkout app", named_pool, deleted=True)
    assert expected in page_of(as_admin, reverse("jobs:list"))
    assert expected in page_of(as_admin, reverse("jobs:detail", args=[job.pk]))


def test_a_pool_deleted_elsewhere_is_marked_once_the_console_finds_it_gone(
    as_admin, cognito, make_job, named_pool
):
    make_job(Kind.DELETE, named_pool, targets_of(["us-east-1:0a1b2c3d-0000-4000-8000-000000000001"]))
    cognito.delete_identity_pool(IdentityPoolId=named_pool)

    as_admin.get(reverse("pools:list"))  # the region's whole listing, without it

    assert label("Checkout app", named_pool, deleted=True) in page_of(as_admin, reverse("jobs:list"))


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("jobs:list")).status_code == 200
    return len(queries)


def test_the_job_list_reads_the_names_in_one_query_however_many_jobs(as_admin, make_job, make_pool):
    target = targets_of(["us-east-1:0a1b2c3d-0000-4000-8000-000000000001"])
    pools = [make_pool(f"Pool {number}") for number in range(12)]
    as_admin.get(reverse("pools:list"))  # the console sees every pool's name
    make_job(Kind.DELETE, pools[0], target)
    few = _list_queries(as_admin)

    for pool_id in pools[1:]:
        make_job(Kind.DELETE, pool_id, target)
    many = _list_queries(as_admin)

    assert many == few
    assert page_of(as_admin, reverse("jobs:list")).count('class="pool-name"') == 12


def test_the_prune_confirmation_names_the_pool(as_admin, cognito, admin, named_pool):
    guest_identities(cognito, named_pool, 2)
    dry_run = walk_to_the_end(
        prune.start_dry_run(named_pool, prune.Filters(unauthenticated=True), user=admin, send=no_walk)
    )

    page = page_of(as_admin, reverse("jobs:detail", args=[dry_run.pk]))

    assert f"Up to 2 identities of pool “Checkout app” ({named_pool}) that this dry run matched" in page


def test_the_delete_review_names_the_pool(as_admin, cognito, named_pool):
    ids = guest_identities(cognito, named_pool, 2)

    review = as_admin.post(
        reverse("jobs:new_delete"),
        {"pool_id": named_pool, "text": "\n".join(ids), "review": "1"},
        follow=True,
    )

    assert label("Checkout app", named_pool) in html_lib.unescape(review.content.decode())


def test_schedules_show_the_pools_name_also_once_it_is_deleted(as_admin, admin, cognito, named_pool):
    schedule = schedules.create(
        named_pool,
        schedules.ScheduleFilter(unauthenticated=True),
        time_of_day=dt.time(3, 30),
        max_unconfirmed=10,
        reason="OPS-4",
        user=admin,
        pool_name="Checkout app",
    )
    assert label("Checkout app", named_pool) in page_of(as_admin, reverse("jobs:schedules"))

    cognito.delete_identity_pool(IdentityPoolId=named_pool)
    as_admin.get(reverse("pools:detail", args=[named_pool]))  # 404: the console finds it gone

    expected = label("Checkout app", named_pool, deleted=True)
    assert expected in page_of(as_admin, reverse("jobs:schedules"))
    assert expected in page_of(as_admin, reverse("jobs:schedules"), pool=named_pool)
    assert expected in page_of(as_admin, reverse("jobs:schedule_edit", args=[schedule.pk]))


def test_a_sync_of_every_pool_learns_their_names_and_which_are_gone(as_admin, cognito, make_job, make_pool):
    kept, dropped = make_pool("Kept app"), make_pool("Dropped app")
    sync.every_pool()
    cognito.delete_identity_pool(IdentityPoolId=dropped)
    for pool_id in (kept, dropped):
        make_job(Kind.DELETE, pool_id, targets_of(["us-east-1:0a1b2c3d-0000-4000-8000-000000000001"]))

    sync.every_pool()

    page = page_of(as_admin, reverse("jobs:list"))
    assert label("Kept app", kept) in page and label("Dropped app", dropped, deleted=True) in page
