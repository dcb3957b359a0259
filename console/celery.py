"""The Celery application: broker and settings come from console.settings (CELERY_*)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_like_the_web_process(**_: object) -> None:
    """Workers and beat log through settings.LOGGING (JSON lines with LOG_FORMAT=json, LOG_LEVEL)
    instead of Celery's own text format: with a receiver here Celery configures no logging."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@app.task(name="console.ping")
def ping() -> str:
    """Round trip used by /healthz-style checks and the worker smoke test."""
    return "pong"
