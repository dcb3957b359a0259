"""Jobs that walk a pool's ListIdentities pages: a prune's dry run and real run, an export.

Their items are not known when they start, so besides its chunks such a job has one *walk*: a
lease on the Job row held by the worker listing the pool. The walk follows the same rules as a
chunk (runner.py's module docstring):

- It is claimed by one conditional UPDATE (no live holder → a fresh token and a lease).
- Each step (usually one ListIdentities page) commits, in one transaction whose first
  statement is the conditional UPDATE on the token, the walk's new position (`Job.cursor`,
  holding the NextToken) together with what the step produced: the chunks to delete a page's
  matches, a dry run's matches, an export's committed file size. A holder whose lease was
  taken over finds nothing to update and stops; its step is redone by the new holder from the
  last committed position, so every page is committed exactly once.
- A walk task works for a bounded time (its share of the task time limit), then gives the
  walk back and sends itself again: a walk of a million identities is many short tasks, each
  within Celery's limits, and a worker's death loses at most one step.
- The reconciler takes back a walk whose lease expired and re-sends one whose message was
  lost; the job finishes when its walk has listed everything and every chunk is terminal.

The kinds register what one step does in WALKERS (prune.py, export.py).
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from console.aws import errors, jobs_calls

from . import broker, retrying, runner
from .models import ACTIVE, Job, Status, WalkState

logger = logging.getLogger(__name__)

# Share of the task time limit a walk task works before giving the walk back (the rest is left
# to commit its last step and send the next task).
WALK_BUDGET = 0.75


class WalkLost(Exception):
    """Another worker holds the walk now (our lease expired): stop, its steps will count."""


@dataclass
class WalkClaim:
    """A walk held by this worker: the job as it was claimed, and its committed position."""

    job: Job
    token: uuid.UUID
    cursor: dict[str, Any]
    deadline: float = field(default=0.0)
    # The next page being listed while this step commits (list_ahead); closed by run_walk.
    ahead: ListAhead | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + settings.JOB_CHUNK_TIME_LIMIT * WALK_BUDGET

    @property
    def job_id(self) -> int:
        return self.job.pk

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    # What retrying.call_with_retries needs of the work it makes calls for (as runner.Attempt).
    def note_throttle(self) -> None:
        Job.objects.filter(pk=self.job_id).update(throttled=F("throttled") + 1)

    def renew(self) -> None:
        renew(self)

    def pause(self, retry: int) -> None:
        retrying.backoff(retry, self.remaining())


class StepResult:
    """What a walker's step returns: keep going, or the walk has listed everything."""

    MORE = "more"
    DONE = "done"


Walker = Callable[[WalkClaim], str]
# kind -> the function that makes one step of the walk and commits it (with commit_step).
WALKERS: dict[str, Walker] = {}


def list_page(claim: WalkClaim, token: str | None, *, hide_disabled: bool = False) -> tuple[Any, str | None]:
    """One ListIdentities page of the walk's pool: (identities, next token).

    Throttling is retried within the walk's time (retrying.py); an endpoint that stays down gives
    the walk back to resume later (OutOfTime); any other CognitoError is the caller's to stop on.
    """
    try:
        return retrying.call_with_retries(
            claim, jobs_calls.list_identities_page, claim.job.pool_id, token, hide_disabled=hide_disabled
        )
    except errors.Unavailable:
        raise retrying.OutOfTime from None


Listing = tuple[Any, str | None, datetime]
# While a page is listed ahead, how long the listing thread may keep the interpreter before the
# committing thread, whose database answer has arrived, gets it back (Python's default, 5 ms,
# would add up to that to each of the commit's round trips).
SWITCH_INTERVAL = 0.0005


