"""A pool's counts: identities not gone, kept by every write equal to a recount, as of the last
complete sync; the matches' count from them; the dashboard's ranking."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import Q

from console.inventory import queries, store
from console.inventory.models import InventoryIdentity, InventoryLogin
from console.inventory.queries import Filters
from tests.inventory.helpers import (
    DEVELOPER,
    FACEBOOK,
    GOOGLE,
    OTHER_POOL,
    POOL,
    T0,
    identity_id,
    listed,
    sync,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_stats_count_identities_not_gone_with_their_providers_as_of_the_last_sync():
    sync(POOL, [listed(1, [FACEBOOK, GOOGLE]), listed(2, [FACEBOOK]), listed(3), listed(4)], at=T0)
    sync(POOL, [listed(1, [FACEBOOK, GOOGLE]), listed(2, [FACEBOOK]), listed(3)], at=T0 + DAY)

    stats = queries.stats(POOL)

    assert (stats.total, stats.guests, stats.signed_in) == (3, 1, 2)
    assert stats.providers == {FACEBOOK: 2, GOOGLE: 1}
    assert stats.as_of == T0 + DAY + dt.timedelta(minutes=1)
    assert stats.disabled is None and stats.syncing_since is None


def test_a_pool_never_seen_has_zero_counts_and_no_as_of():
    stats = queries.stats(POOL)

    assert (stats.total, stats.guests, stats.disabled, stats.providers, stats.as_of) == (0, 0, None, {}, None)


def test_a_sync_in_progress_is_shown():
    started = store.begin_sync(POOL, started_at=T0)

    assert queries.stats(POOL).syncing_since == started


def _recount(pool_id: str) -> tuple[int, int, dict[str, int]]:
    live = InventoryIdentity.objects.filter(pool_id=pool_id, gone_at__isnull=True)
    providers: dict[str, int] = {}
    for provider in InventoryLogin.objects.filter(pool_id=pool_id).values_list("provider", flat=True):
        providers[provider] = providers.get(provider, 0) + 1
    return live.count(), live.filter(Q(guest=True)).count(), dict(sorted(providers.items()))


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_counts_equal_a_recount_after_any_mix_of_writes(seed):
    rng = random.Random(seed)
    when = T0
    started = None
    for _ in range(40):
        when += dt.timedelta(minutes=rng.randint(1, 30))
        numbers = rng.sample(range(1, 40), rng.randint(1, 8))
        logins = rng.choice([(), (FACEBOOK,), (GOOGLE, DEVELOPER)])
        action = rng.choice(["page", "page", "add", "delete", "finish", "begin"])
        if action == "begin" or (action in ("page", "finish") and started is None):
            started = store.begin_sync(POOL, started_at=when)
        elif action == "page":
            store.record_page(POOL, [listed(n, logins) for n in numbers], seen_at=when, sync_started=started)
        elif action == "finish":
            store.finish_sync(POOL, started, disabled_checked=False, finished_at=when)
            started = None
        elif action == "add":
            store.add_identities(POOL, [listed(n, logins) for n in numbers], at=when)
        else:
            store.mark_gone([identity_id(n) for n in numbers], how="deleted", at=when)
        stats = queries.stats(POOL)
        assert (stats.total, stats.guests, stats.providers) == _recount(POOL)


def test_the_number_of_matches_comes_from_the_kept_counts_when_they_answer_it(django_assert_max_num_queries):
    sync(
        POOL, [listed(1, [FACEBOOK]), listed(2), listed(3)], at=T0, enabled=[listed(1, [FACEBOOK]), listed(2)]
    )

    with django_assert_max_num_queries(4):  # one row read each
        counts = [
            queries.count_matches(POOL, filters)
            for filters in (
                Filters(),
                Filters(guests=True),
                Filters(guests=False),
                Filters(provider=FACEBOOK),
            )
        ]
    assert counts == [3, 2, 1, 1]
    assert queries.count_matches(POOL, Filters(disabled=True)) == 1


def test_the_dashboard_ranks_pools_by_size_with_growth_and_lists_those_never_synced():
    sync(POOL, [listed(1)], at=T0)
    sync(POOL, [listed(n) for n in range(1, 4)], at=T0 + 5 * DAY)
    sync(OTHER_POOL, [listed(n) for n in range(10, 20)], at=T0 + 5 * DAY)
    never = "us-east-1:33333333-3333-4333-8333-333333333333"

    ranking = queries.ranking([POOL, OTHER_POOL, never], today=(T0 + 5 * DAY).date())

    assert [(rank.pool_id, rank.total, rank.growth) for rank in ranking.pools] == [
        (OTHER_POOL, 10, 0),
        (POOL, 3, 2),
    ]
    assert ranking.pools[0].as_of == T0 + 5 * DAY + dt.timedelta(minutes=1)
    assert ranking.never_synced == (never,)
    assert [rank.pool_id for rank in ranking.by_growth()] == [POOL, OTHER_POOL]
