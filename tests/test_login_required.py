"""Every page needs a signed-in user: anonymous requests go to the login page.

The URLs come from the project's URLconf itself, so a view added later joins this
test without anyone remembering to list it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import resolve, reverse

from tests.urls_helper import all_pages

# Only these may be seen without signing in (by URL name). Stated here on purpose, apart from
# the permission matrix: making a page public must change both.
# The single sign-on's start and callback are public: signing in is what they are for.
PUBLIC = {"login", "healthz", "readyz", "oidc_authentication_init", "oidc_authentication_callback"}

PROTECTED = [page for page in all_pages() if page.name not in PUBLIC]


def _assert_sent_to_login(response, url: str) -> None:
    assert response.status_code == 302, f"{url} answered {response.status_code} to an anonymous user"
    location = urlsplit(response.url)
    assert location.path == reverse("login")
    assert parse_qs(location.query)["next"] == [url]


def test_the_url_walk_finds_the_known_pages():
    names = {page.name for page in all_pages()}
    assert {"login", "logout", "reauth", "healthz", "readyz", "pools:list"} <= names


@pytest.mark.parametrize("page", PROTECTED, ids=lambda page: page.name)
def test_every_sample_url_resolves_to_its_own_view(page):
    assert resolve(page.url).view_name == page.name


@pytest.mark.django_db
@pytest.mark.parametrize("page", PROTECTED, ids=lambda page: page.name)
def test_an_anonymous_get_is_sent_to_the_login_page(client, page):
    _assert_sent_to_login(client.get(page.url), page.url)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PROTECTED, ids=lambda page: page.name)
def test_an_anonymous_post_is_sent_to_the_login_page(client, page):
    _assert_sent_to_login(client.post(page.url, {"confirm": "yes"}), page.url)


@pytest.mark.django_db
def test_the_login_page_is_open_to_anonymous_users(client):
    assert client.get(reverse("login")).status_code == 200
