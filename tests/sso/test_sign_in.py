"""Signing in through a real OpenID Provider: roles from groups, refusals, audit."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from console.accounts.roles import role_of
from console.accounts.sessions import SIGNED_IN_AT
from console.audit.models import AuditEvent
from console.sso.models import ProviderAccount
from tests.sso_provider import CLIENT_SECRET, PROVIDER_NAME, query_of

pytestmark = pytest.mark.django_db(transaction=False)


def _user(username: str):
    return get_user_model().objects.get(username=username)


def test_the_login_page_goes_to_the_provider_in_one_click(client, sso):
    page = client.get(reverse("login") + "?next=/jobs/")

    assert f"Sign in with {PROVIDER_NAME}" in page.content.decode()
    to_provider = client.get("/oidc/authenticate/?next=/jobs/")
    location = to_provider["Location"]
    assert location.startswith(f"{sso.issuer}/auth?")
    params = query_of(location)
    assert params["client_id"] == "console"
    assert params["redirect_uri"] == "http://testserver/oidc/callback/"
    assert params["scope"] == "openid email profile groups"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    assert params["state"] and params["nonce"]


def test_an_admin_signs_in_with_the_admin_role_from_their_group(client, sign_in, sso):
    response = sign_in("ada-admin")

    assert response.status_code == 302
    assert response["Location"] == reverse("pools:list")
    user = _user("ada-admin")
    assert role_of(user) == "admin"
    assert client.get(reverse("audit:list")).status_code == 200
    assert not user.has_usable_password()
    assert isinstance(client.session[SIGNED_IN_AT], float)
    account = ProviderAccount.objects.get(user=user)
    assert (account.issuer, account.subject, account.display_name) == (sso.issuer, "ada-admin", "Ada Admin")
    assert (user.get_full_name(), user.email) == ("Ada Admin", "ada@example.com")


def test_a_support_agent_gets_the_support_role(client, sign_in):
    sign_in("sam-support")

    assert role_of(_user("sam-support")) == "support"
    assert client.get(reverse("identities:lookup")).status_code == 200
    assert client.get(reverse("audit:list")).status_code == 403


def test_after_signing_in_the_page_asked_for_is_shown(client, sign_in):
    response = sign_in("sam-support", start="/oidc/authenticate/?next=/jobs/")

    assert response["Location"] == "/jobs/"


def test_someone_in_no_mapped_group_is_refused_saying_why_and_whom_to_ask(client, sign_in):
    response = sign_in("nia-nogroup")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Sign-in refused" in page
    assert "none of the groups that give a console role: console-admins, support-team" in page
    assert f"Ask the people who manage groups at {PROVIDER_NAME}" in page
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(operation="console.login_refused")
    assert event.outcome == "error"
    assert event.error_code == "no_role"
    assert event.request["subject"] == "nia-nogroup"
    assert event.request["groups"] == ["staff"]
    assert not AuditEvent.objects.filter(operation="console.login").exists()


def test_a_star_in_the_role_map_gives_everyone_else_that_role(client, sign_in, settings):
    settings.OIDC_ROLE_MAP = {**settings.OIDC_ROLE_MAP, "*": "viewer"}

    sign_in("nia-nogroup")
    sign_in("ada-admin", http=type(client)())

    assert role_of(_user("nia-nogroup")) == "viewer"
    assert role_of(_user("ada-admin")) == "admin"  # the strongest role wins


def test_the_sign_in_is_audited_with_the_subject_the_name_and_the_role(client, sign_in, sso):
    sign_in("ada-admin")

    event = AuditEvent.objects.get(operation="console.login")
    assert event.actor == "ada-admin"
    assert event.request == {
        "method": "sso",
        "issuer": sso.issuer,
        "subject": "ada-admin",
        "name": "Ada Admin",
        "role": "admin",
    }
    # The failed-sign-in signal Django sends for a refusal is not recorded twice.
    assert not AuditEvent.objects.filter(operation="console.login_failed").exists()


def test_a_group_change_at_the_provider_takes_effect_at_the_next_sign_in(client, sign_in, sso):
    sign_in("ada-admin")
    assert role_of(_user("ada-admin")) == "admin"

    sso.set_groups("ada-admin", ["support-team"])
    sign_in("ada-admin")
    assert role_of(_user("ada-admin")) == "support"
    assert client.get(reverse("audit:list")).status_code == 403

    sso.set_groups("ada-admin", [])
    refused = sign_in("ada-admin")
    assert refused.status_code == 403
    assert role_of(_user("ada-admin")) is None
    assert "_auth_user_id" not in client.session


def test_a_removed_role_is_gone_from_every_other_session_at_once(client, sign_in, sso):
    from django.test import Client

    laptop = Client()
    sign_in("ada-admin", http=laptop)
    assert laptop.get(reverse("audit:list")).status_code == 200

    sso.set_groups("ada-admin", ["staff"])
    sign_in("ada-admin")

    assert laptop.get(reverse("audit:list")).status_code == 403
    assert laptop.get(reverse("pools:list")).status_code == 403


def test_a_session_from_the_provider_still_ends_at_session_max_age(client, sign_in, settings):
    sign_in("ada-admin")
    session = client.session
    session[SIGNED_IN_AT] -= settings.SESSION_MAX_AGE + 1
    session.save()

    response = client.get(reverse("pools:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_callback_with_a_state_this_browser_never_sent_is_refused(client, sso):
    response = client.get("/oidc/callback/?code=stolen&state=made-up")

    assert response.status_code == 403
    assert "This sign-in was not started here" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(operation="console.login_refused").error_code == "no_sign_in_started"


def test_a_code_coming_back_with_another_state_than_the_one_sent_is_refused(client, sso, at_provider):
    started = client.get("/oidc/authenticate/")
    back = at_provider.visit(started["Location"], "ada-admin")
    code = query_of(back)["code"]

    response = client.get(f"/oidc/callback/?code={code}&state=not-the-one-sent")

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_provider_error_shows_the_refusal_page(client, sso):
    started = client.get("/oidc/authenticate/")
    state = query_of(started["Location"])["state"]

    response = client.get(f"/oidc/callback/?error=access_denied&state={state}")

    assert response.status_code == 403
    assert f"{PROVIDER_NAME} answered: access_denied." in response.content.decode()
    assert (
        AuditEvent.objects.get(operation="console.login_refused").error_code == "provider_error:access_denied"
    )


def test_the_client_secret_is_never_on_a_page(client, sign_in):
    response = sign_in("ada-admin")
    pages = [client.get(reverse("login")), client.get(reverse("pools:list")), response]

    for page in pages:
        assert CLIENT_SECRET not in page.content.decode()


def test_without_oidc_issuer_there_is_no_single_sign_on(client, settings):
    settings.OIDC_ISSUER = ""

    assert "Sign in with" not in client.get(reverse("login")).content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_a_disabled_console_account_is_refused_even_with_a_role(client, sign_in):
    sign_in("ada-admin")
    get_user_model().objects.filter(username="ada-admin").update(is_active=False)

    response = sign_in("ada-admin", http=type(client)())

    assert response.status_code == 403
    assert "Your console account is disabled" in response.content.decode()
    assert AuditEvent.objects.get(operation="console.login_refused").error_code == "inactive"
