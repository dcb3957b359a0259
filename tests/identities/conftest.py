"""Helpers for the identity pages: identities made through the embedded service, pages parsed.

Lookups ask several pools at once on worker threads, which open their own database
connections and so cannot see a test's uncommitted rows: these tests run them one at a time
(LOOKUP_WORKERS=1), and the tests of the threads themselves use a transactional database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from tests.cognito import AUTH_ROLE, DEVELOPER, UNAUTH_ROLE


@pytest.fixture(autouse=True)
def _lookups_in_the_test_thread(settings):
    settings.LOOKUP_WORKERS = 1


@pytest.fixture(autouse=True)
def _no_cached_pool_lists():
    # The lookup keeps each region's pool list for a minute; every test starts without one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def guests(cognito) -> Callable[[str, int], list[str]]:
    """guests(pool_id, n): n new guest identities of the pool, in creation order."""

    def make(pool_id: str, count: int) -> list[str]:
        return [cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(count)]

    return make


@pytest.fixture
def developer_user(cognito) -> Callable[..., str]:
    """developer_user(pool_id, user): the identity of a developer user, registered if new."""

    def register(
        pool_id: str, user: str, provider: str = DEVELOPER, client: Any = None, **params: Any
    ) -> str:
        client = client or cognito
        return client.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={provider: user}, **params
        )["IdentityId"]

    return register


@pytest.fixture
def with_roles(cognito) -> Callable[..., None]:
    def give(pool_id: str, **extra: Any) -> None:
        cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
            **extra,
        )

    return give


def identity_ids_shown(html: str) -> list[str]:
    return re.findall(r'<tr data-identity-id="([^"]+)"', html)


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)" rel="{rel}"', html)
    return match and match.group(1).replace("&amp;", "&")


def link_named(html: str, text: str) -> str | None:
    match = re.search(rf'<a href="([^"]*)"[^>]*>{re.escape(text)}</a>', html)
    return match and match.group(1).replace("&amp;", "&")
