"""The ledger of bulk jobs, as plain functions: create, dispatch, claim, run, commit, cancel.

Celery tasks (tasks.py) are thin shells around these; tests and the `job` command call them
directly. Chunks reach the workers through console/jobs/broker.py, a call is retried by
console/jobs/retrying.py, and the reconciler is console/jobs/reconcile.py. The rules that make
a job lose nothing (DESIGN.md invariant 4):

- Creating a job writes the Job, its frozen items split into chunks, and its audit event in
  one transaction; chunks are sent to the broker only after it commits.
- A chunk is *claimed* by one conditional UPDATE (pending → claimed, with a fresh token and a
  lease). Only the holder of the token can commit it: the items' outcomes, the chunk's
  terminal state and the job's counters go in one transaction whose first statement is the
  conditional UPDATE claimed → done. A late or duplicate worker finds nothing to update and
  its outcomes are dropped, so every item ends with exactly one recorded outcome.
- Nothing depends on the broker keeping its messages: the reconciler (beat, every few seconds)
  takes back chunks whose lease expired (a dead worker), re-sends chunks whose message was
  never picked up (a lost message, a restarted Redis), keeps each job's window of queued chunks
  full, and finishes a job once all its chunks are terminal. It also sends again the drafts'
  membership checks that stopped moving (console/jobs/membership.py).
- Repeating a chunk's call is harmless: DeleteIdentities of an id already gone answers as
  if it deleted it (done), and a merge claimed a second time first asks LookupDeveloperIdentity
  whether the source already belongs to the destination.
- Cancel is a flag on the job, looked at when a chunk is claimed; tasks are never revoked.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from console.audit.record import audit_actor, record_console_action
from console.aws import errors, jobs_calls
from console.aws.ids import region_of
from console.inventory import store as inventory
from console.inventory.models import GoneHow

from . import broker, retrying
from .models import (
    ACTIVE,
    TERMINAL_CHUNK,
    Chunk,
    ChunkStatus,
    Item,
    Job,
    Kind,
    Outcome,
    Status,
    WalkState,
)
from .parsing import Target
from .retrying import OutOfTime, call_with_retries

logger = logging.getLogger(__name__)

# Items per chunk: one DeleteIdentities call takes at most 60 ids; a merge is one pair.
CHUNK_SIZE = {Kind.DELETE: 60, Kind.MERGE: 1, Kind.PRUNE: 60}
# DeleteIdentities' UnprocessedIdentityIds are asked again this many times before they fail.
UNPROCESSED_RETRIES = 3
# Share of the chunk's time limit its calls may use; the rest is left to commit.
CALL_BUDGET = 0.75
CANCELLED_MESSAGE = "Not run: the job was cancelled before this item's turn."


@dataclass(frozen=True)
class Result:
    """What happened to one item."""

    outcome: str
    error_code: str = ""
    message: str = ""
    result: str = ""
    # The identity a merge emptied (its logins moved to `result`): gone from the inventory.
    merged_away: str = ""


DONE = Result(Outcome.DONE)


def failed(error: errors.CognitoError) -> Result:
    return Result(Outcome.FAILED, error.code[:128], error.message)


@dataclass(frozen=True)
class ClaimedItem:
    pk: int
    target: str
    destination: str


@dataclass(frozen=True)
class Claim:
    """A chunk held by this worker until `commit_chunk` (or until its lease runs out)."""

    job_id: int
    kind: str
    pool_id: str
    region: str
    params: dict[str, Any]
    reason: str
    chunk_pk: int
    number: int
    token: uuid.UUID
    claims: int
    items: tuple[ClaimedItem, ...]


class ClaimLost(Exception):
    """Another worker holds the chunk now (our lease expired): stop, its outcome will count."""


# ---------------------------------------------------------------------------------------
# Creating and sending


def create_job(
    kind: str,
    pool_id: str,
    targets: Sequence[Target],
    *,
    reason: str,
    user: AbstractBaseUser,
    params: dict[str, Any] | None = None,
    send: broker.SendChunk | None = None,
) -> Job:
    """Write the job, its chunks and items, and the "job.start" audit event; send on commit."""
    if not targets:
        raise ValueError("a job needs at least one item")
    size = CHUNK_SIZE[Kind(kind)]
    region = region_of(pool_id)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            pool_id=pool_id,
            region=region,
            params=params or {},
            total=len(targets),
            created_by=user,
            created_by_name=user.get_username(),
            reason=reason,
        )
        chunks = Chunk.objects.bulk_create(
            [Chunk(job=job, number=number) for number in range((len(targets) + size - 1) // size)]
        )
        Item.objects.bulk_create(
            [
                Item(
                    job=job,
                    chunk=chunks[index // size],
                    line=t.line,
                    target=t.target,
                    destination=t.destination,
                )
                for index, t in enumerate(targets)
            ],
            batch_size=2000,
        )
        record_console_action(
            "job.start",
            pool_id=pool_id,
            region=region,
            request={"job": job.pk, "kind": kind, "items": len(targets), **(params or {})},
            reason=reason,
        )
        transaction.on_commit(lambda: dispatch(job.pk, send=send))
    return job


def _send_all(job_id: int, numbers: list[int], send: broker.SendChunk | None) -> None:
    for number in numbers:
        if not broker.send_chunk(job_id, number, send):
            return  # the broker is down: the reconciler sends the rest too


def dispatch(job_id: int, *, send: broker.SendChunk | None = None, now: datetime | None = None) -> list[int]:
    """Send the job's next chunks, keeping JOB_WINDOW of them waiting in the broker; their numbers."""
    now = now or timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in ACTIVE:
            return []
        chunks = Chunk.objects.filter(job_id=job_id)
        if job.status == Status.CANCELLING:
            # Chunks with no message on its way (never sent, or lost) are skipped here.
            unsent = chunks.filter(status=ChunkStatus.PENDING, dispatched_at__isnull=True)
            _cancel_chunks(job, list(unsent.values_list("pk", flat=True)), now)
            return []
        # Only chunks waiting in the broker count: running ones do not, so any number of
        # workers can be kept busy (a claim sends the next chunk, see run_chunk).
        waiting = chunks.filter(status=ChunkStatus.PENDING, dispatched_at__isnull=False)
        room = settings.JOB_WINDOW - waiting.count()
        if room <= 0:
            return []
        numbers = list(
            chunks.filter(status=ChunkStatus.PENDING, dispatched_at__isnull=True)
            .order_by("number")
            .values_list("number", flat=True)[:room]
        )
        chunks.filter(number__in=numbers).update(dispatched_at=now)
        transaction.on_commit(lambda: _send_all(job_id, numbers, send))
    return numbers


