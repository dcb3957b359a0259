"""Finding the pool a job is for: shared by the input pages, the prune, schedule and export
forms, and `manage.py job`; and the forms' pool picker (every region's pools by name)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from console.aws import errors, jobs_calls
from console.aws.catalog import region_pools
from console.aws.fanout import fan_out
from console.aws.ids import is_cognito_id
from console.inventory import pool_names


def find_pool(pool_id: str) -> tuple[jobs_calls.JobPool | None, str]:
    """The pool (DescribeIdentityPool), or None and what is wrong; its name is remembered."""
    pool_id = pool_id.strip()
    if not is_cognito_id(pool_id):
        return None, f"“{pool_id[:80]}” is not an identity pool id (REGION:UUID, e.g. us-east-1:0a1b2c3d-…)."
    try:
        pool = jobs_calls.job_pool(pool_id)
    except errors.NotFound as exc:
        pool_names.gone(pool_id)
        known = pool_names.name_of(pool_id)
        was = f" (“{known.name}”, deleted since the console last saw it)" if known.name else ""
        return (
            None,
            f"Pool {pool_id}{was}: {exc.code}: {exc.message} Choose a pool from the list, or check the id.",
        )
    except errors.CognitoError as exc:
        return None, f"Pool {pool_id}: {exc.code}: {exc.message}"
    pool_names.seen([(pool.pool_id, pool.name)])
    return pool, ""


@dataclass(frozen=True)
class PickerRegion:
    """One region's group of the pool picker."""

    region: str
    pools: tuple[pool_names.PoolName, ...]
    # Why the list is not the region's whole listing ("" when it is).
    note: str = ""


def picker_regions() -> list[PickerRegion]:
    """Every region of AWS_REGIONS with its pools by name: from the shared cache of the region's
    listing (console/aws/catalog.py), or, when the region cannot be listed now, the names the
    console last saw there."""
    groups: list[PickerRegion] = []
    for outcome in fan_out(region_pools, settings.AWS_REGIONS):
        region = outcome.item
        if not outcome.ok:
            kept = tuple(pool_names.known_in(region))
            groups.append(
                PickerRegion(region, kept, f"not listed now ({outcome.error.code}): names last seen")
            )
            continue
        listing = outcome.value
        pairs = [(pool.pool_id, pool.name) for pool in listing.pools]
        if listing.fresh:  # a new listing: remember its names (and the pools gone from it)
            if listing.complete:
                pool_names.listed(region, pairs, started=listing.started)
            else:
                pool_names.seen(pairs, at=listing.started)
        ordered = sorted(pairs, key=lambda pair: (pair[1].casefold(), pair[0]))
        note = "" if listing.complete else f"the first {len(pairs)} pools: type the id of another"
        groups.append(PickerRegion(region, tuple(pool_names.PoolName(*pair) for pair in ordered), note))
    return groups
