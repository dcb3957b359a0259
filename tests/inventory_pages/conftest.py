"""Pages over the inventory: a pool's inventory filled through the store, calls to Cognito counted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.cache import cache

from tests.identities.conftest import developer_user, guests  # noqa: F401 (fixtures)
from tests.inventory.helpers import FACEBOOK, GOOGLE, T0, listed, sync

SYNCED_AT = dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _one_thread_and_no_cached_pools(settings):
    settings.LOOKUP_WORKERS = 1
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def inventoried(pool_id) -> Callable[..., list[str]]:
    """inventoried(): the pool synced with ten identities (ids of numbers 1..10), returned in
    creation order: 1-4 guests, 5-7 Facebook, 8-9 Google, 10 both; modified a day after creation
    for the even ones; 3 and 6 disabled."""

    def fill() -> list[str]:
        identities = []
        for number in range(1, 11):
            logins = (
                ()
                if number <= 4
                else (FACEBOOK,)
                if number <= 7
                else (GOOGLE,)
                if number <= 9
                else (FACEBOOK, GOOGLE)
            )
            created = T0 + dt.timedelta(days=number)
            modified = created + dt.timedelta(days=1 if number % 2 == 0 else 0)
            identities.append(listed(number, logins, created, modified))
        enabled = [each for number, each in enumerate(identities, 1) if number not in (3, 6)]
        sync(pool_id, identities, at=SYNCED_AT, enabled=enabled)
        return [each.identity_id for each in identities]

    return fill
