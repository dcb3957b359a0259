"""Inventory syncs: every identity of a pool listed into the inventory once, the ones no longer
listed marked gone, the disabled pass, one sync of a pool at a time, cancel and a failed listing."""

from __future__ import annotations

import pytest

from console.audit.models import AuditEvent
from console.emulator.seeding import seed_identities
from console.inventory import queries
from console.inventory.models import GoneHow, InventoryIdentity, PoolState
from console.jobs import runner, sync, walk
from console.jobs.models import Job, Kind, Status
from tests.cognito import GOOGLE, login_token

from .conftest import developer_identity, guest_identities, pool_identities
from .sync_helpers import finish, live_ids, start, steps

pytestmark = pytest.mark.django_db


def test_a_sync_lists_every_identity_into_the_inventory_once(cognito, pool_id, admin):
    guests = guest_identities(cognito, pool_id, 125)
    signed_in = developer_identity(cognito, pool_id, "dev-1", **{GOOGLE: login_token(GOOGLE, "g-1")})

    job = finish(start(pool_id, admin))

    assert (job.kind, job.status, job.done, job.error) == (Kind.SYNC, Status.SUCCEEDED, 126, "")
    assert job.cursor["pages"] == 3 and job.cursor["listed"] == 126
    assert live_ids(pool_id) == {*guests, signed_in} == set(pool_identities(cognito, pool_id))
    assert InventoryIdentity.objects.filter(pool_id=pool_id).count() == 126
    stats = queries.stats(pool_id)
    assert (stats.total, stats.guests, stats.disabled) == (126, 125, None)
    assert GOOGLE in stats.providers and stats.as_of is not None
    assert AuditEvent.objects.get(operation="job.start").request["kind"] == "sync"


def test_identities_no_longer_listed_are_marked_gone_by_the_next_sync(cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 70)
    finish(start(pool_id, admin))
    # Deleted behind the console's back: only a sync can notice.
    cognito.delete_identities(IdentityIdsToDelete=ids[:5])

    second = finish(start(pool_id, admin))

    assert second.status == Status.SUCCEEDED and second.cursor["marked_gone"] == 5
    assert live_ids(pool_id) == set(ids[5:])
    gone = InventoryIdentity.objects.get(pk=ids[0])
    assert (gone.gone_how, gone.gone_job_id) == (GoneHow.SYNC, second.pk)
    assert queries.stats(pool_id).total == 65


def test_a_sync_given_back_between_pages_resumes_from_its_cursor(cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 250)
    job = start(pool_id, admin)
    steps(job, 2)  # its task's time was up after two pages
    job.refresh_from_db()
    assert job.cursor["listed"] == 120 and job.is_active

    job = finish(job)

    assert (job.status, job.done, job.cursor["pages"]) == (Status.SUCCEEDED, 250, 5)
    assert live_ids(pool_id) == set(ids)
    assert job.walk_claims == 2


def test_a_page_listed_again_after_a_lost_commit_is_counted_once(cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 130)
    job = start(pool_id, admin)
    claim = walk.claim_walk(job.pk)
    sync.step(claim)
    # The worker dies after listing page 2 but before committing it: nobody commits it, and
    # the next holder lists it again from the committed cursor.
    Job.objects.filter(pk=job.pk).update(walk_token=None, walk_lease_until=None)

    job = finish(job)

    assert (job.status, job.done) == (Status.SUCCEEDED, 130)
    assert live_ids(pool_id) == set(ids)
    assert queries.stats(pool_id).total == 130


def test_the_disabled_option_lists_twice_and_counts_disabled_identities(admin):
    seeded = seed_identities("sync-disabled", 200, disabled_ratio=0.1)

    job = finish(start(seeded.pool_id, admin, disabled=True))

    assert job.status == Status.SUCCEEDED
    assert job.cursor["pages"] == 4 + 3  # every identity, then the 180 enabled ones
    assert (job.done, job.cursor["enabled"]) == (200, 180)
    stats = queries.stats(seeded.pool_id)
    assert (stats.total, stats.disabled) == (200, 20)
    assert InventoryIdentity.objects.filter(pool_id=seeded.pool_id, disabled=True).count() == 20


def test_without_the_disabled_option_disabled_stays_unknown(admin):
    seeded = seed_identities("sync-no-disabled", 100, disabled_ratio=0.1)

    job = finish(start(seeded.pool_id, admin))

    assert job.cursor["pages"] == 2
    assert queries.stats(seeded.pool_id).disabled is None


def test_a_second_sync_of_a_pool_is_refused_while_one_runs(cognito, pool_id, make_pool, admin):
    guest_identities(cognito, pool_id, 3)
    first = start(pool_id, admin)

    with pytest.raises(sync.SyncRunning) as refused:
        start(pool_id, admin)

    assert refused.value.job.pk == first.pk
    assert f"job {first.pk}" in str(refused.value)
    assert Job.objects.filter(kind=Kind.SYNC, pool_id=pool_id).count() == 1
    # Another pool syncs at the same time; this pool again once its sync has ended.
    other = start(make_pool(), admin)
    assert other.pk != first.pk
    finish(first)
    assert finish(start(pool_id, admin)).status == Status.SUCCEEDED


def test_the_database_refuses_two_active_syncs_of_one_pool(pool_id, admin):
    from django.db import IntegrityError, transaction

    Job.objects.create(kind=Kind.SYNC, pool_id=pool_id, region="us-east-1", created_by_name="a", reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(
            kind=Kind.SYNC, pool_id=pool_id, region="us-east-1", created_by_name="b", reason=""
        )
    # A finished sync and an active export of the pool do not count.
    Job.objects.filter(pool_id=pool_id).update(status=Status.SUCCEEDED)
    Job.objects.create(kind=Kind.SYNC, pool_id=pool_id, region="us-east-1", created_by_name="c", reason="")
    Job.objects.create(kind=Kind.EXPORT, pool_id=pool_id, region="us-east-1", created_by_name="d", reason="")


def test_a_cancelled_sync_keeps_its_pages_and_marks_nothing_gone(cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 150)
    finish(start(pool_id, admin))
    cognito.delete_identities(IdentityIdsToDelete=ids[-3:])
    job = start(pool_id, admin)
    steps(job, 1)

    runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)

    assert job.status == Status.CANCELLED
    assert live_ids(pool_id) == set(ids)  # the three deleted ones are not marked gone
    assert PoolState.objects.get(pk=pool_id).syncing_since is None


def test_a_sync_whose_pool_was_deleted_fails_and_marks_nothing_gone(cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 10)
    finish(start(pool_id, admin))
    job = start(pool_id, admin)
    cognito.delete_identity_pool(IdentityPoolId=pool_id)

    job = finish(job)

    assert job.status == Status.FAILED
    assert "ListIdentities failed" in job.error and "marks nothing gone" in job.error
    assert live_ids(pool_id) == set(ids)
    assert PoolState.objects.get(pk=pool_id).syncing_since is None


def test_the_estimate_uses_the_last_sync_size_and_the_quota(cognito, pool_id, admin, settings):
    settings.COGNITO_RATE_LIMITS = {"ListIdentities": 5}
    never = sync.estimate(pool_id)
    assert never["size"] is None and never["unit"] == 300 and never["seconds_per_unit"] == pytest.approx(1.0)
    guest_identities(cognito, pool_id, 130)
    finish(start(pool_id, admin))

    known = sync.estimate(pool_id)

    assert known["size"] == 130 and known["seconds"] == pytest.approx(3 * 0.2)
    assert sync.estimate(pool_id, disabled=True)["seconds"] == pytest.approx(6 * 0.2)
