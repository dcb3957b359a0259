"""The developer-pool catalog: which pools of AWS_REGIONS have a developer provider; and each
region's pools by name, for the job forms' pool picker.

A developer user id search asks every such pool, and knowing which ones they are takes a
DescribeIdentityPool per pool, so the list is kept in Django's cache for CATALOG_SECONDS per
endpoint and region, in Redis: every web process and worker shares one catalog (console/cache.py).
The lookup page says how old it is and can refresh it (once a minute per person). Pages that create,
change or delete a pool forget it (`forget_catalog`).

The picker's list (`region_pools`) is ListIdentityPools' every page (up to PICKER_MAX_PAGES), kept
in the same shared cache for POOL_LIST_SECONDS: a job form costs no call while it is kept, and at
most one listing per region and period otherwise. `forget_catalog` drops it too.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .errors import CognitoError
from .fanout import fan_out
from .identities import pool_facts
from .pools import LIST_PAGE_MAX, PoolSummary, all_pools, list_pools_page

CATALOG_SECONDS = 60
POOL_LIST_SECONDS = 300
PICKER_MAX_PAGES = 20  # 1,200 pools a region; beyond them, the forms take a typed id


@dataclass(frozen=True)
class DeveloperPool:
    pool_id: str
    name: str
    region: str
    provider: str


@dataclass(frozen=True)
class Failure:
    """A pool or a region that could not be asked, and the error."""

    label: str
    error: CognitoError


@dataclass(frozen=True)
class Catalog:
    pools: tuple[DeveloperPool, ...]
    failures: tuple[Failure, ...]
    as_of: datetime | None


def catalog(*, refresh: bool = False) -> Catalog:
    """The pools of every region of AWS_REGIONS that have a developer provider."""
    pools: list[DeveloperPool] = []
    failures: list[Failure] = []
    oldest: datetime | None = None
    for outcome in fan_out(lambda region: _region_catalog(region, refresh), settings.AWS_REGIONS):
        if not outcome.ok:
            failures.append(Failure(f"region {outcome.item} (ListIdentityPools)", outcome.error))
            continue
        region_catalog: Catalog = outcome.value
        pools += region_catalog.pools
        failures += region_catalog.failures
        if region_catalog.as_of and (oldest is None or region_catalog.as_of < oldest):
            oldest = region_catalog.as_of
    return Catalog(tuple(pools), tuple(failures), oldest)


def _cache_key(region: str) -> str:
    return f"identities:developer-pools:{settings.COGNITO_ENDPOINT}:{region}"


def _remember(region: str, result: Catalog) -> None:
    # The cache is in Redis, shared by every process, and holds JSON (console/cache.py).
    entry = {"pools": [astuple(pool) for pool in result.pools], "as_of": result.as_of.isoformat()}
    cache.set(_cache_key(region), entry, CATALOG_SECONDS)


def _remembered(region: str) -> Catalog | None:
    entry = cache.get(_cache_key(region))
    try:
        pools = tuple(DeveloperPool(*fields) for fields in entry["pools"])
        return Catalog(pools, (), datetime.fromisoformat(entry["as_of"]))
    except (TypeError, KeyError, ValueError):
        return None  # absent, or written by another version: build it again


def _region_catalog(region: str, refresh: bool) -> Catalog:
    cached = None if refresh else _remembered(region)
    if cached is not None:
        return cached
    summaries = all_pools(region)
    described = fan_out(lambda summary: pool_facts(summary.pool_id), summaries)
    pools = tuple(
        DeveloperPool(facts.pool_id, facts.name, region, facts.developer_provider)
        for facts in (outcome.value for outcome in described if outcome.ok)
        if facts.developer_provider
    )
    failures = tuple(
        Failure(f"{outcome.item.name} ({outcome.item.pool_id}, DescribeIdentityPool)", outcome.error)
        for outcome in described
        if not outcome.ok
    )
    result = Catalog(pools, failures, timezone.now())
    if not failures:
        # A partial list is not kept: the next search asks again.
        _remember(region, result)
    return result


@dataclass(frozen=True)
class RegionPools:
    """A region's pools (ListIdentityPools), in the service's order."""

    region: str
    pools: tuple[PoolSummary, ...]
    complete: bool  # False: the region has more pools than PICKER_MAX_PAGES pages hold
    started: datetime  # when the listing began
    fresh: bool  # listed by this call, not read from the cache


def _pools_key(region: str) -> str:
    return f"jobs:region-pools:{settings.COGNITO_ENDPOINT}:{region}"


def region_pools(region: str) -> RegionPools:
    """ListIdentityPools, every page (up to PICKER_MAX_PAGES), kept POOL_LIST_SECONDS in the cache."""
    entry = cache.get(_pools_key(region))
    try:
        pools = tuple(PoolSummary(pool_id, name, region) for pool_id, name in entry["pools"])
        return RegionPools(
            region, pools, bool(entry["complete"]), datetime.fromisoformat(entry["started"]), False
        )
    except (TypeError, KeyError, ValueError):
        pass  # absent, or written by another version: list again
    started = timezone.now()
    found: list[PoolSummary] = []
    token = None
    for _ in range(PICKER_MAX_PAGES):
        page = list_pools_page(region, LIST_PAGE_MAX, token)
        found += page.pools
        token = page.next_token
        if not token:
            break
    result = RegionPools(region, tuple(found), token is None, started, True)
    entry = {
        "pools": [[p.pool_id, p.name] for p in found],
        "complete": result.complete,
        "started": started.isoformat(),
    }
    cache.set(_pools_key(region), entry, POOL_LIST_SECONDS)
    return result


def forget_catalog() -> None:
    """Drop the cached pool lists (after a pool was created, changed or deleted)."""
    regions = settings.AWS_REGIONS
    cache.delete_many([_cache_key(region) for region in regions] + [_pools_key(region) for region in regions])
