"""The console's own writes between syncs: deletes and merges mark identities gone at once with
what did it, registrations add them; counts and filters follow without a sync."""

from __future__ import annotations

import datetime as dt

import pytest

from console.inventory import queries, store
from console.inventory.models import GoneHow
from tests.inventory.helpers import FACEBOOK, OTHER_POOL, POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db

LATER = T0 + dt.timedelta(hours=3)


def test_deleted_identities_are_gone_at_once_with_their_audit_event_and_leave_the_counts():
    sync(
        POOL, [listed(1, [FACEBOOK]), listed(2), listed(3)], at=T0, enabled=[listed(1, [FACEBOOK]), listed(2)]
    )

    marked = store.mark_gone([identity_id(1), identity_id(3)], how=GoneHow.DELETED, at=LATER, event_id=501)

    assert marked == 2
    assert queries.pool_of(identity_id(1)).gone == queries.Gone(LATER, "deleted", None, 501)
    stats = queries.stats(POOL)
    assert (stats.total, stats.guests, stats.disabled, stats.providers) == (1, 1, 0, {})
    assert queries.search(POOL, queries.Filters(provider=FACEBOOK)).identities == ()
    assert [each.identity_id for each in queries.search(POOL).identities] == [identity_id(2)]


def test_merged_away_identities_record_the_job():
    sync(POOL, [listed(1), listed(2)], at=T0)

    store.mark_gone([identity_id(2)], how="merged", at=LATER, job_id=77)

    assert queries.pool_of(identity_id(2)).gone == queries.Gone(LATER, "merged", 77, None)


def test_ids_unknown_or_already_gone_are_left_as_they_are():
    sync(POOL, [listed(1), listed(2)], at=T0)
    store.mark_gone([identity_id(2)], how="deleted", at=LATER, event_id=1)

    marked = store.mark_gone(
        [identity_id(2), identity_id(99)], how="deleted", at=LATER + dt.timedelta(hours=1), event_id=2
    )

    assert marked == 0
    assert queries.pool_of(identity_id(2)).gone.event_id == 1
    assert queries.pool_of(identity_id(99)) is None
    assert queries.stats(POOL).total == 1


def test_identities_the_console_creates_are_counted_before_any_sync():
    written = store.add_identities(POOL, [listed(1, [FACEBOOK]), listed(2)], at=LATER)

    assert written == store.Written(new=2, revived=0)
    stats = queries.stats(POOL)
    assert (stats.total, stats.guests, stats.providers, stats.as_of) == (2, 1, {FACEBOOK: 1}, None)
    assert queries.pool_of(identity_id(1)).pool_id == POOL


def test_adding_a_known_identity_again_does_not_count_it_twice():
    sync(POOL, [listed(1)], at=T0)

    store.add_identities(POOL, [listed(1)], at=LATER)

    assert queries.stats(POOL).total == 1


def test_deletes_across_pools_leave_each_pools_counts():
    sync(POOL, [listed(1), listed(2)], at=T0)
    sync(OTHER_POOL, [listed(3), listed(4)], at=T0)

    store.mark_gone([identity_id(1), identity_id(3), identity_id(4)], how="deleted", at=LATER, job_id=9)

    assert queries.stats(POOL).total == 1
    assert queries.stats(OTHER_POOL).total == 0
