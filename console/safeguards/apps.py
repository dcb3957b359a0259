from __future__ import annotations

from django.apps import AppConfig


class SafeguardsConfig(AppConfig):
    name = "console.safeguards"
    label = "safeguards"
    verbose_name = "Guards on destructive actions"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .reauth import record_sign_in

        # Signing in counts as typing the password, and starts the session's life.
        user_logged_in.connect(record_sign_in, dispatch_uid="console.safeguards.record_sign_in")
