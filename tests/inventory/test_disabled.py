"""The sync's disabled option: identities listed by the first walk but not by the HideDisabled
walk are disabled; without that walk, disabled stays unknown."""

from __future__ import annotations

import datetime as dt

import pytest

from console.inventory import queries, store
from tests.inventory.helpers import POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db


def test_identities_missing_from_the_hide_disabled_walk_are_marked_disabled():
    identities = [listed(n) for n in range(1, 131)]
    enabled = [each for n, each in enumerate(identities, start=1) if n % 10]

    sync(POOL, identities, at=T0, enabled=enabled)

    assert queries.pool_of(identity_id(10)).disabled is True
    assert queries.pool_of(identity_id(11)).disabled is False
    assert queries.stats(POOL).disabled == 13
    assert queries.stats(POOL).disabled_as_of == T0 + dt.timedelta(minutes=1)


def test_disabled_stays_unknown_without_the_hide_disabled_walk():
    sync(POOL, [listed(1), listed(2)], at=T0)

    assert queries.stats(POOL).disabled is None
    assert queries.pool_of(identity_id(1)).disabled is None


def test_an_identity_created_between_the_two_walks_is_enabled():
    started = store.begin_sync(POOL, started_at=T0)
    store.record_page(POOL, [listed(1)], seen_at=T0, sync_started=started)
    store.record_enabled_page(POOL, [listed(1), listed(2)], seen_at=T0, sync_started=started)
    store.finish_sync(POOL, started, disabled_checked=True, finished_at=T0 + dt.timedelta(minutes=1))

    assert queries.pool_of(identity_id(2)).disabled is False
    assert queries.stats(POOL).total == 2
    assert queries.stats(POOL).disabled == 0


def test_an_identity_enabled_again_is_no_longer_disabled():
    sync(POOL, [listed(1), listed(2)], at=T0, enabled=[listed(2)])
    assert queries.pool_of(identity_id(1)).disabled is True

    sync(POOL, [listed(1), listed(2)], at=T0 + dt.timedelta(days=1), enabled=[listed(1), listed(2)])

    assert queries.pool_of(identity_id(1)).disabled is False
    assert queries.stats(POOL).disabled == 0


def test_a_later_sync_without_the_walk_keeps_what_is_known():
    sync(POOL, [listed(1), listed(2)], at=T0, enabled=[listed(2)])

    sync(POOL, [listed(1), listed(2), listed(3)], at=T0 + dt.timedelta(days=1))

    assert queries.pool_of(identity_id(1)).disabled is True
    assert queries.pool_of(identity_id(3)).disabled is None
    assert queries.stats(POOL).disabled == 1
    assert queries.stats(POOL).disabled_as_of == T0 + dt.timedelta(minutes=1)
