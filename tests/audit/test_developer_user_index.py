"""Every developer user id an event names is indexed, so the search box finds what the console did to it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import DatabaseError, connection, transaction

from console.audit.models import AppendOnlyError, AuditEvent, AuditEventDeveloperUser
from console.audit.record import record_console_action
from console.aws import identities as gateway
from console.aws.errors import CognitoError
from console.identities.trail import events_naming
from tests.cognito import DEVELOPER

pytestmark = pytest.mark.django_db


def indexed(event: AuditEvent) -> set[str]:
    return set(AuditEventDeveloperUser.objects.filter(event=event).values_list("developer_user", flat=True))


def register(cognito, pool_id: str, user: str) -> str:
    return cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: user})[
        "IdentityId"
    ]


def test_an_unlink_indexes_the_developer_user(cognito, pool_id):
    identity = register(cognito, pool_id, "customer-1")

    gateway.unlink_developer_user(pool_id, identity, DEVELOPER, "customer-1", reason="ticket")

    assert indexed(AuditEvent.objects.get(operation="UnlinkDeveloperIdentity")) == {"customer-1"}


def test_a_merge_indexes_source_and_destination(cognito, pool_id):
    register(cognito, pool_id, "customer-1")
    merged = register(cognito, pool_id, "customer-2")

    gateway.merge_developer_users(
        pool_id, DEVELOPER, "customer-2", "customer-1", source_identity=merged, reason="same person"
    )

    assert indexed(AuditEvent.objects.get(operation="MergeDeveloperIdentities")) == {
        "customer-1",
        "customer-2",
    }


def test_a_registration_indexes_the_user_its_redacted_request_no_longer_shows(pool_id):
    gateway.register_developer_user(pool_id, DEVELOPER, "customer-9", reason="new")

    event = AuditEvent.objects.get(operation="GetOpenIdTokenForDeveloperIdentity")
    assert "customer-9" not in str(event.request)
    assert indexed(event) == {"customer-9"}


def test_a_failed_unlink_is_indexed_too(cognito, pool_id):
    identity = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]

    with pytest.raises(CognitoError):
        gateway.unlink_developer_user(pool_id, identity, DEVELOPER, "nobody", reason="try")

    event = AuditEvent.objects.get(operation="UnlinkDeveloperIdentity")
    assert (event.outcome, indexed(event)) == ("error", {"nobody"})


def test_events_naming_no_developer_user_index_nothing(cognito, pool_id):
    identity = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    gateway.delete_identities("us-east-1", [identity], reason="cleanup")
    record_console_action("console.audit_export")

    assert not AuditEventDeveloperUser.objects.exists()


def test_a_user_id_too_long_to_be_one_is_skipped_and_the_event_still_stored(pool_id):
    identity = "us-east-1:0a1b2c3d-0000-4000-8000-000000000001"

    with pytest.raises(CognitoError):
        gateway.unlink_developer_user(pool_id, identity, DEVELOPER, "\u00e9" * 1025, reason="try")

    event = AuditEvent.objects.get(operation="UnlinkDeveloperIdentity")
    assert event.outcome == "error"
    assert not indexed(event)


def test_index_rows_are_append_only(pool_id):
    gateway.register_developer_user(pool_id, DEVELOPER, "customer-9")
    row = AuditEventDeveloperUser.objects.get()

    with pytest.raises(AppendOnlyError):
        AuditEventDeveloperUser.objects.update(developer_user="changed")
    with pytest.raises(AppendOnlyError):
        AuditEventDeveloperUser.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        row.save()


def test_on_postgresql_the_index_cannot_be_changed_either(pool_id):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is installed on PostgreSQL only (CI runs there)")
    gateway.register_developer_user(pool_id, DEVELOPER, "customer-9")
    row = AuditEventDeveloperUser.objects.get()
    table = AuditEventDeveloperUser._meta.db_table

    for statement in (
        f"UPDATE {table} SET developer_user = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [row.pk])

    assert AuditEventDeveloperUser.objects.get(pk=row.pk).developer_user == "customer-9"


def test_the_migration_indexes_events_recorded_before_it():
    migration = importlib.import_module("console.audit.migrations.0005_auditeventdeveloperuser")
    unlink = AuditEvent.objects.create(
        operation="UnlinkDeveloperIdentity",
        outcome="success",
        request={"DeveloperUserIdentifier": "customer-1", "IdentityPoolId": "us-east-1:x"},
        before={"DeveloperUserIdentifier": "customer-1"},
    )
    merge = AuditEvent.objects.create(
        operation="MergeDeveloperIdentities",
        outcome="success",
        request={"SourceUserIdentifier": "customer-2", "DestinationUserIdentifier": "customer-1"},
    )
    registration = AuditEvent.objects.create(
        operation="GetOpenIdTokenForDeveloperIdentity",
        outcome="success",
        request={"Logins": {DEVELOPER: "***redacted***"}},
        after={"DeveloperUserIdentifier": "customer-3"},
    )
    AuditEvent.objects.create(operation="console.login", outcome="success")

    migration.index_existing_events(django_apps, connection.schema_editor())

    assert indexed(unlink) == {"customer-1"}
    assert indexed(merge) == {"customer-1", "customer-2"}
    assert indexed(registration) == {"customer-3"}
    assert AuditEventDeveloperUser.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
def test_a_developer_users_events_are_read_off_the_index_never_a_scan_of_the_trail():
    events = AuditEvent.objects.bulk_create(
        AuditEvent(operation="UnlinkDeveloperIdentity", outcome="success", actor=f"user-{n}")
        for n in range(300)
    )
    AuditEventDeveloperUser.objects.bulk_create(
        AuditEventDeveloperUser(event=event, developer_user=f"customer-{n % 50}")
        for n, event in enumerate(events)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sql, params = events_naming("customer-7")[:21].query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        lines = [row[-1] for row in cursor.fetchall()]

    assert any("auditeventdeveloperuser" in line and "(developer_user=?)" in line for line in lines), lines
    assert not any(line.startswith("SCAN") for line in lines), lines
