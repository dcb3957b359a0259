"""Audit events are append-only: the console can add them, never change or remove them."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import get_resolver

from console.audit.actor import audit_actor
from console.audit.models import AppendOnlyError, AuditEvent, AuditEventIdentity
from console.audit.record import record_console_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    record_console_action("job.start", request={"job": 1})
    return AuditEvent.objects.get(operation="job.start")


def test_saving_a_stored_event_again_is_refused(event):
    event.outcome = "error"

    with pytest.raises(AppendOnlyError):
        event.save()

    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_bulk_updates_and_deletes_are_refused(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="error")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["outcome"])

    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_deleting_a_user_keeps_their_events_and_their_name(django_user_model):
    user = django_user_model.objects.create_user("leaver", password="x-long-enough-password")
    with audit_actor(user.username, user=user):
        record_console_action("job.start")

    user_id = user.pk

    # Changes no event (on PostgreSQL the table refuses UPDATE: see below).
    user.delete()

    event = AuditEvent.objects.get(operation="job.start")
    assert (event.actor, event.actor_user_id) == ("leaver", user_id)
    assert not django_user_model.objects.filter(pk=event.actor_user_id).exists()


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is installed on PostgreSQL only (CI runs there)")


def test_on_postgresql_the_database_itself_refuses_an_update(event):
    _postgresql_only()
    table = AuditEvent._meta.db_table

    # Raw SQL, as any other client of the database (or a bug around the ORM) would send it.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET outcome = 'error' WHERE id = %s", [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_on_postgresql_the_database_itself_refuses_a_delete(event):
    _postgresql_only()
    table = AuditEvent._meta.db_table

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_on_postgresql_an_events_identity_index_cannot_be_changed_either():
    _postgresql_only()
    record_console_action(
        "identities.signin_test", identity_id="us-east-1:0a1b2c3d-0000-4000-8000-000000000001"
    )
    link = AuditEventIdentity.objects.get()
    table = AuditEventIdentity._meta.db_table

    for statement in (
        f"UPDATE {table} SET identity_id = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [link.pk])

    assert AuditEventIdentity.objects.get(pk=link.pk).identity_id == link.identity_id


def test_no_url_edits_or_deletes_events():
    audit_urls = [p for p in get_resolver().url_patterns if str(p.pattern) == "audit/"]
    [resolver] = audit_urls

    assert sorted(pattern.name for pattern in resolver.url_patterns) == ["export", "list"]


def test_the_django_admin_is_not_installed(settings):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS


def test_the_list_and_export_refuse_writes(as_admin):
    assert as_admin.post("/audit/").status_code == 405
    assert as_admin.delete("/audit/").status_code == 405
    # The export is read by POST (CSRF-protected); it changes nothing either.
    assert as_admin.delete("/audit/export.csv").status_code == 405
    assert as_admin.put("/audit/export.csv").status_code == 405
