from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_role_groups(**_: Any) -> None:
    """Make the admin/support/viewer groups hold exactly their role's permissions."""
    from django.contrib.auth.models import Group, Permission

    from .roles import ROLE_PERMISSIONS

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames)
        group.permissions.set(perms)


class AccountsConfig(AppConfig):
    name = "console.accounts"
    label = "accounts"
    verbose_name = "Console users and roles"

    def ready(self) -> None:
        # Runs after auth has created the permissions (auth is earlier in INSTALLED_APPS).
        post_migrate.connect(sync_role_groups, sender=self)
        from django.contrib.auth.signals import user_logged_in

        from .sessions import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="console.accounts.record_sign_in")
