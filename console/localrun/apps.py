from __future__ import annotations

from django.apps import AppConfig


class LocalRunConfig(AppConfig):
    """Commands that exist only for `make run`: embedded Redis, demo admin, demo data."""

    name = "console.localrun"
    label = "localrun"
    verbose_name = "Local run"

    def ready(self) -> None:
        from celery.signals import worker_ready

        from .banner import print_again

        # The demo admin's banner again once the worker is up (it prints only with DEBUG on).
        worker_ready.connect(print_again, weak=False)
