"""The inventory's tables: one row per identity ever listed, its linked providers, each pool's
sync state and running counts, and one row of counts per pool and day.

Choices, and why:

- **The identity id is the primary key** (Cognito ids are unique across pools and regions): the
  upsert's conflict target, `pool_of` and the keyset tie-breaker all use the one index a 10M-row
  table already has to have, instead of a surrogate key plus a unique index.
- **Providers live in a side table, one row per (pool, provider, identity)**, carrying copies of
  the identity's created and modified dates, and only for identities that are not gone. "Linked to
  Facebook, newest first" is then one ordered range of `(pool, provider, created, identity)`: the
  first page is read straight off the index whatever the provider's share of the pool. An array
  or JSON column with a GIN index can answer "which rows" but not "in created order", so a page of
  a 10M pool would sort every match; per-pool bit masks would need an index per bit. The copies
  cannot drift: a changed login list changes LastModifiedDate, and the upsert rewrites a page's
  side rows exactly when an identity's logins or liveness changed (store.py). Guests have no side
  rows; they get a boolean column of their own, leading the guest indexes.
- **Every listing index is partial (`gone_at IS NULL`)**: the browser, the counts and the
  provider filter only ever look at identities that still exist, so gone rows (which only grow)
  cost these indexes nothing. Both PostgreSQL and SQLite build partial indexes.
- **A sync is named by the time it started** (`listed_in_sync`, `enabled_in_sync`): a page stamps
  its rows with its sync's start, so "not listed by this complete sync" is an exact equality test
  that no clock difference between the workers that carried the walk can blur.
- **Counts are kept, not counted at page time**: `PoolState` holds the pool's totals as of its last
  complete sync (recounted then, once, at the end of the walk), adjusted in the same transaction by
  every console write; a COUNT(*) over a 10M pool's index takes a good part of a second on this
  kind of machine, the kept row a millisecond.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class GoneHow(models.TextChoices):
    SYNC = "sync", "Not listed by a complete sync"
    DELETED = "deleted", "Deleted through the console"
    MERGED = "merged", "Merged away through the console"


_LIVE = Q(gone_at__isnull=True)


def _live_index(name: str, *fields: str) -> models.Index:
    return models.Index(fields=list(fields), name=name, condition=_LIVE)


class InventoryIdentity(models.Model):
    identity_id = models.CharField(max_length=55, primary_key=True)
    pool_id = models.CharField(max_length=64)
    region = models.CharField(max_length=32)
    # CreationDate and LastModifiedDate as listed (never null: a listing without one takes the
    # time it was seen, so that keyset ordering needs no NULL rules).
    created = models.DateTimeField()
    modified = models.DateTimeField()
    # The linked provider names, sorted, one per line; "" for a guest (no linked login).
    logins = models.TextField(blank=True, default="")
    guest = models.BooleanField()
    # Known only from a sync with its HideDisabled walk: None until then.
    disabled = models.BooleanField(null=True)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    # The start time of the last sync that listed it (its first walk or its HideDisabled walk),
    # and of the last sync whose HideDisabled walk listed it: see store.finish_sync.
    listed_in_sync = models.DateTimeField(null=True)
    enabled_in_sync = models.DateTimeField(null=True)
    gone_at = models.DateTimeField(null=True)
    gone_how = models.CharField(max_length=8, choices=GoneHow.choices, blank=True, default="")
    gone_job_id = models.BigIntegerField(null=True)
    gone_event_id = models.BigIntegerField(null=True)

    class Meta:
        db_table = "inventory_identity"
        indexes = [
            # The browser: its sort, then the identity id as tie-breaker (keyset pages).
            _live_index("inv_live_created", "pool_id", "created", "identity_id"),
            _live_index("inv_live_modified", "pool_id", "modified", "identity_id"),
            # Guests (or signed-in only) in either order.
            _live_index("inv_live_guest_created", "pool_id", "guest", "created", "identity_id"),
            _live_index("inv_live_guest_modified", "pool_id", "guest", "modified", "identity_id"),
            # Gone per day (history), and the gone rows of a pool.
            models.Index(fields=["pool_id", "gone_at"], name="inv_gone", condition=Q(gone_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.identity_id

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(self.logins.split("\n")) if self.logins else ()


class InventoryLogin(models.Model):
    """One linked provider of one identity that is not gone (see the module docstring)."""

    # No index of its own: the unique constraint below leads with it.
    identity = models.ForeignKey(
        InventoryIdentity, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    pool_id = models.CharField(max_length=64)
    provider = models.CharField(max_length=128)
    created = models.DateTimeField()
    modified = models.DateTimeField()

    class Meta:
        db_table = "inventory_login"
        constraints = [
            # Also the index the upsert deletes a page's rows by.
            models.UniqueConstraint(fields=["identity", "provider"], name="inv_login_unique"),
        ]
        indexes = [
            models.Index(fields=["pool_id", "provider", "created", "identity"], name="inv_login_created"),
            models.Index(fields=["pool_id", "provider", "modified", "identity"], name="inv_login_modified"),
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} {self.provider}"


class PoolState(models.Model):
    """A pool's sync state and its counts as of its last complete sync, kept up to date by the
    console's own writes since (store.py)."""

    pool_id = models.CharField(max_length=64, primary_key=True)
    region = models.CharField(max_length=32)
    # The last complete sync: when it started and when it ended (its "as of").
    synced_from = models.DateTimeField(null=True)
    as_of = models.DateTimeField(null=True)
    # The end of the last complete sync that included the HideDisabled walk.
    disabled_as_of = models.DateTimeField(null=True)
    # The start of the sync in progress, if one is (store.begin_sync / finish_sync).
    syncing_since = models.DateTimeField(null=True)
    total = models.BigIntegerField(default=0)
    guests = models.BigIntegerField(default=0)
    disabled = models.BigIntegerField(null=True)
    # {provider name: identities linked to it}
    providers = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "inventory_pool_state"

    def __str__(self) -> str:
        return self.pool_id


class DailyCount(models.Model):
    """A pool's counts for one UTC day. A complete sync writes its day's totals; it also fills
    `created` and `gone` for the days since the previous sync, whose totals stay unknown (None)."""

    pool_id = models.CharField(max_length=64)
    day = models.DateField()
    total = models.BigIntegerField(null=True)
    guests = models.BigIntegerField(null=True)
    disabled = models.BigIntegerField(null=True)
    providers = models.JSONField(null=True)
    created = models.BigIntegerField(default=0)
    gone = models.BigIntegerField(default=0)

    class Meta:
        db_table = "inventory_daily_count"
        constraints = [models.UniqueConstraint(fields=["pool_id", "day"], name="inv_daily_unique")]

    def __str__(self) -> str:
        return f"{self.pool_id} {self.day}"


class KnownPool(models.Model):
    """A pool the console has seen, with its last known name (pool_names.py).

    Jobs, drafts and schedules keep only the pool's id; they show the name from here, so a
    rename shows on every job at once, and a pool deleted since keeps the name it had."""

    pool_id = models.CharField(max_length=64, primary_key=True)
    region = models.CharField(max_length=32)
    name = models.CharField(max_length=128)
    last_seen = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "inventory_known_pool"
        indexes = [models.Index(fields=["region", "name"], name="inv_known_pool_region_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.pool_id})"
