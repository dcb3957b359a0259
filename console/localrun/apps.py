from __future__ import annotations

from django.apps import AppConfig


class LocalRunConfig(AppConfig):
    """Commands that exist only for `make run`: embedded Redis, demo admin, demo data."""

    name = "console.localrun"
    label = "localrun"
    verbose_name = "Local run"
