"""The all-pools dashboard: every region's pools ranked by size and by growth, from the inventory.

The pools come from ListIdentityPools (the inventory keeps no pool names, and a pool deleted
since its last sync must not be ranked); their sizes, growth and last sync from the inventory's
kept rows: a few grouped queries over the pools' state and daily rows, whatever the pools' sizes
(console/inventory/queries.py: ranking, net_change).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from console import charts
from console.aws import errors as aws_errors
from console.aws.pools import LIST_PAGE_MAX, PoolSummary, list_pools_page
from console.inventory import queries

GROWTH_DAYS = 30
# ListIdentityPools pages (of 60) read per region: the dashboard stays one quick page even in
# an account with thousands of pools (it then says which regions it could not list whole).
MAX_PAGES = 10
TOP = 25  # rows of each ranking


@dataclass(frozen=True)
class RegionListing:
    region: str
    pools: tuple[PoolSummary, ...]
    truncated: bool
    error: aws_errors.CognitoError | None


def list_region(region: str) -> RegionListing:
    """The region's pools, at most MAX_PAGES pages of the listing."""
    pools: list[PoolSummary] = []
    token: str | None = None
    try:
        for _ in range(MAX_PAGES):
            page = list_pools_page(region, LIST_PAGE_MAX, token)
            pools.extend(page.pools)
            token = page.next_token
            if not token:
                break
    except aws_errors.CognitoError as exc:
        return RegionListing(region, tuple(pools), bool(token), exc)
    return RegionListing(region, tuple(pools), bool(token), None)


@dataclass(frozen=True)
class RankedPool:
    pool: PoolSummary
    total: int
    growth: int | None
    as_of: dt.datetime | None

    @property
    def total_shown(self) -> str:
        return charts.number(self.total)

    @property
    def growth_shown(self) -> str:
        """+1,200 / -35 / 0; "not known" without a total at the window's start or later."""
        if self.growth is None:
            return "not known"
        return f"+{charts.number(self.growth)}" if self.growth > 0 else charts.number(self.growth)


@dataclass(frozen=True)
class Dashboard:
    regions: tuple[RegionListing, ...]
    by_size: tuple[RankedPool, ...]
    by_growth: tuple[RankedPool, ...]
    never_synced: tuple[PoolSummary, ...]
    listed: int
    synced: int
    identities: int

    @property
    def identities_shown(self) -> str:
        return charts.number(self.identities)


def dashboard(regions: tuple[str, ...] | list[str] | None = None, *, top: int = TOP) -> Dashboard:
    """The pools of `regions` (default AWS_REGIONS) ranked; each ranking's first `top`."""
    listings = tuple(list_region(region) for region in (regions or settings.AWS_REGIONS))
    pools = {pool.pool_id: pool for listing in listings for pool in listing.pools}
    ranking = queries.ranking(pools, days=GROWTH_DAYS)
    # Growth from the daily created and gone counts: known from a pool's first sync (the
    # ranking's own growth, from totals, needs a second sync inside the window).
    growth = queries.net_change([rank.pool_id for rank in ranking.pools], days=GROWTH_DAYS)
    ranked = [
        RankedPool(pools[rank.pool_id], rank.total, growth.get(rank.pool_id, rank.growth), rank.as_of)
        for rank in ranking.pools
    ]
    by_growth = sorted(ranked, key=lambda each: (each.growth is None, -(each.growth or 0), each.pool.pool_id))
    return Dashboard(
        listings,
        tuple(ranked[:top]),
        tuple(by_growth[:top]),
        tuple(pools[pool_id] for pool_id in ranking.never_synced),
        len(pools),
        len(ranked),
        sum(each.total for each in ranked),
    )
