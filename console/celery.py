"""The Celery application: broker and settings come from console.settings (CELERY_*)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="console.ping")
def ping() -> str:
    """Round trip used by /healthz-style checks and the worker smoke test."""
    return "pong"
