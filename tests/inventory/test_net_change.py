"""Net change per pool over a window: identities created less identities gone, from the daily rows
(the dashboard's growth), known from a pool's first sync."""

from __future__ import annotations

import datetime as dt

import pytest

from console.inventory import queries, store
from tests.inventory.helpers import OTHER_POOL, POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
SYNCED = T0 + 40 * DAY


def test_one_sync_is_enough_to_know_the_growth_of_the_last_days():
    # 5 created 35 days before the sync, 3 created in the last 30 days.
    identities = [listed(n, created=T0 + 5 * DAY) for n in range(1, 6)]
    identities += [listed(n, created=T0 + 20 * DAY) for n in range(6, 9)]
    sync(POOL, identities, at=SYNCED)

    assert queries.net_change([POOL], days=30, today=SYNCED.date()) == {POOL: 3}


def test_identities_gone_in_the_window_count_against_it():
    sync(POOL, [listed(n, created=T0 + 20 * DAY) for n in range(1, 5)], at=SYNCED)
    store.mark_gone([identity_id(1)], how="deleted", at=SYNCED + DAY)
    sync(POOL, [listed(n, created=T0 + 20 * DAY) for n in range(2, 4)], at=SYNCED + 2 * DAY)

    # Created 4; gone 2 (one deleted through the console, one no longer listed).
    assert queries.net_change([POOL], days=30, today=(SYNCED + 2 * DAY).date()) == {POOL: 2}


def test_pools_without_rows_in_the_window_are_left_out():
    sync(POOL, [listed(1, created=T0)], at=SYNCED)

    assert queries.net_change([POOL, OTHER_POOL], days=30, today=(SYNCED + 100 * DAY).date()) == {}
