"""Console roles are Django groups holding these permissions."""

from __future__ import annotations

from django.db import models


class ConsolePermission(models.Model):
    """Holds the console's permissions; no table rows are ever stored."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_console", "Read pools, identities, jobs"),
            ("lookup_identities", "Look up identities and see their logins"),
            ("unlink_identities", "Unlink logins and developer ids from identities"),
            ("edit_pools", "Create, edit and delete pools, roles, mappings, tags"),
            ("run_jobs", "Start and cancel bulk jobs"),
            ("view_audit", "Read the audit trail"),
            ("manage_users", "Create console users and change their roles"),
        ]

    def __str__(self) -> str:
        return "console permission"
