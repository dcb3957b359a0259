"""The reconciler: beat's periodic pass that makes the ledger whole whatever the broker lost.

It stands above the ledger (runner.py), the walks (walk.py) and the drafts' checks
(membership.py), and asks each for its part (the rules are runner.py's module docstring):
chunks whose lease expired are taken back (and given up on after JOB_MAX_LOST_LEASES lost
leases), messages never picked up are sent again, windows are refilled, complete jobs are
finished; walks are taken back and re-sent; stalled checks are sent again and old drafts
forgotten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import broker, membership, runner, walk
from .models import ACTIVE, Chunk, ChunkStatus, Item, Job, Outcome

logger = logging.getLogger(__name__)

WORKER_LOST_CODE = "WorkerLost"


@dataclass(frozen=True)
class Reconciled:
    """What one reconciler pass did (logged; tests read it)."""

    leases_taken_back: int = 0
    chunks_given_up: int = 0
    resent: int = 0
    dispatched: int = 0
    finished: int = 0
    walks_taken_back: int = 0
    walks_resent: int = 0
    checks_resent: int = 0


def reconcile(
    *,
    now: datetime | None = None,
    send: broker.SendChunk | None = None,
    send_check: broker.SendCheck | None = None,
) -> Reconciled:
    """Take back expired leases, re-send lost messages, refill windows, finish complete jobs.

    Also takes back and re-sends walks (console/jobs/walk.py), sends again the drafts'
    membership checks that stopped moving, and forgets drafts kept long enough
    (console/jobs/membership.py).
    """
    now = now or timezone.now()
    taken_back, given_up = _take_back_expired_leases(now)
    walks_taken_back, walks_resent = walk.reconcile_walks(now=now)
    resent = Chunk.objects.filter(
        status=ChunkStatus.PENDING,
        dispatched_at__lt=now - timedelta(seconds=settings.JOB_REDISPATCH_SECONDS),
    ).update(dispatched_at=None)
    dispatched = finished = 0
    for job_id in Job.objects.filter(status__in=ACTIVE).order_by("pk").values_list("pk", flat=True):
        if runner.finish_if_complete(job_id, now=now):
            finished += 1
        else:
            dispatched += len(runner.dispatch(job_id, send=send, now=now))
    checks_resent, _ = membership.reconcile_drafts(now, send_check)
    report = Reconciled(
        taken_back, given_up, resent, dispatched, finished, walks_taken_back, walks_resent, checks_resent
    )
    if report != Reconciled():
        logger.info("Reconciled jobs: %s", report)
    return report


def _take_back_expired_leases(now: datetime) -> tuple[int, int]:
    taken_back = given_up = 0
    expired = Chunk.objects.filter(status=ChunkStatus.CLAIMED, lease_until__lt=now)
    for pk in expired.values_list("pk", flat=True):
        with transaction.atomic():
            # Conditional again: the holder may have committed since the list was read. The
            # token stays, so a holder that was only slow can still commit if nobody else claimed.
            if not expired.filter(pk=pk).update(
                status=ChunkStatus.PENDING,
                lease_until=None,
                dispatched_at=None,
                lost_leases=F("lost_leases") + 1,
            ):
                continue
            taken_back += 1
            chunk = Chunk.objects.select_related("job").get(pk=pk)
            if chunk.lost_leases >= settings.JOB_MAX_LOST_LEASES:
                _give_up(chunk, now)
                given_up += 1
    return taken_back, given_up


def _give_up(chunk: Chunk, now: datetime) -> None:
    """A chunk whose workers keep dying: its items fail instead of killing workers forever."""
    message = f"The worker running this item stopped {chunk.lost_leases} times; it was not retried again."
    failed_items = Item.objects.filter(chunk=chunk, outcome=Outcome.PENDING).update(
        outcome=Outcome.FAILED, error_code=WORKER_LOST_CODE, message=message, finished_at=now
    )
    Chunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.DONE, finished_at=now)
    Job.objects.filter(pk=chunk.job_id).update(failed=F("failed") + failed_items)