class ListAhead:
    """The walk's next ListIdentities page, listed in a thread of its own while the current
    page commits: a step then costs about the longer of its listing and its commit instead of
    both (the listing is CPU in this process with the embedded service, a network wait with AWS;
    the commit mostly waits for the database).

    Nothing changes for the walk's rules: a page is committed only by the step that asked for
    it, with the position it was listed from, so a prefetched page the walk never reaches (its
    time share ended, it was cancelled or taken over) is simply not used, and the resumed walk
    lists it again. The thread has its own database connection (the throttle counter and the
    lease renewal of retrying.py run there), closed with the thread.
    """

    def __init__(self, claim: WalkClaim) -> None:
        self._claim = claim
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"walk-{claim.job_id}")
        self._pending: tuple[str | None, bool, Future[Listing]] | None = None
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)

    def _list(self, token: str | None, hide_disabled: bool) -> Listing:
        seen_at = timezone.now()  # before the call, as for a page listed in the step itself
        page, next_token = list_page(self._claim, token, hide_disabled=hide_disabled)
        return page, next_token, seen_at

    def start(self, token: str | None, *, hide_disabled: bool = False) -> None:
        """Begin listing the page at `token` (the position the current step is committing)."""
        self.discard()
        self._pending = (token, hide_disabled, self._executor.submit(self._list, token, hide_disabled))

    def take(self, token: str | None, *, hide_disabled: bool = False) -> Listing | None:
        """The page at `token` if it was listed ahead (its call's error raised here), else None."""
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        if pending[:2] != (token, hide_disabled):
            _settle(pending[2])
            return None
        return pending[2].result()

    def discard(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            _settle(pending[2])

    def close(self) -> None:
        """Wait for a listing in flight (its page is not used), then close the thread's connection."""
        self.discard()
        self._executor.submit(connections.close_all).result()
        self._executor.shutdown(wait=True)
        sys.setswitchinterval(self._switch)


def _settle(future: Future[Listing]) -> None:
    """Wait for a listing nobody will use; its error, if any, is the next listing's to meet."""
    try:
        future.result()
    except Exception:
        logger.debug("A page listed ahead was not used.", exc_info=True)


def can_list_ahead() -> bool:
    """Whether a second connection sees what the walk's sees: on PostgreSQL, outside a
    transaction (a worker's walk; not a walk run inside a test's or a caller's transaction).
    SQLite, the local run's database, lists in the step itself."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def list_ahead(
    claim: WalkClaim, token: str | None, *, hide_disabled: bool = False, step_seconds: float
) -> None:
    """Start listing the walk's next page (at `token`) while the current step commits, when the
    walk will still have time for another step (a page listed and never used would spend one
    call of the quota for nothing)."""
    if claim.remaining() <= 2 * step_seconds or not can_list_ahead():
        return
    if claim.ahead is None:
        claim.ahead = ListAhead(claim)
    claim.ahead.start(token, hide_disabled=hide_disabled)


def listed(claim: WalkClaim, token: str | None, *, hide_disabled: bool = False) -> Listing:
    """The page at `token`: the one listed ahead when there is one, else listed now."""
    if claim.ahead is not None:
        ready = claim.ahead.take(token, hide_disabled=hide_disabled)
        if ready is not None:
            return ready
    seen_at = timezone.now()
    page, next_token = list_page(claim, token, hide_disabled=hide_disabled)
    return page, next_token, seen_at


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def start_walk(job_id: int, *, send: broker.SendWalk | None = None, now: datetime | None = None) -> None:
    """Mark the job's walk as listing and send it once the transaction commits."""
    now = now or timezone.now()
    Job.objects.filter(pk=job_id).update(walk_state=WalkState.LISTING, walk_dispatched_at=now)
    transaction.on_commit(lambda: broker.send_walk(job_id, send))


def claim_walk(job_id: int, *, now: datetime | None = None) -> WalkClaim | None:
    """Take the walk if nobody holds it (or its holder's lease expired): a WalkClaim, or None.

    A walk of a job being cancelled is not continued: it is marked listed (the kind's
    `on_cancel` records what that leaves undone) and None returned.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        free = Q(walk_token__isnull=True) | Q(walk_lease_until__lt=now)
        taken = (
            Job.objects.filter(pk=job_id, walk_state=WalkState.LISTING)
            .filter(free)
            .update(walk_token=token, walk_lease_until=_lease(now), walk_claims=F("walk_claims") + 1)
        )
        if not taken:
            return None
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status not in (Status.QUEUED, Status.RUNNING):
            _stop_walk(job, now)
            return None
        if job.status == Status.QUEUED:
            Job.objects.filter(pk=job_id).update(status=Status.RUNNING, started_at=now)
            job.status, job.started_at = Status.RUNNING, now
    return WalkClaim(job=job, token=token, cursor=dict(job.cursor or {}))


# kind -> what to record when a walk stops early because its job is cancelled (inside a transaction).
ON_CANCEL: dict[str, Callable[[Job, datetime], None]] = {}


def _stop_walk(job: Job, now: datetime) -> None:
    Job.objects.filter(pk=job.pk).update(walk_state=WalkState.LISTED, walk_token=None, walk_lease_until=None)
    stop = ON_CANCEL.get(job.kind)
    if stop is not None:
        stop(job, now)


def commit_step(
    claim: WalkClaim,
    cursor: dict[str, Any],
    write: Callable[[], None] | None = None,
    *,
    done: bool = False,
    counts: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Commit the walk's new position with what the step produced (`write`), in one transaction.

    Renews the lease. `done`: the walk has listed everything (its lease is dropped). `counts`:
    changes to the job's own fields (e.g. done=F("done") + 60), made by the same UPDATE as the
    position (one statement less a page). Raises WalkLost, writing nothing, when another worker
    holds the walk now.
    """
    now = now or timezone.now()
    changes: dict[str, Any] = {**(counts or {}), "cursor": cursor, "walk_lease_until": _lease(now)}
    if done:
        changes.update(walk_state=WalkState.LISTED, walk_token=None, walk_lease_until=None)
    with transaction.atomic():
        won = Job.objects.filter(
            pk=claim.job_id, walk_token=claim.token, walk_state=WalkState.LISTING
        ).update(**changes)
        if not won:
            raise WalkLost
        if write is not None:
            write()
    claim.cursor = cursor


def renew(claim: WalkClaim, *, now: datetime | None = None) -> None:
    """Extend the lease (during a long wait for the rate limiter); WalkLost if it was taken."""
    now = now or timezone.now()
    kept = Job.objects.filter(pk=claim.job_id, walk_token=claim.token, walk_state=WalkState.LISTING).update(
        walk_lease_until=_lease(now)
    )
    if not kept:
        raise WalkLost


def release_walk(claim: WalkClaim, *, now: datetime | None = None) -> bool:
    """Give the walk back (its time share is used up) so the next task can claim it at once."""
    now = now or timezone.now()
    return bool(
        Job.objects.filter(pk=claim.job_id, walk_token=claim.token, walk_state=WalkState.LISTING).update(
            walk_token=None, walk_lease_until=None, walk_dispatched_at=now
        )
    )


def cancelled(claim: WalkClaim) -> bool:
    """Whether the job was asked to stop since the walk was claimed (looked at between steps)."""
    return Job.objects.filter(pk=claim.job_id, status=Status.CANCELLING).exists()


def run_walk(job_id: int, *, worker: str = "", send: broker.SendWalk | None = None) -> bool:
    """Claim the walk and make steps until it is done, cancelled or out of time; True when done.

    A walker that cannot go on (ListIdentities refused: the pool was deleted, access denied)
    commits its last step with done=True and the job's `error` set; the job then ends failed.
    """
    claim = claim_walk(job_id)
    if claim is not None:
        logger.debug("Walk of job %s claimed by %s.", job_id, worker or "this process")
    finished = False
    if claim is not None:
        walker = WALKERS[claim.job.kind]
        give_back = False
        try:
            try:
                while True:
                    if cancelled(claim):
                        with transaction.atomic():
                            job = Job.objects.select_for_update().get(pk=job_id)
                            if job.walk_token == claim.token:
                                _stop_walk(job, timezone.now())
                        break
                    if walker(claim) == StepResult.DONE:
                        finished = True
                        break
                    if claim.remaining() <= 0:
                        give_back = True
                        break
            finally:
                # A page still being listed ahead is waited for (and not used) before the walk
                # is given back, so no thread of this task is left calling for it.
                if claim.ahead is not None:
                    claim.ahead.close()
            if give_back:
                release_walk(claim)
                broker.send_walk(job_id, send)
        except WalkLost:
            logger.info("The walk of job %s was taken over by another worker.", job_id)
        except retrying.OutOfTime:
            logger.info("The walk of job %s ran out of time; it goes back to the queue.", job_id)
            if release_walk(claim):
                broker.send_walk(job_id, send)
    runner.finish_if_complete(job_id)
    runner.dispatch(job_id, send=None)
    return finished


def reconcile_walks(*, now: datetime | None = None, send: broker.SendWalk | None = None) -> tuple[int, int]:
    """Take back walks whose lease expired and re-send lost ones: (taken back, re-sent)."""
    now = now or timezone.now()
    listing = Job.objects.filter(walk_state=WalkState.LISTING, status__in=ACTIVE)
    taken_back = listing.filter(walk_token__isnull=False, walk_lease_until__lt=now).update(
        walk_token=None, walk_lease_until=None, walk_dispatched_at=None
    )
    stale = now - timedelta(seconds=settings.JOB_REDISPATCH_SECONDS)
    lost = listing.filter(walk_token__isnull=True).filter(
        Q(walk_dispatched_at__isnull=True) | Q(walk_dispatched_at__lt=stale)
    )
    resent = 0
    for job_id in lost.values_list("pk", flat=True):
        if Job.objects.filter(pk=job_id, walk_token__isnull=True).update(walk_dispatched_at=now):
            broker.send_walk(job_id, send)
            resent += 1
    return taken_back, resent
