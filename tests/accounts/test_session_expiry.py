"""A session that ends while a page is open: htmx requests lead to the login page for that page,
and a change sent after the end is never replayed; the user is told it was not saved."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit:list")
LOGIN = reverse("login")


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_an_htmx_get_after_the_session_ended_redirects_the_page_to_login_for_that_page(client):
    response = client.get(
        f"{AUDIT}?older_than=123-4",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/audit/?operation=TagResource",
    )

    assert response.status_code == 200
    target = response["HX-Redirect"]
    assert urlsplit(target).path == LOGIN
    assert _query(target) == {"next": ["/audit/?operation=TagResource"]}


def test_an_htmx_post_after_the_session_ended_is_not_replayed_and_says_so(client):
    response = client.post(
        reverse("reauth"),
        {"password": "x"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/audit/",
    )

    target = response["HX-Redirect"]
    assert _query(target) == {"next": ["/audit/"], "unsaved": ["1"]}
    page = client.get(target).content.decode()
    assert 'data-testid="unsaved"' in page
    assert '<input type="hidden" name="unsaved" value="1">' in page


def test_a_plain_form_post_after_the_session_ended_returns_to_the_page_that_sent_it(client):
    response = client.post(
        reverse("reauth"), {"password": "x"}, HTTP_REFERER="http://testserver/audit/?user=x"
    )

    assert response.status_code == 302
    assert _query(response["Location"]) == {"next": ["/audit/?user=x"], "unsaved": ["1"]}


def test_a_page_address_from_another_site_is_never_the_next_page(client):
    response = client.get(AUDIT, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/steal")

    assert _query(response["HX-Redirect"]) == {"next": ["/"]}


def test_signing_in_after_an_unsaved_change_lands_on_the_page_with_a_warning(viewer):
    client = Client()

    response = client.post(
        LOGIN,
        {"username": viewer.username, "password": PASSWORD, "next": "/", "unsaved": "1"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert "it was not saved" in html
    assert "Make the change again." in html


def test_signing_in_normally_shows_no_unsaved_warning(viewer):
    response = Client().post(
        LOGIN, {"username": viewer.username, "password": PASSWORD, "next": "/"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/"
    assert "not saved" not in response.content.decode()
    assert "Identity pools" in response.content.decode()
