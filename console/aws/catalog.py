"""The developer-pool catalog: which pools of AWS_REGIONS have a developer provider.

A developer user id search asks every such pool, and knowing which ones they are takes a
DescribeIdentityPool per pool, so the list is kept in Django's cache for CATALOG_SECONDS per
endpoint and region; the lookup page says how old it is and can refresh it. Pages that create,
change or delete a pool forget it (`forget_catalog`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .errors import CognitoError
from .fanout import fan_out
from .identities import pool_facts
from .pools import all_pools

CATALOG_SECONDS = 60


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


def _region_catalog(region: str, refresh: bool) -> Catalog:
    cached = None if refresh else cache.get(_cache_key(region))
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
        cache.set(_cache_key(region), result, CATALOG_SECONDS)
    return result


def forget_catalog() -> None:
    """Drop the cached pool lists (after a pool was created, changed or deleted)."""
    cache.delete_many([_cache_key(region) for region in settings.AWS_REGIONS])
