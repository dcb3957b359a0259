"""Recent re-authentication before destructive actions (`recent_auth_required`, /accounts/reauth/).

The destructive page is tests/security_urls.py's `test-danger`, built as later pages will be.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from console.accounts import permissions
from console.safeguards.reauth import PASSWORD_AT
from tests.conftest import PASSWORD
from tests.pools.helpers import field_error
from tests.security_urls import DANGER_TEXT

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("tests.security_urls"),
    pytest.mark.usefixtures("no_secret_logs"),
]

DANGER = "/test/danger/"
REAUTH = "/accounts/reauth/"
LOCKED = "Too many failed sign-in attempts for this account from your address"


@pytest.fixture(autouse=True)
def danger_is_for_pool_editors(monkeypatch):
    monkeypatch.setitem(permissions.MATRIX, "test-danger", {"GET": "edit_pools", "POST": "edit_pools"})


def _password_typed_ago(client, seconds: float) -> None:
    session = client.session
    session[PASSWORD_AT] = time.time() - seconds
    session.save()


def _reauth_next(response) -> str:
    location = urlsplit(response.url)
    assert location.path == REAUTH
    return parse_qs(location.query)["next"][0]


def _confirm(client, **extra):
    return client.post(DANGER, {"confirmation": DANGER_TEXT, "reason": "TICKET-42"}, **extra)


def test_the_default_window_is_five_minutes():
    assert settings.REAUTH_MAX_AGE_SECONDS == 300


def test_signing_in_through_the_form_counts_as_typing_the_password(client, admin):
    client.post(reverse("login"), {"username": admin.username, "password": PASSWORD})

    response = client.get(DANGER)

    assert response.status_code == 200
    assert b'data-testid="confirm-form"' in response.content


def test_a_password_typed_long_ago_sends_the_user_to_type_it_again(as_admin):
    _password_typed_ago(as_admin, 301)

    response = as_admin.get(DANGER + "?pool=shop")

    assert response.status_code == 302
    assert _reauth_next(response) == DANGER + "?pool=shop"


def test_the_password_page_asks_for_the_signed_in_users_password(as_admin, admin):
    _password_typed_ago(as_admin, 301)

    page = as_admin.get(REAUTH, {"next": DANGER}).content.decode()

    assert "<h1>Confirm your password</h1>" in page
    assert f"Password for {admin.username}" in page
    assert 'name="next" value="/test/danger/"' in page


def test_the_right_password_returns_to_the_page_and_unlocks_it(as_admin):
    _password_typed_ago(as_admin, 301)

    response = as_admin.post(REAUTH, {"password": PASSWORD, "next": DANGER})

    assert response.status_code == 302
    assert response.url == DANGER
    assert as_admin.get(DANGER).status_code == 200


def test_a_wrong_password_is_refused_on_the_page(as_admin):
    _password_typed_ago(as_admin, 301)

    response = as_admin.post(REAUTH, {"password": "not-it", "next": DANGER})

    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "id_password") == "That is not your password."
    assert re.search(
        r'<input[^>]*aria-invalid="true" aria-describedby="id_password_error"[^>]*id="id_password"', page
    )
    assert as_admin.get(DANGER).status_code == 302


def test_a_post_without_a_recent_password_changes_nothing_and_returns_to_the_confirmation_page(as_admin):
    _password_typed_ago(as_admin, 301)

    response = _confirm(as_admin, HTTP_REFERER="http://testserver/test/danger/?pool=shop")

    assert response.status_code == 302
    assert _reauth_next(response) == "/test/danger/?pool=shop"
    page = as_admin.get(response.url).content.decode()
    assert "Nothing was changed yet: enter your password, then submit again." in page


def test_a_post_from_another_site_returns_to_the_page_itself(as_admin):
    _password_typed_ago(as_admin, 301)

    response = _confirm(as_admin, HTTP_REFERER="https://evil.example/")

    assert _reauth_next(response) == DANGER


def test_an_htmx_request_loads_the_password_page_as_a_whole_page(as_admin):
    _password_typed_ago(as_admin, 301)

    response = _confirm(as_admin, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert urlsplit(response["HX-Redirect"]).path == REAUTH


def test_a_recent_password_lets_the_action_through(as_admin):
    _password_typed_ago(as_admin, 60)

    response = _confirm(as_admin)

    assert response.content == b"deleted; reason: TICKET-42"


@pytest.mark.parametrize("stored", ["yesterday", None, time.time() + 3600])
def test_a_missing_or_odd_timestamp_counts_as_not_recent(as_admin, stored):
    session = as_admin.session
    session[PASSWORD_AT] = stored
    session.save()

    assert as_admin.get(DANGER).status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_the_password_page_never_returns_to_another_site(as_admin, target):
    response = as_admin.post(REAUTH, {"password": PASSWORD, "next": target})

    assert response.url == reverse("pools:list")


def test_a_viewer_is_refused_before_being_asked_for_a_password(as_viewer):
    # The role check (the matrix) comes first: no point typing a password for a 403.
    _password_typed_ago(as_viewer, 301)

    assert as_viewer.get(DANGER).status_code == 403


def test_the_password_page_is_throttled_like_the_login_page(as_admin):
    answers = [as_admin.post(REAUTH, {"password": "not-it", "next": DANGER}) for _ in range(5)]
    right = as_admin.post(REAUTH, {"password": PASSWORD, "next": DANGER})

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED in page
    assert "<h1>Confirm your password</h1>" in page


def test_the_right_password_forgets_earlier_typos(as_admin):
    for _ in range(4):
        as_admin.post(REAUTH, {"password": "not-it", "next": DANGER})
    as_admin.post(REAUTH, {"password": PASSWORD, "next": DANGER})

    answers = [as_admin.post(REAUTH, {"password": "not-it", "next": DANGER}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200] * 4
