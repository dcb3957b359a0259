"""Running a walk job (sync, export, prune) in the test's own process, without a broker."""

from __future__ import annotations

from console.jobs import walk
from console.jobs.models import Job


def no_broker(job_id: int) -> None:
    """A walk `send` that sends nothing: the tests run the walk themselves."""


def finish(job: Job, rounds: int = 50) -> Job:
    """Run the job's walk in this process until the job has ended; the job, reloaded."""
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
        assert walk.WALKERS[job.kind](claim) == walk.StepResult.MORE
    walk.release_walk(claim)
