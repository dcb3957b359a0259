"""The permission matrix: every URL, role and method gets exactly the answer MATRIX gives.

The URLs come from the URLconf (tests/urls_helper.py): a page added without a MATRIX entry
fails here, and the middleware refuses to serve it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from console.accounts.permissions import (
    LOGIN,
    MATRIX,
    METHODS,
    PUBLIC,
    is_public_somewhere,
    known_requirements,
    requirement,
)
from console.accounts.roles import ROLE_PERMISSIONS
from tests.urls_helper import all_pages

ROLES = ("anonymous", "viewer", "support", "admin")
PAGES = all_pages()

TO_LOGIN = "sent to the login page"
FORBIDDEN = "403"
NOT_ALLOWED = "405"
ALLOWED = "allowed"


def _expected(url_name: str, role: str, method: str) -> str:
    """The table read as a person would: public, else sign in first, else method, else role."""
    needed = requirement(url_name, method)
    if needed == PUBLIC:
        return ALLOWED
    if role == "anonymous" and not is_public_somewhere(url_name):
        return TO_LOGIN
    if needed is None:
        return NOT_ALLOWED
    if role == "anonymous":
        return TO_LOGIN
    if needed == LOGIN or needed in ROLE_PERMISSIONS[role]:
        return ALLOWED
    return FORBIDDEN


def _outcome(response) -> str:
    if response.status_code == 302:
        location = urlsplit(response.url)
        if location.path == reverse("login") and "next" in parse_qs(location.query):
            return TO_LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 405:
        return NOT_ALLOWED
    return ALLOWED


def _client_as(request, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def test_every_url_pattern_has_an_entry_in_the_matrix():
    missing = sorted({page.name for page in PAGES} - MATRIX.keys())

    assert missing == [], f"add these URL names to MATRIX in console/accounts/permissions.py: {missing}"


def test_every_entry_names_known_methods_and_requirements():
    for url_name, rule in MATRIX.items():
        assert rule, f"{url_name} allows no method at all"
        assert set(rule) <= set(METHODS), f"{url_name}: unknown method in {sorted(rule)}"
        unknown = set(rule.values()) - known_requirements()
        assert not unknown, f"{url_name}: {unknown} is neither public, login nor a permission codename"


def test_the_audit_pages_are_for_admins_only_and_read_only():
    assert MATRIX["audit:list"] == {"GET": "view_audit"}
    # A POST form, so that another site cannot start an export; it writes nothing but its own event.
    assert MATRIX["audit:export"] == {"POST": "view_audit"}
    assert [role for role, granted in ROLE_PERMISSIONS.items() if "view_audit" in granted] == ["admin"]


def test_downloads_need_the_permission_that_shows_developer_user_ids():
    # A merge's results are developer user ids and an export may hold them; the identity page
    # shows them only with lookup_identities, so the files follow the same rule.
    for name in ("jobs:results", "jobs:export_file"):
        assert MATRIX[name] == {"GET": "lookup_identities"}, name
    assert [role for role, granted in ROLE_PERMISSIONS.items() if "lookup_identities" in granted] == [
        "admin",
        "support",
    ]


def test_only_admins_start_an_inventory_sync():
    # A sync lists a whole pool at the account's ListIdentities quota: run_jobs, held by admins only.
    assert MATRIX["jobs:new_sync"] == {"POST": "run_jobs"}
    assert [role for role, granted in ROLE_PERMISSIONS.items() if "run_jobs" in granted] == ["admin"]


def test_every_role_sees_identity_counts_and_charts():
    # The pool page's counts and charts and the all-pools dashboard read only the inventory's
    # counts: every role with view_console sees them (starting a sync is another entry).
    assert MATRIX["pools:dashboard"] == {"GET": "view_console"}
    assert MATRIX["pools:detail"] == {"GET": "view_console"}
    assert {role for role, granted in ROLE_PERMISSIONS.items() if "view_console" in granted} == {
        "viewer",
        "support",
        "admin",
    }


def test_view_decorators_agree_with_the_matrix():
    # A view may keep `permission_required` as a second lock; it must say what the table says.
    for pattern_name, callback in _callbacks():
        decorated = getattr(callback, "required_permission", None)
        if decorated is not None:
            assert set(MATRIX[pattern_name].values()) == {decorated}, pattern_name
        if getattr(callback, "login_required", True) is False:
            assert is_public_somewhere(pattern_name), f"{pattern_name} is login_not_required but not public"


def _callbacks():
    by_url = {page.url: page.name for page in PAGES}
    resolver = get_resolver()
    for url, name in by_url.items():
        yield name, resolver.resolve(url).func


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_each_role_gets_what_the_matrix_says(request, redis_db, page, role, method):
    client = _client_as(request, role)

    if method == "GET":
        response = client.get(page.url)
    else:
        response = client.post(page.url, {"confirm": "yes"})

    expected = _expected(page.name, role, method)
    assert _outcome(response) == expected, (
        f"{role} {method} {page.url} ({page.name}): expected {expected}, got {response.status_code}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_head_gets_what_get_gets_on_every_page(request, redis_db, page, role):
    # The table says HEAD follows GET; the views must not answer 405 where GET is allowed.
    client = _client_as(request, role)

    head, get = client.head(page.url), client.get(page.url)

    assert _outcome(head) == _outcome(get), (
        f"{role} HEAD {page.url}: {head.status_code}, GET {get.status_code}"
    )
    assert not (b"".join(head.streaming_content) if head.streaming else head.content)


@pytest.mark.django_db
def test_head_follows_the_rule_for_get(client, viewer):
    client.force_login(viewer)

    assert client.head(reverse("audit:list")).status_code == 403
    assert client.head(reverse("login")).status_code != 403


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete", "options"])
def test_methods_the_table_does_not_list_are_405_with_the_allowed_ones_named(as_admin, method):
    response = getattr(as_admin, method)(reverse("pools:list"))

    assert response.status_code == 405
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_a_user_without_a_role_may_sign_out_but_not_read_pools(client, norole):
    client.force_login(norole)

    assert client.get(reverse("pools:list")).status_code == 403
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.django_db
@pytest.mark.urls("tests.security_urls")
def test_a_page_missing_from_the_matrix_is_a_server_error_in_debug(settings, as_admin):
    settings.DEBUG = True
    as_admin.raise_request_exception = False

    response = as_admin.get("/test/unlisted/")

    assert response.status_code == 500
    assert b"served a page" not in response.content


@pytest.mark.django_db
@pytest.mark.urls("tests.security_urls")
def test_a_page_missing_from_the_matrix_is_refused_in_production(settings, as_admin, caplog):
    settings.DEBUG = False

    response = as_admin.get("/test/unlisted/")

    assert response.status_code == 403
    assert b"served a page" not in response.content
    assert "'test-unlisted' has no entry in MATRIX" in caplog.text


@pytest.mark.django_db
@pytest.mark.urls("tests.security_urls")
def test_an_anonymous_visitor_of_an_unlisted_page_learns_nothing_either(settings, client):
    settings.DEBUG = False

    assert client.get("/test/unlisted/").status_code == 403
