"""Bulk jobs keep the inventory fresh without a sync: what a bulk delete or a prune deleted, and
what a bulk merge emptied, is gone at once, in the chunk's own commit, with the job's id."""

from __future__ import annotations

import pytest

from console.inventory import queries
from console.inventory.models import GoneHow, InventoryIdentity
from console.jobs import parsing, prune, walk
from console.jobs.models import Job, Kind, Status, WalkState

from .conftest import REASON, developer_identity, drive, guest_identities, targets_of
from .sync_helpers import finish, live_ids, start

pytestmark = pytest.mark.django_db


def no_walk(job_id: int) -> None:
    """A `send` for walks that sends nothing: the tests run walks themselves."""


def walk_to_the_end(job: Job) -> Job:
    for _ in range(1000):
        job.refresh_from_db()
        if job.walk_state != WalkState.LISTING:
            break
        walk.run_walk(job.pk, send=no_walk)
    job.refresh_from_db()
    return job


def test_a_bulk_delete_marks_its_deleted_identities_gone_with_its_job(cognito, pool_id, admin, make_job):
    ids = guest_identities(cognito, pool_id, 70)
    finish(start(pool_id, admin))

    job = drive(make_job(Kind.DELETE, pool_id, targets_of(ids[:65])))

    assert (job.status, job.done) == (Status.SUCCEEDED, 65)
    assert live_ids(pool_id) == set(ids[65:])
    row = InventoryIdentity.objects.get(pk=ids[0])
    assert (row.gone_how, row.gone_job_id) == (GoneHow.DELETED, job.pk)
    assert queries.stats(pool_id).total == 5


def test_a_prune_marks_what_it_deleted_gone(cognito, pool_id, admin):
    guests = guest_identities(cognito, pool_id, 4)
    signed_in = developer_identity(cognito, pool_id, "dev-1")
    finish(start(pool_id, admin))
    dry = walk_to_the_end(
        prune.start_dry_run(
            pool_id, prune.Filters(unauthenticated=True), user=admin, reason=REASON, send=no_walk
        )
    )

    job = drive(walk_to_the_end(prune.start_real_run(dry, user=admin, reason=REASON, send=no_walk)))

    assert (job.status, job.done) == (Status.SUCCEEDED, 4)
    assert live_ids(pool_id) == {signed_in}
    assert {row.gone_job_id for row in InventoryIdentity.objects.filter(pk__in=guests)} == {job.pk}
    stats = queries.stats(pool_id)
    assert (stats.total, stats.guests) == (1, 0)


def test_a_bulk_merge_marks_the_emptied_identities_gone(cognito, pool_id, admin, make_job):
    kept = developer_identity(cognito, pool_id, "keep-1")
    emptied = developer_identity(cognito, pool_id, "merge-1")
    finish(start(pool_id, admin))

    job = drive(
        make_job(
            Kind.MERGE,
            pool_id,
            [parsing.Target(1, "merge-1", "keep-1")],
            developer_provider="login.example.app",
        )
    )

    assert (job.status, job.done) == (Status.SUCCEEDED, 1)
    row = InventoryIdentity.objects.get(pk=emptied)
    assert (row.gone_how, row.gone_job_id) == (GoneHow.MERGED, job.pk)
    assert live_ids(pool_id) == {kept}


def test_ids_the_inventory_never_listed_are_left_to_the_next_sync(cognito, pool_id, admin, make_job):
    ids = guest_identities(cognito, pool_id, 3)  # never synced

    drive(make_job(Kind.DELETE, pool_id, targets_of(ids)))

    assert not InventoryIdentity.objects.exists()
