from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "console.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Sign-in, failed sign-in and sign-out are recorded from Django's auth signals.
        from . import signals

        signals.connect()
