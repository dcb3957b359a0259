"""The names of the pools the console has seen: what jobs, drafts and schedules are labelled by.

A job keeps only its pool's id (the id is what the calls need, and it never changes). People know
pools by name, so whatever the console learns of a pool goes here: the pool list's pages, the pool
page, a pool created, renamed or deleted through the console, the job forms' pool picker and a
job's intake. One row per pool, rather than a name copied onto each job: a rename then shows on
every job of the pool at once, and a pool deleted since keeps its last name ("Old name (deleted)").

The rows are not an audit trail (pool deletes are audited where they happen) and are never a
reason to call Cognito: a pool the console never saw is shown by its id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from console.aws.ids import region_of

from .models import KnownPool

# How stale `last_seen` may get before a sighting rewrites it: seeing a pool that did not change
# (every render of the pool list) writes nothing.
SEEN_GRANULARITY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class PoolName:
    """What the console knows of a pool's name: "" when it never saw the pool."""

    pool_id: str
    name: str = ""
    deleted: bool = False

    @property
    def text(self) -> str:
        """The pool in words: “Name” (id), “Old name” (deleted, id), or the bare id."""
        if not self.name:
            return f"{self.pool_id} (deleted)" if self.deleted else self.pool_id
        if self.deleted:
            return f"“{self.name}” (deleted, {self.pool_id})"
        return f"“{self.name}” ({self.pool_id})"


def seen(pools: Iterable[tuple[str, str]], *, at: dt.datetime | None = None) -> None:
    """Pools (id, name) that exist now, as the service just answered: new ones are added,
    renamed ones renamed, ones marked deleted live again (the endpoint may have changed)."""
    now = at or timezone.now()
    named = dict(pools)
    if not named:
        return
    known = {row.pool_id: row for row in KnownPool.objects.filter(pool_id__in=named)}
    changed = [
        KnownPool(pool_id=pool_id, region=region_of(pool_id), name=name, last_seen=now, deleted_at=None)
        for pool_id, name in named.items()
        if _needs_writing(known.get(pool_id), name, now)
    ]
    if changed:
        KnownPool.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["pool_id"],
            update_fields=["region", "name", "last_seen", "deleted_at"],
        )


def _needs_writing(row: KnownPool | None, name: str, now: dt.datetime) -> bool:
    return (
        row is None
        or row.name != name
        or row.deleted_at is not None
        or row.last_seen < now - SEEN_GRANULARITY
    )


def listed(region: str, pools: Iterable[tuple[str, str]], *, started: dt.datetime) -> None:
    """Every pool of `region`, from a complete listing that began at `started`: they are seen,
    and the region's known pools it did not list are marked deleted. A pool seen after the
    listing began (created meanwhile) is not."""
    pools = list(pools)
    seen(pools, at=started)
    listed_ids = [pool_id for pool_id, _ in pools]
    (
        KnownPool.objects.filter(region=region, deleted_at__isnull=True, last_seen__lte=started)
        .exclude(pool_id__in=listed_ids)
        .update(deleted_at=timezone.now())
    )


def gone(pool_id: str) -> None:
    """The pool was deleted (through the console), or the service says it does not exist."""
    KnownPool.objects.filter(pool_id=pool_id, deleted_at__isnull=True).update(deleted_at=timezone.now())


def names(pool_ids: Iterable[str]) -> dict[str, PoolName]:
    """Every id asked, with what is known of its name, in one query (unknown: an empty name)."""
    wanted = {pool_id for pool_id in pool_ids if pool_id}
    found = {
        row.pool_id: PoolName(row.pool_id, row.name, row.deleted_at is not None)
        for row in KnownPool.objects.filter(pool_id__in=wanted)
    }
    return {pool_id: found.get(pool_id, PoolName(pool_id)) for pool_id in wanted}


def name_of(pool_id: str) -> PoolName:
    return names([pool_id]).get(pool_id, PoolName(pool_id))


def known_in(region: str) -> list[PoolName]:
    """The region's pools not known to be deleted, by name: the picker's list when the region
    cannot be listed now."""
    rows = KnownPool.objects.filter(Q(region=region) & Q(deleted_at__isnull=True)).order_by("name", "pool_id")
    return [PoolName(row.pool_id, row.name) for row in rows]