# ---------------------------------------------------------------------------------------
# Claiming and committing


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def claim_chunk(job_id: int, number: int, worker: str = "", *, now: datetime | None = None) -> Claim | None:
    """Take the chunk if it is pending: a Claim, or None (held by another worker, or finished).

    A chunk of a job being cancelled is not run: its items are skipped, and None returned.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        taken = Chunk.objects.filter(job_id=job_id, number=number, status=ChunkStatus.PENDING).update(
            status=ChunkStatus.CLAIMED,
            claim_token=token,
            lease_until=_lease(now),
            claimed_by=worker[:200],
            claims=F("claims") + 1,
        )
        if not taken:
            return None
        job = Job.objects.select_for_update().get(pk=job_id)
        chunk = Chunk.objects.get(job_id=job_id, number=number)
        if job.status != Status.QUEUED and job.status != Status.RUNNING:
            _cancel_chunks(job, [chunk.pk], now)
            return None
        if job.status == Status.QUEUED:
            Job.objects.filter(pk=job_id).update(status=Status.RUNNING, started_at=now)
        items = tuple(
            ClaimedItem(pk, target, destination)
            for pk, target, destination in chunk.items.filter(outcome=Outcome.PENDING)
            .order_by("pk")
            .values_list("pk", "target", "destination")
        )
    return Claim(
        job_id=job.pk,
        kind=job.kind,
        pool_id=job.pool_id,
        region=job.region,
        params=job.params,
        reason=job.reason,
        chunk_pk=chunk.pk,
        number=number,
        token=token,
        claims=chunk.claims,
        items=items,
    )


def _cancel_chunks(job: Job, chunk_pks: list[int], now: datetime) -> int:
    """Skip every pending item of these chunks and mark them cancelled (inside a transaction)."""
    if not chunk_pks:
        return 0
    skipped = Item.objects.filter(chunk_id__in=chunk_pks, outcome=Outcome.PENDING).update(
        outcome=Outcome.SKIPPED, message=CANCELLED_MESSAGE, finished_at=now
    )
    Chunk.objects.filter(pk__in=chunk_pks).update(
        status=ChunkStatus.CANCELLED, finished_at=now, lease_until=None
    )
    Job.objects.filter(pk=job.pk).update(skipped=F("skipped") + skipped)
    return skipped


def commit_chunk(claim: Claim, results: dict[int, Result], *, now: datetime | None = None) -> bool:
    """Record every item's outcome with the chunk's "done" mark and the job's counters.

    False (and nothing written) when the claim is no longer ours: another worker took the
    chunk after our lease expired, and its outcome is the one that counts. A chunk whose lease
    expired but that nobody took yet is still ours to finish.
    """
    now = now or timezone.now()
    missing = [item.pk for item in claim.items if item.pk not in results]
    if missing:
        raise ValueError(f"no outcome for items {missing}")
    with transaction.atomic():
        won = Chunk.objects.filter(
            pk=claim.chunk_pk,
            claim_token=claim.token,
            status__in=(ChunkStatus.CLAIMED, ChunkStatus.PENDING),
        ).update(status=ChunkStatus.DONE, finished_at=now, lease_until=None)
        if not won:
            return False
        _write_outcomes(claim, results, now)
        _update_inventory(claim, results, now)
        counts = Counter(results[item.pk].outcome for item in claim.items)
        Job.objects.filter(pk=claim.job_id).update(
            done=F("done") + counts[Outcome.DONE],
            failed=F("failed") + counts[Outcome.FAILED],
            skipped=F("skipped") + counts[Outcome.SKIPPED],
        )
    return True


def _write_outcomes(claim: Claim, results: dict[int, Result], now: datetime) -> None:
    plain_done = [item.pk for item in claim.items if results[item.pk] == DONE]
    Item.objects.filter(pk__in=plain_done, outcome=Outcome.PENDING).update(
        outcome=Outcome.DONE, finished_at=now
    )
    others = [
        Item(
            pk=item.pk,
            outcome=results[item.pk].outcome,
            error_code=results[item.pk].error_code[:128],
            message=results[item.pk].message,
            result=results[item.pk].result[:64],
            finished_at=now,
        )
        for item in claim.items
        if results[item.pk] != DONE
    ]
    Item.objects.bulk_update(others, ["outcome", "error_code", "message", "result", "finished_at"])


def _update_inventory(claim: Claim, results: dict[int, Result], now: datetime) -> None:
    """Mark gone, in the chunk's commit, what it deleted or merged away (console/inventory)."""
    if claim.kind == Kind.MERGE:
        emptied = [result.merged_away for result in results.values() if result.merged_away]
        if emptied:
            inventory.mark_gone(emptied, how=GoneHow.MERGED, at=now, job_id=claim.job_id)
        return
    deleted = [item.target for item in claim.items if results[item.pk].outcome == Outcome.DONE]
    if deleted:
        inventory.mark_gone(deleted, how=GoneHow.DELETED, at=now, job_id=claim.job_id)


