"""Sending work to the Celery workers, by task name: a chunk, a walk, a draft's membership check.

The tasks (console/jobs/tasks.py) stand above every module that sends them, so they are named
here, never imported. One rule for every message: a broker failure is logged as a warning and
left to the reconciler (console/jobs/reconcile.py), which sends again what was never picked up.
With CELERY_TASK_ALWAYS_EAGER the task runs at once in this process (as `apply_async` would):
the `job` command and the tests rely on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from console.celery import app

logger = logging.getLogger(__name__)

RUN_CHUNK = "console.jobs.run_chunk"
RUN_WALK = "console.jobs.run_walk"
CHECK_DRAFT = "console.jobs.check_draft"

SendChunk = Callable[[int, int], None]  # (job id, chunk number)
SendWalk = Callable[[int], None]  # (job id)
SendCheck = Callable[[int], None]  # (draft id)


def _send_task(name: str, *args: Any) -> None:
    if app.conf.task_always_eager:
        # send_task ignores eager mode: run the registered task here, as apply_async does.
        app.tasks[name].apply(args)
    else:
        app.send_task(name, args)


def _send_chunk_task(job_id: int, number: int) -> None:
    _send_task(RUN_CHUNK, job_id, number)


def _send_walk_task(job_id: int) -> None:
    _send_task(RUN_WALK, job_id)


def _send_check_task(draft_id: int) -> None:
    _send_task(CHECK_DRAFT, draft_id)


def _sent(send: Callable[..., None], args: tuple[Any, ...], what: str) -> bool:
    try:
        send(*args)
    except Exception as exc:  # noqa: BLE001 - any broker failure: the reconciler re-sends
        logger.warning(
            "Could not send %s to the broker (%s: %s); the reconciler will re-send it.",
            what,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def send_chunk(job_id: int, number: int, send: SendChunk | None = None) -> bool:
    """Send "run chunk `number` of job `job_id`" (`send`: instead of the Celery task); False if it failed."""
    return _sent(send or _send_chunk_task, (job_id, number), f"chunk {number} of job {job_id}")


def send_walk(job_id: int, send: SendWalk | None = None) -> bool:
    """Send "run the walk of job `job_id`"; False if it failed."""
    return _sent(send or _send_walk_task, (job_id,), f"the walk of job {job_id}")


def send_check(draft_id: int, send: SendCheck | None = None) -> bool:
    """Send "check draft `draft_id`'s ids against its pool"; False if it failed."""
    return _sent(send or _send_check_task, (draft_id,), f"the check of draft {draft_id}")
