"""A sync's pages: every listed identity stored once, re-listing updates it, and gone is marked
only at the end of a complete sync."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from console.inventory import queries, store
from console.inventory.models import InventoryIdentity, InventoryLogin
from tests.inventory.helpers import FACEBOOK, GOOGLE, POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_every_listed_identity_is_stored_once_with_its_pool_dates_and_providers():
    identities = [listed(n, [FACEBOOK] if n % 2 else []) for n in range(1, 151)]
    started = store.begin_sync(POOL, started_at=T0)
    for start in range(0, 150, 60):
        store.record_page(POOL, identities[start : start + 60], seen_at=T0, sync_started=started)
    # A page listed twice (a walk step redone after a worker's death) changes nothing.
    store.record_page(POOL, identities[60:120], seen_at=T0, sync_started=started)

    assert InventoryIdentity.objects.count() == 150
    third = queries.pool_of(identity_id(3))
    assert third.pool_id == POOL and third.region == "us-east-1"
    assert third.created == T0 + dt.timedelta(minutes=3)
    assert third.providers == (FACEBOOK,) and not third.guest
    assert third.first_seen == third.last_seen == T0
    assert queries.pool_of(identity_id(4)).guest
    assert InventoryLogin.objects.count() == 75


def test_relisting_updates_last_seen_modified_and_providers_but_not_first_seen():
    sync(POOL, [listed(1, [FACEBOOK])], at=T0)
    later = T0 + DAY
    relisted = listed(1, [GOOGLE, FACEBOOK], created=T0 + dt.timedelta(minutes=1), modified=later)

    sync(POOL, [relisted], at=later)

    found = queries.pool_of(identity_id(1))
    assert found.first_seen == T0 and found.last_seen == later
    assert found.modified == later
    assert found.providers == (GOOGLE, FACEBOOK)  # sorted
    assert queries.stats(POOL).providers == {FACEBOOK: 1, GOOGLE: 1}
    assert queries.search(POOL, queries.Filters(provider=GOOGLE)).identities[0].modified == later


def test_a_page_is_written_inside_the_callers_transaction():
    started = store.begin_sync(POOL, started_at=T0)

    with pytest.raises(RuntimeError), transaction.atomic():
        store.record_page(POOL, [listed(1, [FACEBOOK])], seen_at=T0, sync_started=started)
        raise RuntimeError("the walk lost its lease: the page and its cursor are not committed")

    assert not InventoryIdentity.objects.exists()
    assert not InventoryLogin.objects.exists()
    assert queries.stats(POOL).total == 0


def test_identities_not_listed_are_marked_gone_only_when_the_sync_completes():
    sync(POOL, [listed(n) for n in range(1, 11)], at=T0)
    started = store.begin_sync(POOL, started_at=T0 + DAY)
    store.record_page(POOL, [listed(n) for n in range(1, 6)], seen_at=T0 + DAY, sync_started=started)

    assert queries.pool_of(identity_id(9)).gone is None  # the walk has not finished
    store.abandon_sync(POOL)  # a cancelled sync marks nothing
    assert queries.pool_of(identity_id(9)).gone is None

    started = store.begin_sync(POOL, started_at=T0 + 2 * DAY)
    store.record_page(POOL, [listed(n) for n in range(1, 6)], seen_at=T0 + 2 * DAY, sync_started=started)
    finished = store.finish_sync(POOL, started, disabled_checked=False, finished_at=T0 + 2 * DAY, job_id=42)

    assert finished.marked_gone == 5
    gone = queries.pool_of(identity_id(9)).gone
    assert gone == queries.Gone(T0 + 2 * DAY, "sync", 42, None)
    assert queries.pool_of(identity_id(5)).gone is None
    assert queries.stats(POOL).total == 5


def test_an_identity_the_console_added_during_a_sync_is_not_marked_gone():
    started = store.begin_sync(POOL, started_at=T0)
    store.record_page(POOL, [listed(1)], seen_at=T0, sync_started=started)
    store.add_identities(POOL, [listed(2)], at=T0 + dt.timedelta(minutes=5))  # after the walk passed

    store.finish_sync(POOL, started, disabled_checked=False, finished_at=T0 + dt.timedelta(minutes=10))

    assert queries.pool_of(identity_id(2)).gone is None
    assert queries.stats(POOL).total == 2


def test_an_identity_listed_again_after_a_gone_mark_is_live_again():
    sync(POOL, [listed(1, [FACEBOOK]), listed(2)], at=T0)
    sync(POOL, [listed(2)], at=T0 + DAY)
    assert queries.pool_of(identity_id(1)).gone is not None

    sync(POOL, [listed(1, [FACEBOOK]), listed(2)], at=T0 + 2 * DAY)

    assert queries.pool_of(identity_id(1)).gone is None
    assert queries.stats(POOL).providers == {FACEBOOK: 1}
    assert [
        each.identity_id for each in queries.search(POOL, queries.Filters(provider=FACEBOOK)).identities
    ] == [identity_id(1)]


def test_a_listing_older_than_a_console_delete_does_not_revive_the_identity():
    sync(POOL, [listed(1, [FACEBOOK])], at=T0)
    started = store.begin_sync(POOL, started_at=T0 + DAY)
    # The page was asked for before the delete, and is written after it.
    store.mark_gone([identity_id(1)], how="deleted", at=T0 + DAY + dt.timedelta(seconds=1), event_id=8)
    store.record_page(POOL, [listed(1, [FACEBOOK])], seen_at=T0 + DAY, sync_started=started)
    store.finish_sync(POOL, started, disabled_checked=False, finished_at=T0 + DAY + dt.timedelta(minutes=1))

    gone = queries.pool_of(identity_id(1)).gone
    assert (gone.how, gone.event_id) == ("deleted", 8)
    assert queries.stats(POOL).total == 0
    assert not InventoryLogin.objects.exists()