def release_chunk(claim: Claim) -> bool:
    """Give the chunk back unfinished (its calls ran out of time), to be sent again."""
    return bool(
        Chunk.objects.filter(pk=claim.chunk_pk, claim_token=claim.token, status=ChunkStatus.CLAIMED).update(
            status=ChunkStatus.PENDING, lease_until=None, dispatched_at=None
        )
    )


def finish_if_complete(job_id: int, *, now: datetime | None = None) -> str | None:
    """Give the job its final status once every chunk is terminal; that status, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in ACTIVE:
            return None
        if job.walk_state == WalkState.LISTING:
            return None
        if Chunk.objects.filter(job_id=job_id).exclude(status__in=TERMINAL_CHUNK).exists():
            return None
        if job.status == Status.CANCELLING:
            final = Status.CANCELLED
        elif job.error:
            # Only a job whose done items stay done (deletes) failed partially; an export's
            # file, a dry run's count or a sync's listing is worth nothing unfinished.
            partial = job.done and job.kind not in (Kind.EXPORT, Kind.PRUNE_DRY_RUN, Kind.SYNC)
            final = Status.PARTIALLY_FAILED if partial else Status.FAILED
        elif job.failed == 0:
            final = Status.SUCCEEDED
        elif job.done == 0:
            final = Status.FAILED
        else:
            final = Status.PARTIALLY_FAILED
        Job.objects.filter(pk=job_id).update(status=final, finished_at=now, started_at=job.started_at or now)
    return final


# ---------------------------------------------------------------------------------------
# Running a chunk


@dataclass
class Attempt:
    """One claim being worked on: its time budget, lease renewal, and throttle counting."""

    claim: Claim
    deadline: float = field(default=0.0)
    throttled: int = 0

    def __post_init__(self) -> None:
        if not self.deadline:
            self.deadline = time.monotonic() + settings.JOB_CHUNK_TIME_LIMIT * CALL_BUDGET

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def note_throttle(self) -> None:
        self.throttled += 1
        # Counted at once (not with the chunk), so the job page shows throttling as it happens.
        Job.objects.filter(pk=self.claim.job_id).update(throttled=F("throttled") + 1)

    def renew(self) -> None:
        kept = Chunk.objects.filter(
            pk=self.claim.chunk_pk, claim_token=self.claim.token, status=ChunkStatus.CLAIMED
        ).update(lease_until=_lease(timezone.now()))
        if not kept:
            raise ClaimLost

    def pause(self, retry: int) -> None:
        retrying.backoff(retry, self.remaining())


def run_delete(
    attempt: Attempt, delete: Callable[..., Any] = jobs_calls.delete_identities
) -> dict[int, Result]:
    """DeleteIdentities for the chunk's ids; unprocessed ids are asked again, then fail with their ErrorCode."""
    claim = attempt.claim
    item_of = {item.target: item.pk for item in claim.items}
    results: dict[int, Result] = {}
    remaining = list(item_of)
    codes: dict[str, str] = {}
    for retry in range(UNPROCESSED_RETRIES + 1):
        if retry:
            attempt.pause(retry - 1)
        try:
            unprocessed = call_with_retries(attempt, delete, claim.region, remaining, reason=claim.reason)
        except errors.CognitoError as exc:
            results.update({item_of[identity]: failed(exc) for identity in remaining})
            return results
        codes = {
            entry.identity_id: entry.error_code for entry in unprocessed if entry.identity_id in remaining
        }
        results.update({item_of[identity]: DONE for identity in remaining if identity not in codes})
        remaining = [identity for identity in remaining if identity in codes]
        if not remaining:
            return results
    tries = UNPROCESSED_RETRIES + 1
    for identity in remaining:
        message = f"DeleteIdentities left this identity unprocessed {tries} times."
        results[item_of[identity]] = Result(Outcome.FAILED, codes[identity] or "Unprocessed", message)
    return results


