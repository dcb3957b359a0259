"""Two database roles on PostgreSQL: the owner migrates, the app runs as a role that owns nothing.

The append-only trigger (migration audit.0002) refuses UPDATE and DELETE of the trail, but a
table's owner may still disable its triggers, TRUNCATE it or drop it. So with
MIGRATE_DATABASE_URL set, `manage.py migrate` connects as that (owner) role and then grants the
role of DATABASE_URL what the app needs and no more: read and write on the console's tables,
read and append on the trail, the sequences its inserts draw ids from, and nothing on the
migration history but reading it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
from django.core.management.base import CommandError
from django.db import connections, transaction

from console.audit.models import AuditEvent, AuditEventDeveloperUser, AuditEventIdentity

# The trail: the app may add to it and read it, nothing else.
APPEND_ONLY_TABLES = (
    AuditEvent._meta.db_table,
    AuditEventIdentity._meta.db_table,
    AuditEventDeveloperUser._meta.db_table,
)
# Written by `migrate` alone; the app only reads it (Django's check for unapplied migrations).
READ_ONLY_TABLES = ("django_migrations",)
_CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


@contextmanager
def connected_as_owner(url: str, aliases: tuple[str, ...]) -> Iterator[str]:
    """Every connection in `aliases` uses the role of `url` within the block; yields the role
    they use outside it (the app's)."""
    owner = dj_database_url.parse(url)
    first = connections[aliases[0]].settings_dict
    if "postgresql" not in first["ENGINE"] or "postgresql" not in owner["ENGINE"]:
        raise CommandError(
            "MIGRATE_DATABASE_URL is for PostgreSQL: DATABASE_URL and it must both be postgres://."
        )
    runtime = first["USER"]
    saved = {
        alias: {key: connections[alias].settings_dict[key] for key in _CONNECTION_KEYS} for alias in aliases
    }
    for alias in aliases:
        connections[alias].close()
        connections[alias].settings_dict.update({key: owner[key] for key in _CONNECTION_KEYS})
    try:
        yield runtime
    finally:
        for alias in aliases:
            connections[alias].close()
            connections[alias].settings_dict.update(saved[alias])


def _one(cursor: Any, query: str, params: tuple[Any, ...] = ()) -> Any:
    cursor.execute(query, params)
    row = cursor.fetchone()
    return row[0] if row else None


def check_runtime_role(connection: Any, role: str) -> None:
    """Refuses a runtime role that could undo the trail's protection: a superuser, or the
    owner of any of the console's tables (left from a deploy with one role)."""
    owner = connection.settings_dict["USER"]
    if not role or role == owner:
        raise CommandError(
            "MIGRATE_DATABASE_URL names the same role as DATABASE_URL: give the app a role of its own."
        )
    with connection.cursor() as cursor:
        if _one(cursor, "SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)):
            raise CommandError(
                f"The app's role {role!r} is a superuser: give DATABASE_URL a role without SUPERUSER."
            )
        owned = _one(
            cursor,
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = %s",
            (role,),
        )
    if owned:
        raise CommandError(
            f"The app's role {role!r} owns {owned} table(s). As a superuser run "
            f"REASSIGN OWNED BY {role} TO {owner}; then migrate again."
        )


def grant_runtime_role(connection: Any, role: str) -> None:
    """Grants `role` what the app needs on every table of the current schema (after migrating)."""
    quote = connection.ops.quote_name
    who = quote(role)
    # One transaction: the app, still running during a deploy, never sees its rights half-granted.
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        schema = quote(_one(cursor, "SELECT current_schema()"))
        statements = [
            f"GRANT USAGE ON SCHEMA {schema} TO {who}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
        ]
        for table in APPEND_ONLY_TABLES:
            statements += [
                f"REVOKE ALL ON {quote(table)} FROM {who}",
                f"GRANT SELECT, INSERT ON {quote(table)} TO {who}",
            ]
        for table in READ_ONLY_TABLES:
            statements += [
                f"REVOKE ALL ON {quote(table)} FROM {who}",
                f"GRANT SELECT ON {quote(table)} TO {who}",
            ]
        for statement in statements:
            cursor.execute(statement)
