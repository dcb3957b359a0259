from __future__ import annotations

from django.apps import AppConfig


class IdentitiesConfig(AppConfig):
    name = "console.identities"
    label = "identities"
    verbose_name = "Identity browser, lookup and sign-in tester"
