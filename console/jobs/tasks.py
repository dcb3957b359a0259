"""Celery tasks: thin shells around console/jobs/runner.py, walk.py, membership.py, reconcile.py.

A chunk task carries only (job id, chunk number); everything else is in the ledger. Tasks are
sent by name (console/jobs/broker.py), so nothing below this module imports it; they are
acknowledged late and given back to the broker when their worker process dies
(CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST in settings), and a database error is
retried a bounded number of times; whatever still goes missing, the reconciler re-sends.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

# prune, export and sync register their walkers when imported.
from . import broker, export, membership, prune, runner, schedules, sync, walk  # noqa: F401
from . import reconcile as reconciler

MAX_RETRIES = 5


def ledger_task(name: str) -> Callable[[Callable[..., Any]], Any]:
    """A task that works on the ledger: acknowledged late, given back when its worker dies,
    time-limited, retried a bounded number of times (by the task, on DatabaseError)."""
    return shared_task(
        bind=True,
        name=name,
        acks_late=True,
        reject_on_worker_lost=True,
        max_retries=MAX_RETRIES,
        ignore_result=True,
        time_limit=settings.CELERY_TASK_TIME_LIMIT,
        soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    )


@ledger_task(broker.RUN_CHUNK)
def run_chunk(self, job_id: int, number: int) -> bool:
    """Claim, run and commit chunk `number` of job `job_id`."""
    try:
        return runner.run_chunk(job_id, number, worker=f"{self.request.hostname}:{os.getpid()}")
    except DatabaseError as exc:
        # A locked or lost database: nothing half-written was kept (every step is one transaction).
        raise self.retry(exc=exc, countdown=min(30, 2**self.request.retries)) from exc


@ledger_task(broker.RUN_WALK)
def run_walk(self, job_id: int) -> bool:
    """Claim the walk of job `job_id` (a prune or an export) and list the pool for a while."""
    try:
        return walk.run_walk(job_id, worker=f"{self.request.hostname}:{os.getpid()}")
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=min(30, 2**self.request.retries)) from exc


@ledger_task(broker.CHECK_DRAFT)
def check_draft(self, draft_id: int) -> str:
    """Check a draft against its pool (a delete's ids, a merge's sources), from where the check stands (it re-sends itself)."""
    try:
        return membership.run_check(draft_id, seconds=membership.task_seconds())
    except DatabaseError as exc:
        raise self.retry(exc=exc, countdown=min(30, 2**self.request.retries)) from exc


@shared_task(name="console.jobs.reconcile", ignore_result=True)
def reconcile() -> str:
    """Beat's periodic pass over the ledger (see console/jobs/reconcile.py)."""
    return str(reconciler.reconcile())


@shared_task(name="console.jobs.run_schedules", ignore_result=True)
def run_schedules() -> str:
    """Beat's pass over prune schedules: start due dry runs, decide finished ones (schedules.tick)."""
    return str(schedules.tick())


@shared_task(name="console.jobs.expire_export_files", ignore_result=True)
def expire_export_files() -> int:
    """Beat's periodic removal of export files past their retention (see export.expire_files)."""
    return export.expire_files()
