"""Sign-in throttling: five wrong passwords lock a username from one address for 15 minutes."""

from __future__ import annotations

import re
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
    # The username stays typed in, in the field that has the focus.
    (username_input,) = re.findall(r'<input[^>]*name="username"[^>]*>', page)
    for attribute in (
        f'value="{viewer.username}"',
        'type="text"',
        'autocomplete="username"',
        "autofocus",
        "required",
    ):
        assert attribute in username_input
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


# --- per address, across usernames (password spraying), and per /64 for IPv6 ----------------------

ADDRESS_LOCKED = (
    "Too many failed sign-in attempts from your address, for one account or several; "
    "try again in 15 minutes or ask an admin to unlock it."
)


def _spray(client: Client, count: int, **extra) -> list:
    """One wrong password for each of `count` usernames: never five for any one of them."""
    return [_sign_in(client, f"guess-{number}", "Winter2026!", **extra) for number in range(count)]


def test_the_address_limit_is_twenty_failures_whatever_the_usernames():
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20


def test_one_password_tried_on_many_usernames_locks_the_address(client, viewer):
    *first, twentieth = _spray(client, 20)
    assert {response.status_code for response in first} == {200}
    assert twentieth.status_code == 429
    assert ADDRESS_LOCKED in twentieth.content.decode()

    # Even a real user with the right password is refused from that address now.
    locked = _sign_in(client, viewer.username, PASSWORD)

    assert locked.status_code == 429
    assert ADDRESS_LOCKED in locked.content.decode()
    assert SESSION_KEY not in client.session


def test_nineteen_sprayed_failures_do_not_lock_the_address(client, viewer):
    _spray(client, 19)

    assert _sign_in(client, viewer.username, PASSWORD).status_code == 302


def test_the_address_lock_leaves_other_addresses_alone(client, viewer):
    _spray(client, 20)

    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert _sign_in(elsewhere, viewer.username, PASSWORD).status_code == 302


def test_neighbouring_ipv4_addresses_are_counted_apart(viewer):
    _spray(Client(REMOTE_ADDR="192.0.2.10"), 20)

    assert _sign_in(Client(REMOTE_ADDR="192.0.2.11"), viewer.username, PASSWORD).status_code == 302


def test_rotating_ipv6_addresses_within_one_slash_64_count_as_one_address(viewer):
    for number in range(20):
        # A new address for every attempt, as a client holding 2001:db8:1:2::/64 can.
        _sign_in(Client(REMOTE_ADDR=f"2001:db8:1:2::{number + 1:x}"), f"guess-{number}", "Winter2026!")

    same_network = Client(REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff")
    other_network = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert _sign_in(same_network, viewer.username, PASSWORD).status_code == 429
    assert _sign_in(other_network, viewer.username, PASSWORD).status_code == 302


def test_the_username_lock_also_holds_across_a_slash_64(viewer):
    for number in range(5):
        _sign_in(Client(REMOTE_ADDR=f"2001:db8:9:9::{number + 1}"), viewer.username, "wrong-password")

    locked = _sign_in(Client(REMOTE_ADDR="2001:db8:9:9::abcd"), viewer.username, PASSWORD)

    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()


def test_axes_reset_lifts_the_address_lock_too(client, viewer):
    _spray(client, 20)

    call_command("axes_reset", stdout=StringIO())

    assert _sign_in(client, viewer.username, PASSWORD).status_code == 302
