"""Signing in and out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.conftest import PASSWORD

# Nothing these pages log (at DEBUG) may hold a credential or the password typed.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

LOGIN = reverse("login")
LOGOUT = reverse("logout")


def test_the_login_page_shows_a_username_and_password_form(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'type="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_good_credentials_sign_in_and_open_the_pools_page(client, viewer):
    response = client.post(LOGIN, {"username": viewer.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("pools:list")
    assert client.session[SESSION_KEY] == str(viewer.pk)


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client, viewer):
    response = client.post(LOGIN, {"username": viewer.username, "password": "not-the-password"})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert SESSION_KEY not in client.session


def test_an_unknown_user_gets_the_same_error_as_a_wrong_password(client):
    response = client.post(LOGIN, {"username": "nobody-here", "password": PASSWORD})

    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_an_inactive_user_cannot_sign_in(client, viewer):
    viewer.is_active = False
    viewer.save()

    response = client.post(LOGIN, {"username": viewer.username, "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_signing_in_returns_to_the_page_asked_for(client, viewer):
    response = client.post(LOGIN, {"username": viewer.username, "password": PASSWORD, "next": "/?token=abc"})

    assert response.url == "/?token=abc"


def test_the_login_form_carries_next_through_to_the_post(client):
    response = client.get(LOGIN, {"next": "/?token=abc"})

    assert b'name="next" value="/?token=abc"' in response.content


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_signing_in_never_redirects_to_another_site(client, viewer, target):
    response = client.post(LOGIN, {"username": viewer.username, "password": PASSWORD, "next": target})

    assert response.url == reverse("pools:list")


def test_a_signed_in_user_opening_the_login_page_goes_to_the_pools_page(as_viewer):
    response = as_viewer.get(LOGIN)

    assert response.status_code == 302
    assert response.url == reverse("pools:list")


def test_logout_is_post_only(as_viewer):
    response = as_viewer.get(LOGOUT)

    assert response.status_code == 405
    assert SESSION_KEY in as_viewer.session


def test_logout_ends_the_session_and_shows_the_login_page(as_viewer):
    response = as_viewer.post(LOGOUT)

    assert response.status_code == 302
    assert response.url == LOGIN
    assert SESSION_KEY not in as_viewer.session
    assert as_viewer.get(reverse("pools:list")).status_code == 302


def test_an_htmx_request_whose_session_ended_loads_the_login_page_as_a_whole_page(client):
    # htmx follows the redirect to the login page; swapping that into a table would be wrong.
    response = client.get(reverse("pools:list"), {"token": "abc"}, HTTP_HX_REQUEST="true", follow=True)

    assert response.status_code == 200
    target = urlsplit(response["HX-Redirect"])
    assert target.path == LOGIN
    assert parse_qs(target.query)["next"] == ["/?token=abc"]
    assert b"<form" not in response.content
