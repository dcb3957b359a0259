"""The browser's filters and sorts, alone and combined, against a brute-force filter in Python
over the same identities (many sharing a creation time, some gone, some disabled)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.inventory import queries, store
from console.inventory.queries import Filters, Sort
from console.inventory.store import ListedIdentity
from tests.inventory.helpers import DEVELOPER, FACEBOOK, GOOGLE, POOL, REGION, T0, sync

pytestmark = pytest.mark.django_db

PROVIDERS = (FACEBOOK, GOOGLE, DEVELOPER)
HOURS = [T0 + dt.timedelta(hours=hour) for hour in range(0, 80, 4)]


@dataclass(frozen=True)
class Expected:
    identity_id: str
    providers: frozenset[str]
    created: dt.datetime
    modified: dt.datetime
    disabled: bool | None


def _identities(rng: random.Random, count: int) -> list[ListedIdentity]:
    made = []
    for _ in range(count):
        created = T0 + dt.timedelta(hours=rng.randint(0, 40))  # few distinct times: many ties
        logins = tuple(provider for provider in PROVIDERS if rng.random() < 0.3)
        made.append(
            ListedIdentity(
                f"{REGION}:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                logins,
                created,
                created + dt.timedelta(hours=rng.randint(0, 3) * 12),
            )
        )
    return made


@pytest.fixture
def pool_rows() -> list[Expected]:
    """A pool synced twice (the second time with its HideDisabled walk, some identities gone),
    then given identities by the console; what the inventory should hold of it."""
    rng = random.Random(21)
    first = _identities(rng, 160)
    sync(POOL, first, at=T0 + dt.timedelta(days=5))
    kept = [each for each in first if rng.random() < 0.85]
    enabled = [each for each in kept if rng.random() < 0.8]
    sync(POOL, kept, at=T0 + dt.timedelta(days=6), enabled=enabled)
    added = _identities(rng, 15)
    store.add_identities(POOL, added, at=T0 + dt.timedelta(days=7))
    enabled_ids = {each.identity_id for each in enabled}
    return [
        Expected(
            each.identity_id,
            frozenset(each.logins),
            each.created,
            each.modified,
            (each.identity_id not in enabled_ids) if each in kept else None,
        )
        for each in [*kept, *added]
    ]


def _brute_force(rows: list[Expected], filters: Filters, sort: Sort) -> list[str]:
    def matches(row: Expected) -> bool:
        return (
            (filters.provider is None or filters.provider in row.providers)
            and (filters.guests is None or filters.guests == (not row.providers))
            and (filters.created_from is None or row.created >= filters.created_from)
            and (filters.created_before is None or row.created < filters.created_before)
            and (filters.modified_from is None or row.modified >= filters.modified_from)
            and (filters.modified_before is None or row.modified < filters.modified_before)
            and (filters.disabled is None or row.disabled is filters.disabled)
            and (not filters.id_contains or filters.id_contains.lower() in row.identity_id)
        )

    found = [row for row in rows if matches(row)]
    found.sort(key=lambda row: (getattr(row, sort.column), row.identity_id), reverse=sort.descending)
    return [row.identity_id for row in found]


times = st.none() | st.sampled_from(HOURS)
filters = st.builds(
    Filters,
    provider=st.none() | st.sampled_from([*PROVIDERS, "unknown.example.com"]),
    guests=st.none() | st.just(False),
    created_from=times,
    created_before=times,
    modified_from=times,
    modified_before=times,
    disabled=st.none() | st.booleans(),
    id_contains=st.none() | st.text("0123456789abcdefABCDEF-", min_size=1, max_size=3),
) | st.builds(Filters, guests=st.just(True), created_before=times, disabled=st.none() | st.booleans())
relaxed = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@relaxed
@given(filters=filters, sort=st.sampled_from(Sort), limit=st.integers(1, 40))
def test_every_filter_and_combination_matches_the_brute_force_listing(pool_rows, filters, sort, limit):
    expected = _brute_force(pool_rows, filters, sort)

    pages, cursor = [], None
    for _ in range(len(pool_rows) + 2):  # bounded: a cursor that does not advance fails, not hangs
        page = queries.search(POOL, filters, sort, cursor, limit=limit)
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert [each.identity_id for page in pages for each in page.identities] == expected
    assert pages[0].matches == len(expected)
    assert all(len(page.identities) == limit for page in pages[:-1])


@relaxed
@given(filters=filters, sort=st.sampled_from(Sort))
def test_iterating_all_matches_gives_the_brute_force_listing(pool_rows, filters, sort):
    found = [each.identity_id for each in queries.iterate_matches(POOL, filters, sort, batch=7)]

    assert found == _brute_force(pool_rows, filters, sort)


def test_a_provider_and_guests_together_are_refused():
    with pytest.raises(ValueError, match="not a guest"):
        Filters(provider=FACEBOOK, guests=True)
