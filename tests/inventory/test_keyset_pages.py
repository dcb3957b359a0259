"""Keyset pages: no identity repeated or skipped across pages, ties included, even when the
pool changes between two pages; cursors are checked."""

from __future__ import annotations

import datetime as dt

import pytest

from console.inventory import queries, store
from console.inventory.queries import Filters, InvalidCursor, Sort
from tests.inventory.helpers import POOL, T0, identity_id, listed, sync

pytestmark = pytest.mark.django_db


def _all_pages(sort: Sort, limit: int, filters: Filters = Filters()) -> list[list[str]]:
    pages, cursor = [], None
    for _ in range(1000):
        page = queries.search(POOL, filters, sort, cursor, limit=limit)
        pages.append([each.identity_id for each in page.identities])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
    raise AssertionError("the cursor does not advance")


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_pages_cover_every_match_once_in_order_when_all_share_a_time(sort, limit):
    # Three creation times for 50 identities: the identity id settles every tie.
    sync(
        POOL,
        [listed(n, created=T0 + dt.timedelta(hours=n % 3)) for n in range(1, 51)],
        at=T0 + dt.timedelta(days=1),
    )

    pages = _all_pages(sort, limit)

    flat = [each for page in pages for each in page]
    expected = sorted(
        (identity_id(n) for n in range(1, 51)),
        key=lambda each: (int(each[-12:], 16) % 3, each),
        reverse=sort.descending,
    )
    assert flat == expected
    assert all(len(page) == limit for page in pages[:-1])


@pytest.mark.parametrize("sort", list(Sort))
@pytest.mark.parametrize("limit", [1, 3, 7])
def test_previous_cursors_walk_back_through_exactly_the_same_pages_ties_included(sort, limit):
    sync(
        POOL,
        [listed(n, created=T0 + dt.timedelta(hours=n % 3)) for n in range(1, 24)],
        at=T0 + dt.timedelta(days=1),
    )
    forward = _all_pages(sort, limit)
    last_cursor = None
    for _ in forward[:-1]:
        last_cursor = queries.search(POOL, sort=sort, after=last_cursor, limit=limit).next_cursor
    page = queries.search(POOL, sort=sort, after=last_cursor, limit=limit)

    backward = [[each.identity_id for each in page.identities]]
    while page.previous_cursor:
        page = queries.search(POOL, sort=sort, before=page.previous_cursor, limit=limit)
        backward.append([each.identity_id for each in page.identities])
        # A page reached backwards leads forward again to the page it came from.
        following = queries.search(POOL, sort=sort, after=page.next_cursor, limit=limit)
        assert [each.identity_id for each in following.identities] == backward[-2]

    assert backward == forward[::-1]


def test_previous_with_less_than_a_page_before_is_the_whole_first_page():
    sync(POOL, [listed(n) for n in range(1, 21)], at=T0 + dt.timedelta(days=1))
    third = queries.search(
        POOL, sort=Sort.CREATED, limit=10, after=queries.search(POOL, sort=Sort.CREATED, limit=3).next_cursor
    )
    assert third.identities[0].identity_id == identity_id(4)

    back = queries.search(POOL, sort=Sort.CREATED, before=third.previous_cursor, limit=10)

    assert [each.identity_id for each in back.identities] == [identity_id(n) for n in range(1, 11)]
    assert back.previous_cursor is None
    assert queries.search(POOL, sort=Sort.CREATED, limit=10).previous_cursor is None


def test_a_page_after_changes_continues_where_the_previous_one_ended():
    sync(POOL, [listed(n) for n in range(1, 21)], at=T0 + dt.timedelta(days=1))
    first = queries.search(POOL, sort=Sort.CREATED, limit=10)
    # Before the next page: an identity is added before the cursor, one after it is deleted.
    store.add_identities(POOL, [listed(0)], at=T0 + dt.timedelta(days=2))
    store.mark_gone([identity_id(15)], how="deleted", at=T0 + dt.timedelta(days=2))

    second = queries.search(POOL, sort=Sort.CREATED, after=first.next_cursor, limit=10)

    assert [each.identity_id for each in second.identities] == [
        identity_id(n) for n in range(11, 21) if n != 15
    ]
    assert second.next_cursor is None
    assert second.matches == 20


def test_a_cursor_of_another_sort_or_edited_by_hand_is_refused():
    sync(POOL, [listed(n) for n in range(1, 5)], at=T0 + dt.timedelta(days=1))
    cursor = queries.search(POOL, sort=Sort.CREATED, limit=2).next_cursor

    with pytest.raises(InvalidCursor):
        queries.search(POOL, sort=Sort.MODIFIED, after=cursor)
    with pytest.raises(InvalidCursor):
        queries.search(POOL, sort=Sort.CREATED, after=cursor[:-3] + "!!x")
    with pytest.raises(InvalidCursor):
        queries.search(POOL, sort=Sort.CREATED, after="bm90IGpzb24")
    with pytest.raises(InvalidCursor):
        queries.search(POOL, sort=Sort.MODIFIED, before=cursor)


def test_a_cursor_is_safe_in_a_url():
    sync(POOL, [listed(n) for n in range(1, 5)], at=T0 + dt.timedelta(days=1))

    cursor = queries.search(POOL, limit=1).next_cursor

    assert cursor.replace("-", "").replace("_", "").isalnum()


def test_iterating_every_match_reads_in_batches_without_repeats():
    sync(POOL, [listed(n, created=T0) for n in range(1, 26)], at=T0 + dt.timedelta(days=1))

    found = [each.identity_id for each in queries.iterate_matches(POOL, batch=4)]

    assert found == sorted(identity_id(n) for n in range(1, 26))
