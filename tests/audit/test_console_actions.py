"""The console's own actions: signing in and out, failed sign-ins, user and role changes, jobs."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from console.audit.actor import audit_actor
from console.audit.models import AuditEvent
from console.audit.record import record_console_action
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
IP = "198.51.100.4"
NEW_PASSWORD = "plum-lantern-orbit-42"


def _only(operation: str) -> AuditEvent:
    [event] = AuditEvent.objects.filter(operation=operation)
    return event


def test_signing_in_records_who_and_from_where(client, viewer):
    client.post(LOGIN, {"username": viewer.username, "password": PASSWORD}, REMOTE_ADDR=IP)

    event = _only("console.login")
    assert (event.actor, event.actor_user, event.source_ip, event.outcome) == (
        viewer.username,
        viewer,
        IP,
        "success",
    )


def test_a_wrong_password_records_the_attempted_name_but_never_the_password(client, viewer):
    client.post(LOGIN, {"username": viewer.username, "password": "not-the-password"}, REMOTE_ADDR=IP)

    event = _only("console.login_failed")
    assert event.outcome == "error"
    assert event.source_ip == IP
    assert event.actor == "anonymous"
    assert event.actor_user is None
    assert event.request == {"username": viewer.username}
    assert "not-the-password" not in json.dumps(
        [event.request, event.error_message, event.before, event.after]
    )
    assert not AuditEvent.objects.filter(operation="console.login").exists()


def test_an_unknown_username_is_recorded_as_a_failed_sign_in_too(client):
    client.post(LOGIN, {"username": "mallory", "password": PASSWORD}, REMOTE_ADDR=IP)

    assert _only("console.login_failed").request == {"username": "mallory"}


def test_signing_out_records_who_left(client, viewer):
    client.post(LOGIN, {"username": viewer.username, "password": PASSWORD}, REMOTE_ADDR=IP)

    client.post(LOGOUT, REMOTE_ADDR=IP)

    event = _only("console.logout")
    assert (event.actor, event.source_ip) == (viewer.username, IP)


def test_the_ip_comes_from_the_proxy_header_only_when_proxies_are_trusted(client, viewer, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.post(
        LOGIN,
        {"username": viewer.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10",
    )

    assert _only("console.login").source_ip == "192.0.2.10"


def test_creating_a_console_user_records_the_role_given(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", NEW_PASSWORD)

    call_command(
        "create_console_user",
        "dana",
        "--role",
        "support",
        "--password-env",
        "NEW_PASSWORD",
        stdout=StringIO(),
    )

    event = _only("console.user_changed")
    assert event.actor == "system"
    assert event.request == {"username": "dana", "role": "support", "created": True, "password_set": True}
    assert (event.before, event.after) == (None, {"role": "support"})
    assert NEW_PASSWORD not in json.dumps(event.request)


def test_changing_a_users_role_records_before_and_after(monkeypatch, viewer):
    monkeypatch.setenv("NEW_PASSWORD", NEW_PASSWORD)

    call_command(
        "create_console_user",
        viewer.username,
        "--role",
        "admin",
        "--password-env",
        "NEW_PASSWORD",
        stdout=StringIO(),
    )

    event = _only("console.user_changed")
    assert event.request["created"] is False
    assert (event.before, event.after) == ({"role": "viewer"}, {"role": "admin"})


def test_a_refused_user_change_records_nothing(monkeypatch, viewer):
    monkeypatch.setenv("NEW_PASSWORD", "short1")

    with pytest.raises(Exception, match="Password refused"):
        call_command(
            "create_console_user", viewer.username, "--role", "admin", "--password-env", "NEW_PASSWORD"
        )

    assert not AuditEvent.objects.filter(operation="console.user_changed").exists()


def test_a_job_start_is_recorded_for_the_person_who_started_it(admin):
    with audit_actor(admin.username, user=admin, ip=IP):
        record_console_action("job.start", pool_id="us-east-1:abc", request={"job": 7, "kind": "delete"})

    event = _only("job.start")
    assert (event.actor, event.actor_user, event.source_ip) == (admin.username, admin, IP)
    assert (event.pool_id, event.request) == ("us-east-1:abc", {"job": 7, "kind": "delete"})


def test_a_job_cancel_can_carry_a_reason_and_an_error():
    record_console_action(
        "job.cancel",
        reason="Wrong pool",
        outcome="error",
        error_code="JobFinished",
        error_message="Already done.",
    )

    event = _only("job.cancel")
    assert (event.actor, event.reason, event.outcome, event.error_code) == (
        "system",
        "Wrong pool",
        "error",
        "JobFinished",
    )