def run_merge(attempt: Attempt) -> dict[int, Result]:
    """MergeDeveloperIdentities for the chunk's pair, checked first when this is a retry."""
    claim = attempt.claim
    (item,) = claim.items
    provider = claim.params.get("developer_provider", "")
    # A second claim means an earlier attempt may have merged already: look before merging.
    merged_into = _already_merged(attempt, item) if claim.claims > 1 else ""
    if merged_into:
        return {
            item.pk: Result(
                Outcome.DONE, message="Already merged (checked before retrying).", result=merged_into
            )
        }
    # The identity the merge empties, for the inventory (one LookupDeveloperIdentity call).
    emptied = _identity_of(attempt, claim.pool_id, item.target)
    try:
        identity = call_with_retries(
            attempt,
            jobs_calls.merge_developer_users,
            claim.pool_id,
            provider,
            item.target,
            item.destination,
            reason=claim.reason,
            source_identity=emptied,
        )
    except errors.CognitoError as exc:
        return {item.pk: failed(exc)}
    return {
        item.pk: Result(Outcome.DONE, result=identity, merged_away=emptied if emptied != identity else "")
    }


def _identity_of(attempt: Attempt, pool_id: str, user: str) -> str:
    """The identity of a developer user ("" when unknown: the merge's own call says why)."""
    try:
        return call_with_retries(attempt, jobs_calls.developer_user_identity, pool_id, user) or ""
    except errors.CognitoError:
        return ""


