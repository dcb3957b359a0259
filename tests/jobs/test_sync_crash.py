"""A sync whose worker is SIGKILLed mid-walk resumes from its last committed page, with real Celery
workers and beat: every identity of the pool is in the inventory once, and the identities deleted
behind the console's back before it started are marked gone by its end."""

from __future__ import annotations

import time

import pytest

from console.emulator.models import Identity
from console.emulator.seeding import seed_identities
from console.inventory import queries
from console.inventory.models import GoneHow, InventoryIdentity
from console.jobs import sync
from console.jobs.models import Job, Status

from .fleet import wait_for
from .sync_helpers import finish, live_ids, no_broker

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "audit"])

FINISH_WITHIN = 240
IDENTITIES = 24_000


def pages(job: Job) -> int:
    job.refresh_from_db()
    return int(job.cursor.get("pages", 0))


def test_a_sync_survives_a_killed_worker_and_lists_each_identity_once(fleet, admin):
    # Paced, so that the kill falls in the middle of the walk (400 pages at 40 a second).
    fleet.env["COGNITO_RATE_LIMITER"] = "true"
    fleet.env["COGNITO_RATE_LIMITS"] = "ListIdentities=40"
    seeded = seed_identities("sync-crash", IDENTITIES, logins_ratio=0.3)
    # A first sync (in this process), then identities deleted behind the console's back.
    finish(sync.start_sync(seeded.pool_id, user=admin, send=no_broker))
    doomed = list(
        Identity.objects.filter(pool__pool_id=seeded.pool_id)
        .order_by("?")
        .values_list("identity_id", flat=True)[:50]
    )
    Identity.objects.filter(identity_id__in=doomed).delete()
    job = sync.start_sync(seeded.pool_id, user=admin, reason="crash test")

    fleet.beat()
    victim = fleet.worker("doomed", concurrency=1)
    wait_for(lambda: pages(job) >= 100, FINISH_WITHIN, "100 pages", fleet)
    assert job.is_active, "the sync ended before the kill: it tests nothing"
    fleet.kill_worker(victim)
    listed_at_kill = job.cursor["listed"]
    time.sleep(1)
    fleet.worker("restarted", concurrency=1)
    wait_for(lambda: job.refresh_from_db() or not job.is_active, FINISH_WITHIN, "the sync to end", fleet)

    job.refresh_from_db()
    live = IDENTITIES - len(doomed)
    assert (job.status, job.error, job.done, job.cursor["marked_gone"]) == (Status.SUCCEEDED, "", live, 50), (
        fleet.logs()
    )
    assert live_ids(seeded.pool_id) == set(
        Identity.objects.filter(pool__pool_id=seeded.pool_id).values_list("identity_id", flat=True)
    )
    gone = InventoryIdentity.objects.filter(pk__in=doomed)
    assert {(row.gone_how, row.gone_job_id) for row in gone} == {(GoneHow.SYNC, job.pk)}
    stats = queries.stats(seeded.pool_id)
    guests = Identity.objects.filter(pool__pool_id=seeded.pool_id, logins__isnull=True).count()
    assert (stats.total, stats.guests) == (live, guests)
    print(f"\nsync job {job.pk}: {job.walk_claims} claims of its walk, {listed_at_kill} listed at the kill")
    assert job.walk_claims > 1
