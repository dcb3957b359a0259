"""A prune whose worker is SIGKILLed mid-walk resumes from its last committed page and deletes each
match once (DESIGN.md invariant 4), with real Celery workers and beat (tests/jobs/fleet.py)."""

from __future__ import annotations

import time

import pytest

from console.emulator.models import Identity
from console.emulator.seeding import seed_identities
from console.jobs import prune
from console.jobs.models import Item, Job, Kind, Outcome, Status, WalkState

from .conftest import REASON
from .fleet import wait_for
from .test_crash import FINISH_WITHIN, assert_ledger_is_whole, report
from .test_prune import no_walk, walk_to_the_end

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "audit"])


def pages_listed(job: Job) -> int:
    job.refresh_from_db()
    return job.cursor.get("pages", 0)


def test_a_prune_survives_the_death_of_the_worker_walking_the_pool(fleet, admin):
    # Paced, so that the walk of 100 pages takes about 20 s and is killed in its middle.
    fleet.env["COGNITO_RATE_LIMITER"] = "true"
    fleet.env["COGNITO_RATE_LIMITS"] = "ListIdentities=5,DeleteIdentities=10"
    seeded = seed_identities("prune-crash", 6_000, logins_ratio=0.5)
    identities = Identity.objects.filter(pool__pool_id=seeded.pool_id)
    guests = set(identities.filter(logins__isnull=True).values_list("identity_id", flat=True))
    signed_in = set(identities.filter(logins__isnull=False).values_list("identity_id", flat=True))
    dry = walk_to_the_end(
        prune.start_dry_run(seeded.pool_id, prune.Filters(unauthenticated=True), user=admin, send=no_walk)
    )
    assert dry.total == len(guests) == 3_000

    fleet.beat()
    doomed = fleet.worker("doomed")
    job = prune.start_real_run(dry, user=admin, reason=REASON)
    wait_for(lambda: pages_listed(job) >= 30, FINISH_WITHIN, "30 pages listed", fleet)
    assert job.walk_state == WalkState.LISTING, "the walk ended before the kill: it tests nothing"
    fleet.kill_worker(doomed)
    killed_at = pages_listed(job)
    time.sleep(1)
    fleet.worker("restarted")
    wait_for(lambda: job.refresh_from_db() or not job.is_active, FINISH_WITHIN, "the prune to end", fleet)

    assert (job.status, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, 3_000, 0, 0), fleet.logs()
    assert set(identities.values_list("identity_id", flat=True)) == signed_in
    assert_ledger_is_whole(job, sorted(guests))  # one item per match: each deleted once
    assert set(Item.objects.filter(job=job, outcome=Outcome.DONE).values_list("target", flat=True)) == guests
    assert (job.walk_state, job.walk_token, job.cursor["pages"]) == (WalkState.LISTED, None, 100)
    assert job.walk_claims > 1 and job.cursor["pages"] > killed_at
    assert Job.objects.filter(kind=Kind.PRUNE).count() == 1
    report(job, "DeleteIdentities", "IdentityIdsToDelete")
