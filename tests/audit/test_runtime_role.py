"""Two roles on PostgreSQL: `migrate` runs as the owner (MIGRATE_DATABASE_URL), the app as a role
that owns nothing (DATABASE_URL), so the app cannot erase the trail however it tries.

CI's DATABASE_URL is a superuser, which could do anything: the test makes a database and two
roles without SUPERUSER of its own, migrates it as the deploy does, and removes them after.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's (CI runs this there)"
)

MANAGE = str(settings.BASE_DIR / "manage.py")

_APP_WORKS = """
from console.audit.models import AuditEvent
from console.audit.record import record_console_action
from django.contrib.auth import get_user_model

get_user_model().objects.create_user("runtime-probe", password="not-used-anywhere-1")
record_console_action("probe.runtime_role", identity_id="us-east-1:0a1b2c3d-0000-4000-8000-000000000001")
print("EVENTS", AuditEvent.objects.filter(operation="probe.runtime_role").count())
"""


@dataclass(frozen=True)
class Deploy:
    database: str
    owner: str
    runtime: str

    def url(self, role: str) -> str:
        server = settings.DATABASES["default"]
        return f"postgres://{role}:{role}-password@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{self.database}"

    def connect(self, role: str):
        import psycopg

        return psycopg.connect(self.url(role), autocommit=True)


def _superuser():
    import psycopg

    server = settings.DATABASES["default"]
    return psycopg.connect(
        host=server["HOST"] or "127.0.0.1",
        port=server["PORT"] or 5432,
        user=server["USER"],
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _manage(deploy: Deploy, *args: str, migrate_as_owner: bool = False) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(settings.BASE_DIR),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": deploy.url(deploy.runtime),
        "COGNITO_RATE_LIMITER": "false",
    }
    if migrate_as_owner:
        env["MIGRATE_DATABASE_URL"] = deploy.url(deploy.owner)
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def deploy() -> Iterator[Deploy]:
    suffix = secrets.token_hex(4)
    made = Deploy(f"roles_probe_{suffix}", f"probe_owner_{suffix}", f"probe_app_{suffix}")
    with _superuser() as admin:
        for role in (made.owner, made.runtime):
            admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER PASSWORD '{role}-password'")
        admin.execute(f"CREATE DATABASE {made.database} OWNER {made.owner}")
        try:
            migrated = _manage(made, "migrate", "--noinput", migrate_as_owner=True)
            assert migrated.returncode == 0, migrated.stderr[-3000:]
            yield made
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {made.database} WITH (FORCE)")
            for role in (made.runtime, made.owner):
                admin.execute(f"DROP ROLE IF EXISTS {role}")


def test_the_app_runs_as_its_role_writing_users_and_appending_to_the_trail(deploy):
    result = _manage(deploy, "shell", "-c", _APP_WORKS)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "EVENTS 1" in result.stdout, result.stderr[-3000:]


def test_the_tables_belong_to_the_owner_and_the_app_role_owns_nothing(deploy):
    with deploy.connect(deploy.runtime) as app:
        owners = {
            row[0]
            for row in app.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        }

    assert owners == {deploy.owner}


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
        "TRUNCATE audit_auditevent CASCADE",
        "TRUNCATE audit_auditeventidentity",
        "DELETE FROM audit_auditevent",
        "UPDATE audit_auditevent SET reason = 'rewritten'",
        "DELETE FROM audit_auditeventidentity",
        "DROP TABLE audit_auditevent CASCADE",
        "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
        "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', 'x', now())",
    ],
)
def test_the_app_role_cannot_erase_the_trail(deploy, statement):
    import psycopg

    with deploy.connect(deploy.runtime) as app:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(statement)
        # Still there, and still readable by the app.
        assert app.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] >= 0


def test_the_owner_migrates_again_without_changing_the_app_roles_rights(deploy):
    again = _manage(deploy, "migrate", "--noinput", migrate_as_owner=True)

    assert again.returncode == 0, again.stderr[-3000:]
    with deploy.connect(deploy.runtime) as app:
        rights = app.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'audit_auditevent' AND grantee = current_user ORDER BY 1"
        ).fetchall()
    assert [right for (right,) in rights] == ["INSERT", "SELECT"]


def test_a_superuser_app_role_is_refused(deploy):
    with _superuser() as admin:
        admin.execute(f"ALTER ROLE {deploy.runtime} SUPERUSER")
        try:
            refused = _manage(deploy, "migrate", "--noinput", migrate_as_owner=True)
        finally:
            admin.execute(f"ALTER ROLE {deploy.runtime} NOSUPERUSER")

    assert refused.returncode != 0
    assert "is a superuser: give DATABASE_URL a role without SUPERUSER" in refused.stderr


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs the psql client")
def test_composes_init_script_makes_a_login_role_that_is_no_superuser():
    server = settings.DATABASES["default"]
    role = f"probe_init_{secrets.token_hex(4)}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PGHOST": server["HOST"] or "127.0.0.1",
        "PGPORT": str(server["PORT"] or 5432),
        "PGPASSWORD": server["PASSWORD"] or "",
        "POSTGRES_USER": server["USER"],
        "POSTGRES_DB": "postgres",
        "CONSOLE_DB_USER": role,
        "CONSOLE_DB_PASSWORD": "it's-quoted",
    }
    init = settings.BASE_DIR / "deploy" / "postgres-init.sh"
    try:
        subprocess.run([str(init)], env=env, check=True, capture_output=True, timeout=60)
        with _superuser() as admin:
            made = admin.execute(
                "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword IS NOT NULL "
                "FROM pg_authid WHERE rolname = %s",
                (role,),
            ).fetchone()
    finally:
        with _superuser() as admin:
            admin.execute(f"DROP ROLE IF EXISTS {role}")

    assert made == (True, False, False, False, True)
