"""Re-authentication at the provider before a destructive action, and signing out there too."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory
from django.urls import reverse

from console.safeguards.reauth import PASSWORD_AT, password_entered_recently
from console.sso.backends import ConsoleOIDCBackend, Refused
from console.sso.views import ID_TOKEN
from tests.sso_provider import local_path, query_of

pytestmark = pytest.mark.django_db


def _password_long_ago(client) -> None:
    session = client.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()


@pytest.fixture
def ada(client, sign_in):
    sign_in("ada-admin")
    _password_long_ago(client)
    return client


def _to_provider_for_reauth(client, next_page: str) -> str:
    asked = client.get(f"{reverse('reauth')}?{urlencode({'next': next_page})}")
    assert asked["Location"] == f"{reverse('oidc_reauth')}?{urlencode({'next': next_page})}"
    to_provider = client.get(asked["Location"])
    assert to_provider.status_code == 302
    return to_provider["Location"]


def test_a_destructive_page_sends_an_sso_user_to_the_provider_with_prompt_login(ada, make_pool, settings):
    pool_id = make_pool("retired app")
    delete_page = f"/pools/{pool_id}/delete"

    asked = ada.get(delete_page)
    assert asked["Location"] == f"{reverse('reauth')}?{urlencode({'next': delete_page})}"
    location = _to_provider_for_reauth(ada, delete_page)

    params = query_of(location)
    assert params["prompt"] == "login"
    assert params["max_age"] == str(settings.REAUTH_MAX_AGE_SECONDS)
    assert params["code_challenge_method"] == "S256"


def test_re_authenticating_at_the_provider_opens_the_destructive_page(ada, at_provider, make_pool):
    pool_id = make_pool("retired app")
    delete_page = f"/pools/{pool_id}/delete"
    before = ada.session[ID_TOKEN]

    # prompt=login: the provider asks again although its session is still open.
    back = at_provider.visit(_to_provider_for_reauth(ada, delete_page), "ada-admin")
    response = ada.get(local_path(back))

    assert response["Location"] == delete_page
    assert password_entered_recently(ada.get(delete_page).wsgi_request)
    assert ada.get(delete_page).status_code == 200
    assert ada.session[ID_TOKEN] != before
    confirm = {"confirmation": "retired app", "reason": "TICKET-7"}
    assert ada.post(delete_page, confirm).status_code == 302


def test_re_authenticating_as_someone_else_confirms_nothing(ada, at_provider):
    location = _to_provider_for_reauth(ada, "/jobs/")
    at_provider.http.cookies.clear()

    back = at_provider.visit(location, "sam-support")
    response = ada.get(local_path(back))

    assert response.status_code == 403
    assert "You signed in at the provider as someone else." in response.content.decode()
    assert not password_entered_recently(response.wsgi_request)
    assert ada.get(reverse("pools:list")).wsgi_request.user.username == "ada-admin"


def test_an_id_token_without_a_fresh_auth_time_does_not_re_authenticate(ada, sso):
    request = RequestFactory().get("/oidc/callback/")
    request.user = ada.get(reverse("pools:list")).wsgi_request.user
    backend = ConsoleOIDCBackend()
    backend.request = request
    started = time.time()
    payload = {"iss": sso.issuer, "sub": "ada-admin"}

    for auth_time in (None, started - 600):
        with pytest.raises(Refused) as refused:
            backend._check_reauthentication({**payload, "auth_time": auth_time}, {"started_at": started})
        assert refused.value.refusal.code == "reauth_not_fresh"
    backend._check_reauthentication({**payload, "auth_time": int(started) + 1}, {"started_at": started})


def test_a_password_user_still_types_the_password(client, admin):
    client.force_login(admin)

    page = client.get(f"{reverse('reauth')}?next=/jobs/")

    assert page.status_code == 200
    assert "Confirm your password" in page.content.decode()


def test_signing_out_ends_the_session_here_and_at_the_provider(client, sign_in, at_provider, sso):
    sign_in("ada-admin")
    id_token = client.session[ID_TOKEN]

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{sso.issuer}/session/end?")
    assert query_of(end_session) == {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": "http://testserver/accounts/login/",
        "client_id": "console",
    }
    assert client.get(reverse("pools:list")).status_code == 302  # signed out here
    # At the provider: its confirmation form, then back to the console's login page.
    page = at_provider.http.get(end_session, timeout=10)
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)[1]
    done = at_provider.http.post(
        f"{sso.issuer}{action}" if action.startswith("/") else action,
        data={**form, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.headers["Location"] == "http://testserver/accounts/login/"
    # The provider's session is over: signing in asks for the login again.
    again = client.get("/oidc/authenticate/")
    with pytest.raises(AssertionError, match="asks who is signing in"):
        at_provider.visit(again["Location"], None)


def test_a_password_user_signs_out_here_only(client, admin, sso):
    client.force_login(admin)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
