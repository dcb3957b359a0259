"""With single sign-on configured, passwords are for the break-glass accounts only."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from console.audit.models import AuditEvent
from console.sso import provider
from tests.conftest import PASSWORD, _make_user
from tests.sso_provider import BREAK_GLASS, PROVIDER_NAME, configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_settings(settings):
    # No provider process: these pages must not need it (an unreachable issuer).
    configure(settings, "http://127.0.0.1:9")
    yield settings
    provider.forget()


def test_a_password_sign_in_of_an_account_that_is_not_break_glass_is_refused(client, sso_settings, admin):
    response = client.post(reverse("login"), {"username": admin.username, "password": PASSWORD})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Passwords are only for break-glass accounts: sign in with {PROVIDER_NAME} instead." in page
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(operation="console.login_refused")
    assert event.request == {
        "method": "password",
        "reason": "password_not_allowed",
        "username": admin.username,
    }


def test_a_break_glass_account_signs_in_with_its_password(client, sso_settings, django_user_model):
    _make_user(django_user_model, BREAK_GLASS, "admin")

    response = client.post(reverse("login"), {"username": BREAK_GLASS, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("audit:list")).status_code == 200


def test_no_other_password_check_accepts_a_non_break_glass_password(rf, sso_settings, admin):
    # The backends' own lock, under the form's: the re-authentication form checks passwords too.
    assert authenticate(rf.post("/"), username=admin.username, password=PASSWORD) is None


def test_without_oidc_every_account_keeps_its_password(client, admin):
    response = client.post(reverse("login"), {"username": admin.username, "password": PASSWORD})

    assert response.status_code == 302


def test_with_the_provider_down_the_login_page_and_break_glass_still_work(
    client, sso_settings, django_user_model
):
    _make_user(django_user_model, BREAK_GLASS, "admin")

    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert f"Sign in with {PROVIDER_NAME}" in page.content.decode()
    assert client.post(reverse("login"), {"username": BREAK_GLASS, "password": PASSWORD}).status_code == 302


def test_with_the_provider_down_sign_in_with_it_says_so(client, sso_settings):
    response = client.get("/oidc/authenticate/")

    assert response.status_code == 503
    page = response.content.decode()
    assert "is not answering" in page
    assert "only the break-glass accounts can sign in" in page
