"""Which pool an identity is in, from the inventory: known, known gone, or unknown."""

from __future__ import annotations

import datetime as dt

import pytest

from console.inventory import queries, store
from tests.inventory.helpers import OTHER_POOL, POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db


def test_a_listed_identity_is_found_in_its_pool_with_no_call_per_pool():
    sync(POOL, [listed(1)], at=T0)
    sync(OTHER_POOL, [listed(2)], at=T0)

    assert queries.pool_of(identity_id(2)).pool_id == OTHER_POOL
    assert queries.pool_of(identity_id(2)).gone is None


def test_an_identity_never_listed_is_unknown():
    assert queries.pool_of(identity_id(5)) is None


def test_a_gone_identity_keeps_its_pool_and_says_when_and_how():
    sync(POOL, [listed(1)], at=T0)
    store.mark_gone([identity_id(1)], how="deleted", at=T0 + dt.timedelta(hours=1), event_id=12)

    found = queries.pool_of(identity_id(1))

    assert found.pool_id == POOL
    assert found.gone == queries.Gone(T0 + dt.timedelta(hours=1), "deleted", None, 12)


def test_many_ids_are_looked_up_at_once_for_a_bulk_delete_check(django_assert_max_num_queries):
    sync(POOL, [listed(n) for n in range(1, 30)], at=T0)
    sync(OTHER_POOL, [listed(n) for n in range(30, 40)], at=T0)
    asked = [identity_id(n) for n in range(1, 50)]

    with django_assert_max_num_queries(3):
        found = queries.pools_of(asked, batch=20)

    assert {each.pool_id for each in found.values()} == {POOL, OTHER_POOL}
    assert sorted(found) == sorted(identity_id(n) for n in range(1, 40))
