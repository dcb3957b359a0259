from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "console.jobs"
    label = "jobs"
    verbose_name = "Bulk jobs"

    def ready(self) -> None:
        # The tasks are sent by name (broker.py): registered in every process, so that a sender
        # finds their options, and eager mode (the `job` command, tests) can run them here.
        from . import tasks  # noqa: F401
