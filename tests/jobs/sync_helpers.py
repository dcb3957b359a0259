"""Helpers for the sync tests: starting a sync without a broker and running its walk here."""

from __future__ import annotations

from console.inventory.models import InventoryIdentity
from console.jobs import sync, walk
from console.jobs.models import Job

from .conftest import REASON


def no_broker(job_id: int) -> None:
    """A walk `send` that sends nothing: the tests run the walk themselves."""


def start(pool_id: str, user, **options) -> Job:
    return sync.start_sync(pool_id, user=user, reason=REASON, send=no_broker, **options)


def finish(job: Job, rounds: int = 50) -> Job:
    """Run the sync's walk in this process until the job has ended; the job, reloaded."""
    for _ in range(rounds):
        walk.run_walk(job.pk, send=no_broker)
        job.refresh_from_db()
        if not job.is_active:
            return job
    raise AssertionError(f"{job} did not end")


def steps(job: Job, count: int) -> None:
    """Make `count` steps of the walk, then give it back (as a task whose time is up)."""
    claim = walk.claim_walk(job.pk)
    assert claim is not None
    for _ in range(count):
        assert sync.step(claim) == walk.StepResult.MORE
    walk.release_walk(claim)


def live_ids(pool_id: str) -> set[str]:
    """The pool's identities the inventory holds as not gone."""
    rows = InventoryIdentity.objects.filter(pool_id=pool_id, gone_at__isnull=True)
    return set(rows.values_list("identity_id", flat=True))
