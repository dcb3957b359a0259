"""Every identity an event touched is indexed, so an identity's history finds bulk deletes and merges."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection

from console.audit.models import AppendOnlyError, AuditEvent, AuditEventIdentity
from console.audit.record import record_console_action
from console.aws import identities as gateway
from console.aws.errors import CognitoError
from tests.cognito import DEVELOPER

pytestmark = pytest.mark.django_db


def indexed(event: AuditEvent) -> set[str]:
    return set(AuditEventIdentity.objects.filter(event=event).values_list("identity_id", flat=True))


def test_every_id_of_a_multi_id_delete_is_indexed(cognito, pool_id):
    doomed = [cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(5)]

    gateway.delete_identities("us-east-1", doomed, reason="cleanup")

    event = AuditEvent.objects.get(operation="DeleteIdentities")
    assert event.identity_id == ""  # several ids: the event's own column names none
    assert indexed(event) == set(doomed)


def test_a_merge_indexes_both_identities(cognito, pool_id):
    keeper, merged = (
        cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: user})[
            "IdentityId"
        ]
        for user in ("customer-1", "customer-2")
    )

    gateway.merge_developer_users(
        pool_id, DEVELOPER, "customer-2", "customer-1", source_identity=merged, reason="same person"
    )

    assert indexed(AuditEvent.objects.get(operation="MergeDeveloperIdentities")) == {keeper, merged}


def test_a_failed_call_is_indexed_too(cognito, pool_id):
    identity = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]

    with pytest.raises(CognitoError):
        gateway.unlink_developer_user(pool_id, identity, DEVELOPER, "nobody", reason="try")

    event = AuditEvent.objects.get(operation="UnlinkDeveloperIdentity")
    assert (event.outcome, indexed(event)) == ("error", {identity})


def test_console_actions_about_an_identity_are_indexed():
    record_console_action(
        "identities.signin_test", identity_id="us-east-1:0a1b2c3d-0000-4000-8000-000000000001"
    )

    assert indexed(AuditEvent.objects.get()) == {"us-east-1:0a1b2c3d-0000-4000-8000-000000000001"}


def test_events_about_no_identity_index_nothing():
    record_console_action("console.audit_export")

    assert not AuditEventIdentity.objects.exists()


def test_an_id_too_long_to_be_one_is_skipped_and_the_event_still_stored():
    with pytest.raises(CognitoError):
        gateway.delete_identities(
            "us-east-1", ["x" * 70, "us-east-1:0a1b2c3d-0000-4000-8000-000000000001"], reason=""
        )

    event = AuditEvent.objects.get(operation="DeleteIdentities")
    assert event.outcome == "error"
    assert indexed(event) == {"us-east-1:0a1b2c3d-0000-4000-8000-000000000001"}


def test_index_rows_are_append_only():
    record_console_action(
        "identities.signin_test", identity_id="us-east-1:0a1b2c3d-0000-4000-8000-000000000001"
    )
    row = AuditEventIdentity.objects.get()

    with pytest.raises(AppendOnlyError):
        AuditEventIdentity.objects.update(identity_id="changed")
    with pytest.raises(AppendOnlyError):
        AuditEventIdentity.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        row.save()


def test_the_migration_indexes_events_recorded_before_it():
    migration = importlib.import_module("console.audit.migrations.0003_auditeventidentity")
    single = AuditEvent.objects.create(
        operation="UnlinkIdentity",
        outcome="success",
        identity_id="us-east-1:0a1b2c3d-0000-4000-8000-00000000000a",
    )
    bulk = AuditEvent.objects.create(
        operation="DeleteIdentities",
        outcome="success",
        request={
            "IdentityIdsToDelete": [
                "us-east-1:0a1b2c3d-0000-4000-8000-00000000000b",
                "us-east-1:0a1b2c3d-0000-4000-8000-00000000000c",
            ]
        },
    )
    AuditEvent.objects.create(operation="console.login", outcome="success")

    migration.index_existing_events(django_apps, connection.schema_editor())

    assert indexed(single) == {"us-east-1:0a1b2c3d-0000-4000-8000-00000000000a"}
    assert len(indexed(bulk)) == 2
    assert AuditEventIdentity.objects.count() == 3
