"""Sign-in throttling: five wrong passwords lock a username from one address for 15 minutes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

LOGIN = reverse("login")
LOCKED = (
    "Too many failed sign-in attempts for this account from your address; "
    "try again in 15 minutes or ask an admin to unlock it."
)


def _sign_in(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _fail(client: Client, username: str, times: int, **extra) -> list:
    return [_sign_in(client, username, "wrong-password", **extra) for _ in range(times)]


def test_the_limit_is_five_failures_and_the_lock_lasts_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_four_wrong_passwords_only_show_the_usual_error(client, viewer):
    responses = _fail(client, viewer.username, 4)

    assert [response.status_code for response in responses] == [200] * 4
    assert all(b"Please enter a correct username and password" in r.content for r in responses)
    assert _sign_in(client, viewer.username, PASSWORD).status_code == 302


def test_the_fifth_wrong_password_locks_the_account_with_a_clear_message(client, viewer):
    *_, fifth = _fail(client, viewer.username, 5)

    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()


def test_once_locked_even_the_right_password_is_refused_with_the_message(client, viewer):
    _fail(client, viewer.username, 5)

    sixth = _sign_in(client, viewer.username, PASSWORD)

    assert sixth.status_code == 429
    assert LOCKED in sixth.content.decode()
    assert SESSION_KEY not in client.session


def test_the_lockout_page_is_the_sign_in_page_in_the_console_layout(client, viewer):
    _fail(client, viewer.username, 5)

    page = _sign_in(client, viewer.username, PASSWORD).content.decode()

    assert "<h1>Sign in</h1>" in page
    assert 'class="topbar"' in page
    assert 'role="alert"' in page
    assert (
        f'name="username" type="text" autocomplete="username" autofocus required value="{viewer.username}"'
        in page
    )
    assert "Please enter a correct username" not in page


def test_the_lock_is_for_this_username_from_this_address_only(client, viewer, support):
    _fail(client, viewer.username, 5)

    assert _sign_in(client, support.username, PASSWORD).status_code == 302
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert _sign_in(elsewhere, viewer.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, viewer):
    _fail(client, viewer.username, 4)
    _sign_in(client, viewer.username, PASSWORD)
    client.post(reverse("logout"))

    responses = _fail(client, viewer.username, 4)

    assert [response.status_code for response in responses] == [200] * 4


def test_axes_reset_unlocks_everyone(client, viewer):
    _fail(client, viewer.username, 5)
    out = StringIO()

    call_command("axes_reset", stdout=out)

    assert _sign_in(client, viewer.username, PASSWORD).status_code == 302
    assert "removed" in out.getvalue().lower()


def test_axes_reset_username_unlocks_one_account(client, viewer, support):
    _fail(client, viewer.username, 5)
    _fail(client, support.username, 5)

    call_command("axes_reset_username", viewer.username, stdout=StringIO())

    assert _sign_in(client, viewer.username, PASSWORD).status_code == 302
    assert _sign_in(Client(), support.username, PASSWORD).status_code == 429


def test_each_test_starts_unlocked(client, viewer):
    # Failures are rows in the test database, rolled back after every test: tests that sign
    # in many times never inherit another test's lock.
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.exists()
    assert _sign_in(client, viewer.username, PASSWORD).status_code == 302


def test_failed_attempts_are_stored_without_the_password(client, viewer):
    from axes.models import AccessAttempt

    client.post(LOGIN, {"username": viewer.username, "password": "hunter2-typo"})

    attempt = AccessAttempt.objects.get()
    assert "hunter2-typo" not in attempt.post_data
    assert attempt.failures_since_start == 1
