"""Celery's lines about beat's routine tasks, at DEBUG.

Beat sends the jobs' reconciler every few seconds (and the prune schedules' pass every minute);
Celery logs each send, receipt and success at INFO, so under `make run` three lines every 5 s
pushed everything else (the demo admin's password among it) off the screen. Those tasks log
what they did themselves when they did something (console/jobs/runner.py, schedules.py); the
routine lines are logged at DEBUG instead (LOG_LEVEL=debug shows them).
"""

from __future__ import annotations

import logging

ROUTINE_TASKS = ("console.jobs.reconcile", "console.jobs.run_schedules", "console.jobs.expire_export_files")
# The Celery loggers of "Sending due task", "Task … received" and "Task … succeeded".
CELERY_LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")


class RoutineTaskFilter(logging.Filter):
    """A handler filter: a routine task's INFO line becomes a DEBUG line (kept only at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or record.name not in CELERY_LOGGERS:
            return True
        message = record.getMessage()
        if not any(task in message for task in ROUTINE_TASKS):
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        return logging.getLogger().isEnabledFor(logging.DEBUG)
