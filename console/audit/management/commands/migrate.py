"""`migrate`, as the tables' owner when MIGRATE_DATABASE_URL is set (console/audit/grants.py).

Django's own command does the migrating; this one only connects as the owner first and grants
the app's role (DATABASE_URL's user) what it needs after. Without MIGRATE_DATABASE_URL, or for
another database alias, it is Django's command unchanged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from console.audit.grants import check_runtime_role, connected_as_owner, grant_runtime_role


class Command(migrate.Command):
    help = (
        f"{migrate.Command.help} With MIGRATE_DATABASE_URL set (PostgreSQL), migrates as that role "
        "and grants the role of DATABASE_URL what the app needs: no more than reading and "
        "appending to the audit trail."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MIGRATE_DATABASE_URL or options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        # "audit" is a second connection to the same database: the post-migrate steps may use it.
        with connected_as_owner(settings.MIGRATE_DATABASE_URL, (DEFAULT_DB_ALIAS, "audit")) as runtime:
            owner_connection = connections[DEFAULT_DB_ALIAS]
            check_runtime_role(owner_connection, runtime)
            super().handle(*args, **options)
            grant_runtime_role(owner_connection, runtime)
            if options["verbosity"]:
                self.stdout.write(
                    f"Granted the app's role {runtime!r} its privileges (audit trail: read and append)."
                )
        return None
