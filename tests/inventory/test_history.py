"""Daily counts kept as history: each complete sync writes its day's totals and the created and
gone counts of the days since the previous sync (the first sync: 90 days of creations)."""

from __future__ import annotations

import datetime as dt

import pytest

from console.inventory import queries, store
from tests.inventory.helpers import FACEBOOK, POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
FIRST_SYNC = T0 + 10 * DAY


def _by_day(pool_id: str, today: dt.date) -> dict[dt.date, queries.DailyCounts]:
    return {row.day: row for row in queries.history(pool_id, today=today)}


def test_the_first_sync_fills_creations_of_the_last_90_days_and_its_days_totals():
    identities = [listed(n, [FACEBOOK] if n == 1 else [], created=T0 + (n % 3) * DAY) for n in range(1, 10)]
    identities.append(listed(10, created=T0 - 200 * DAY))  # older than the chart's window

    sync(POOL, identities, at=FIRST_SYNC, enabled=identities[1:])

    days = _by_day(POOL, FIRST_SYNC.date())
    assert len(days) == 90
    assert [days[T0.date() + offset * DAY].created for offset in range(3)] == [3, 3, 3]
    today = days[FIRST_SYNC.date()]
    assert (today.total, today.guests, today.disabled, today.providers) == (10, 9, 1, {FACEBOOK: 1})
    assert days[T0.date()].total is None  # no sync that day


def test_a_later_sync_fills_gone_and_created_of_the_days_since_the_previous_one():
    sync(POOL, [listed(n) for n in range(1, 6)], at=FIRST_SYNC)
    store.mark_gone([identity_id(1)], how="deleted", at=FIRST_SYNC + DAY)
    registered = listed(6, created=FIRST_SYNC + DAY)
    store.add_identities(POOL, [registered], at=FIRST_SYNC + DAY)
    # Created and deleted between two syncs: still counted as created that day.
    store.add_identities(POOL, [listed(7, created=FIRST_SYNC + DAY)], at=FIRST_SYNC + DAY)
    store.mark_gone([identity_id(7)], how="deleted", at=FIRST_SYNC + 2 * DAY)

    sync(POOL, [listed(2), listed(3), listed(4), registered], at=FIRST_SYNC + 3 * DAY)

    days = _by_day(POOL, (FIRST_SYNC + 3 * DAY).date())
    assert days[(FIRST_SYNC + DAY).date()].gone == 1
    assert days[(FIRST_SYNC + DAY).date()].created == 2
    assert days[(FIRST_SYNC + 2 * DAY).date()].gone == 1
    assert days[(FIRST_SYNC + 3 * DAY).date()].gone == 1  # identity 5, not listed
    assert days[(FIRST_SYNC + 3 * DAY).date()].total == 4
    assert days[(FIRST_SYNC + 2 * DAY).date()].total is None
    assert days[FIRST_SYNC.date()].total == 5  # the previous sync's day keeps its totals


def test_history_is_oldest_first_and_limited_to_the_days_asked():
    sync(POOL, [listed(1)], at=FIRST_SYNC)

    rows = queries.history(POOL, days=7, today=FIRST_SYNC.date())

    assert [row.day for row in rows] == [FIRST_SYNC.date() - offset * DAY for offset in range(6, -1, -1)]