def _already_merged(attempt: Attempt, item: ClaimedItem) -> str:
    """The destination's identity id if the source user already belongs to it, else ''."""
    pool_id = attempt.claim.pool_id
    try:
        source = call_with_retries(attempt, jobs_calls.developer_user_identity, pool_id, item.target)
        destination = call_with_retries(
            attempt, jobs_calls.developer_user_identity, pool_id, item.destination
        )
    except errors.CognitoError:
        return ""
    return destination if source and source == destination else ""


# A prune's chunks are deletes like a bulk delete's (its walk, in prune.py, makes them).
RUNNERS: dict[str, Callable[[Attempt], dict[int, Result]]] = {
    Kind.DELETE: run_delete,
    Kind.MERGE: run_merge,
    Kind.PRUNE: run_delete,
}


def run_chunk(job_id: int, number: int, *, worker: str = "", send: broker.SendChunk | None = None) -> bool:
    """Claim, run and commit one chunk; True when this call recorded its outcome."""
    claim = claim_chunk(job_id, number, worker)
    committed = False
    if claim is not None:
        dispatch(job_id, send=send)  # its place in the window goes to the next chunk
        committed = _run_claimed(claim)
    finish_if_complete(job_id)
    dispatch(job_id, send=send)
    return committed


def _run_claimed(claim: Claim) -> bool:
    attempt = Attempt(claim)
    with audit_actor(f"jobs:{claim.job_id}", job_id=claim.job_id, pool_id=claim.pool_id):
        try:
            results = RUNNERS[claim.kind](attempt)
        except OutOfTime:
            logger.info(
                "Chunk %s of job %s ran out of time; it goes back to the queue.", claim.number, claim.job_id
            )
            release_chunk(claim)
            return False
        except ClaimLost:
            logger.info("Chunk %s of job %s was taken over by another worker.", claim.number, claim.job_id)
            return False
    return commit_chunk(claim, results)


# ---------------------------------------------------------------------------------------
# Cancelling


def cancel_job(job_id: int, *, by: str, now: datetime | None = None) -> bool:
    """Ask the job to stop: chunks not sent yet are skipped now, the others when claimed.

    False when the job had already finished or was already being cancelled.
    """
    now = now or timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in (Status.QUEUED, Status.RUNNING):
            return False
        Job.objects.filter(pk=job_id).update(
            status=Status.CANCELLING, cancel_requested_at=now, cancelled_by_name=by[:150]
        )
        unsent = list(
            Chunk.objects.filter(
                job_id=job_id, status=ChunkStatus.PENDING, dispatched_at__isnull=True
            ).values_list("pk", flat=True)
        )
        _cancel_chunks(job, unsent, now)
        job.refresh_from_db()
        record_console_action(
            "job.cancel",
            pool_id=job.pool_id,
            region=job.region,
            request={"job": job_id, "kind": job.kind, "done_before_cancel": job.done},
            reason=job.reason,
        )
    finish_if_complete(job_id, now=now)
    return True
