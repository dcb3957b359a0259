"""The inventory's reads: counts, history, which pool an identity is in, search, the dashboard.

All are answered from the database alone (no Cognito call), as of the pool's last listing:
DESIGN.md invariant 7 says what that is good for ("which pool", "created when", counts, filters)
and what it is not (anything that deletes or changes an identity checks the live service first).

Costs at 10M identities in a pool (PostgreSQL): `stats`, `history`, `ranking`, `pool_of` read a
few rows. `search` reads one page off an index in its sort order (see models.py for the index
behind each filter); its number of matches comes from the pool's kept counts when the filters
are one the counts answer (none, guests, signed in, one provider, disabled), else from a COUNT
over the filtered rows (an index range for the date filters; "id contains" scans the pool).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from .models import DailyCount, InventoryIdentity, InventoryLogin, PoolState

MAX_LIMIT = 1000


@dataclass(frozen=True)
class Gone:
    """When and how an identity left its pool, and what did it (the console's job or audit event)."""

    at: dt.datetime
    how: str  # models.GoneHow: "sync", "deleted" or "merged"
    job_id: int | None
    event_id: int | None


@dataclass(frozen=True)
class InventoriedIdentity:
    """An identity as the inventory last knew it (`gone` is None while it is not known gone)."""

    identity_id: str
    pool_id: str
    region: str
    created: dt.datetime
    modified: dt.datetime
    providers: tuple[str, ...]
    disabled: bool | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    gone: Gone | None

    @property
    def guest(self) -> bool:
        return not self.providers


def _identity(row: InventoryIdentity) -> InventoriedIdentity:
    gone = (
        Gone(row.gone_at, row.gone_how, row.gone_job_id, row.gone_event_id)
        if row.gone_at is not None
        else None
    )
    return InventoriedIdentity(
        row.identity_id,
        row.pool_id,
        row.region,
        row.created,
        row.modified,
        row.providers,
        row.disabled,
        row.first_seen,
        row.last_seen,
        gone,
    )


# --- Which pool --------------------------------------------------------------------------------


def pool_of(identity_id: str) -> InventoriedIdentity | None:
    """The identity as last listed (its pool, and `gone` if it is known gone), or None if the
    inventory never saw it."""
    row = InventoryIdentity.objects.filter(pk=identity_id).first()
    return _identity(row) if row else None


def pools_of(identity_ids: Iterable[str], *, batch: int = 2000) -> dict[str, InventoriedIdentity]:
    """`pool_of` for many ids at once (a bulk delete's pool check): the known ones only."""
    ids = list(dict.fromkeys(identity_ids))
    found: dict[str, InventoriedIdentity] = {}
    for start in range(0, len(ids), batch):
        for row in InventoryIdentity.objects.filter(pk__in=ids[start : start + batch]):
            found[row.identity_id] = _identity(row)
    return found


def knows_pool(pool_id: str) -> bool:
    """Whether the inventory has ever listed (or started listing) the pool: one row read."""
    return PoolState.objects.filter(pk=pool_id).exists()


# --- Counts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolStats:
    """A pool's identities that are not gone, as of its last complete sync and the console's
    writes since. `disabled` is None until a sync with the HideDisabled walk has completed;
    `as_of` is None until a sync has completed; `syncing_since` is set while one runs."""

    pool_id: str
    total: int
    guests: int
    disabled: int | None
    providers: dict[str, int]  # the most linked first
    as_of: dt.datetime | None
    disabled_as_of: dt.datetime | None
    syncing_since: dt.datetime | None

    @property
    def signed_in(self) -> int:
        return self.total - self.guests


def stats(pool_id: str) -> PoolStats:
    """The pool's kept counts (one row read; a pool the inventory never saw has zeros)."""
    state = PoolState.objects.filter(pk=pool_id).first()
    if state is None:
        return PoolStats(pool_id, 0, 0, None, {}, None, None, None)
    return PoolStats(
        pool_id,
        state.total,
        state.guests,
        state.disabled,
        dict(sorted(state.providers.items(), key=lambda item: (-item[1], item[0]))),
        state.as_of,
        state.disabled_as_of,
        state.syncing_since,
    )


@dataclass(frozen=True)
class DailyCounts:
    """One pool's counts for one UTC day. The totals are None on days no sync completed;
    `created` and `gone` are known for every day since the pool's first sync (and `created` for
    the 90 days before it)."""

    day: dt.date
    total: int | None
    guests: int | None
    disabled: int | None
    providers: dict[str, int] | None
    created: int
    gone: int


def history(pool_id: str, days: int = 90, *, today: dt.date | None = None) -> list[DailyCounts]:
    """The pool's daily rows of the last `days` days (today included), oldest first."""
    last = today or timezone.now().astimezone(dt.UTC).date()
    rows = DailyCount.objects.filter(
        pool_id=pool_id, day__gt=last - dt.timedelta(days=days), day__lte=last
    ).order_by("day")
    return [
        DailyCounts(row.day, row.total, row.guests, row.disabled, row.providers, row.created, row.gone)
        for row in rows
    ]


@dataclass(frozen=True)
class PoolRank:
    """A pool on the dashboard: its size, its growth over the window (None without a total at
    the window's start or later), and its last complete sync."""

    pool_id: str
    total: int
    growth: int | None
    as_of: dt.datetime | None


@dataclass(frozen=True)
class Ranking:
    """Synced pools by size (largest first), and the pools the caller knows that never were."""

    pools: tuple[PoolRank, ...]
    never_synced: tuple[str, ...]

    def by_growth(self) -> tuple[PoolRank, ...]:
        return tuple(sorted(self.pools, key=lambda rank: (-(rank.growth or 0), rank.pool_id)))


def ranking(pool_ids: Iterable[str], *, days: int = 30, today: dt.date | None = None) -> Ranking:
    """The dashboard's ranking of `pool_ids` (the pools the caller lists from Cognito)."""
    wanted = list(dict.fromkeys(pool_ids))
    last = today or timezone.now().astimezone(dt.UTC).date()
    states = {state.pool_id: state for state in PoolState.objects.filter(pk__in=wanted, as_of__isnull=False)}
    earliest: dict[str, int] = {}
    for pool_id, total in (
        DailyCount.objects.filter(
            pool_id__in=states, day__gte=last - dt.timedelta(days=days), total__isnull=False
        )
        .order_by("pool_id", "day")
        .values_list("pool_id", "total")
    ):
        earliest.setdefault(pool_id, total)
    ranked = sorted(
        (
            PoolRank(
                pool_id,
                state.total,
                state.total - earliest[pool_id] if pool_id in earliest else None,
                state.as_of,
            )
            for pool_id, state in states.items()
        ),
        key=lambda rank: (-rank.total, rank.pool_id),
    )
    return Ranking(tuple(ranked), tuple(pool_id for pool_id in wanted if pool_id not in states))


def net_change(pool_ids: Iterable[str], *, days: int = 30, today: dt.date | None = None) -> dict[str, int]:
    """Identities created less identities gone over the last `days` days (today included), per
    pool, from the daily rows (one grouped read of at most `days` rows a pool). Known from 90 days
    before a pool's first sync, so one sync is enough; the days after the last sync have no rows
    yet. Pools without a daily row in the window are left out."""
    last = today or timezone.now().astimezone(dt.UTC).date()
    rows = (
        DailyCount.objects.filter(
            pool_id__in=list(dict.fromkeys(pool_ids)), day__gt=last - dt.timedelta(days=days)
        )
        .filter(day__lte=last)
        .values_list("pool_id")
        .annotate(created=Sum("created"), gone=Sum("gone"))
    )
    return {pool_id: created - gone for pool_id, created, gone in rows}


# --- Search --------------------------------------------------------------------------------------


class Sort(enum.StrEnum):
    """The browser's orders (the values are meant for URLs); ties broken by identity id."""

    CREATED = "created"
    CREATED_DESC = "-created"
    MODIFIED = "modified"
    MODIFIED_DESC = "-modified"

    @property
    def column(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def reversed(self) -> Sort:
        """The same order backwards (ties too): what seeks the page before a position."""
        return Sort(self.value[1:] if self.descending else f"-{self.value}")


@dataclass(frozen=True)
class Filters:
    """The browser's filters, all optional and combined with AND.

    `provider`: linked to this provider; `guests`: True for identities with no linked login,
    False for those with one (a provider implies False); dates are half-open ranges
    (from ≤ date < before); `disabled` needs a sync with the HideDisabled walk (identities it
    has not checked match neither True nor False); `id_contains`: a part of the identity id."""

    provider: str | None = None
    guests: bool | None = None
    created_from: dt.datetime | None = None
    created_before: dt.datetime | None = None
    modified_from: dt.datetime | None = None
    modified_before: dt.datetime | None = None
    disabled: bool | None = None
    id_contains: str | None = None

    def __post_init__(self) -> None:
        if self.provider and self.guests:
            raise ValueError("An identity linked to a provider is not a guest.")

    def only(self, *names: str) -> bool:
        """Whether no filter but `names` is set."""
        return all(getattr(self, each.name) in (None, "") for each in fields(self) if each.name not in names)


@dataclass(frozen=True)
class SearchPage:
    """One keyset page: its identities, the cursor of the next page (None on the last), the
    number of matches (None when not asked for), and the cursor of the previous page (None on
    the first): a `before` position, the first identity of this page."""

    identities: tuple[InventoriedIdentity, ...]
    next_cursor: str | None
    matches: int | None = field(default=None)
    previous_cursor: str | None = field(default=None)


class InvalidCursor(ValueError):
    """A cursor this search did not make (edited, or from another sort)."""


def encode_cursor(sort: Sort, identity: InventoriedIdentity) -> str:
    """The position after `identity` in `sort` order, safe in a URL."""
    key = getattr(identity, sort.column)
    text = json.dumps([sort.value, key.astimezone(dt.UTC).isoformat(), identity.identity_id])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> tuple[dt.datetime, str]:
    """(sort key, identity id) of a cursor made by `encode_cursor` for this sort."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, key, identity_id = json.loads(text)
        when = dt.datetime.fromisoformat(key)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise InvalidCursor("This page link is not valid any more: start from the first page.") from error
    if name != sort.value or not isinstance(identity_id, str) or when.tzinfo is None:
        raise InvalidCursor("This page link is not valid any more: start from the first page.")
    return when, identity_id


def _matching(pool_id: str, filters: Filters) -> tuple[QuerySet[Any], str]:
    """The matching rows and the prefix of identity columns in them.

    With a provider the rows are the provider's side rows (models.py: ordered by its own index),
    joined to their identities for the other filters; else the identities not gone."""
    if filters.provider:
        rows: QuerySet[Any] = InventoryLogin.objects.filter(pool_id=pool_id, provider=filters.provider)
        rows, prefix = rows.select_related("identity"), "identity__"
    else:
        rows, prefix = InventoryIdentity.objects.filter(pool_id=pool_id, gone_at__isnull=True), ""
        if filters.guests is not None:
            rows = rows.filter(guest=filters.guests)
    # created and modified are on both tables: the side rows carry copies.
    ranges = {
        "created__gte": filters.created_from,
        "created__lt": filters.created_before,
        "modified__gte": filters.modified_from,
        "modified__lt": filters.modified_before,
    }
    rows = rows.filter(**{lookup: value for lookup, value in ranges.items() if value is not None})
    if filters.disabled is not None:
        rows = rows.filter(**{f"{prefix}disabled": filters.disabled})
    if filters.id_contains:
        rows = rows.filter(**{f"{prefix}identity_id__contains": filters.id_contains.strip().lower()})
    return rows, prefix


def _ordered(rows: QuerySet[Any], sort: Sort, after: tuple[dt.datetime, str] | None) -> QuerySet[Any]:
    column = sort.column
    if after is not None:
        key, identity_id = after
        if sort.descending:
            # The leading bound gives the database its index range; the OR settles the ties.
            rows = rows.filter(
                Q(**{f"{column}__lte": key}), Q(**{f"{column}__lt": key}) | Q(identity_id__lt=identity_id)
            )
        else:
            rows = rows.filter(
                Q(**{f"{column}__gte": key}), Q(**{f"{column}__gt": key}) | Q(identity_id__gt=identity_id)
            )
    sign = "-" if sort.descending else ""
    return rows.order_by(f"{sign}{column}", f"{sign}identity_id")


def _page(
    pool_id: str, filters: Filters, sort: Sort, after: tuple[dt.datetime, str] | None, limit: int
) -> list[InventoriedIdentity]:
    rows, prefix = _matching(pool_id, filters)
    found = list(_ordered(rows, sort, after)[:limit])
    return [_identity(row.identity if prefix else row) for row in found]


def search(
    pool_id: str,
    filters: Filters = Filters(),
    sort: Sort = Sort.CREATED_DESC,
    after: str | None = None,
    *,
    before: str | None = None,
    limit: int = 60,
    count: bool = True,
) -> SearchPage:
    """One page of the pool's identities that match, in `sort` order, starting after the
    position `after` (a cursor from the previous page; raises InvalidCursor if it is not one),
    or ending just before the position `before` (a page's `previous_cursor`: the page before
    it, read backwards in the reversed order). Pages neither repeat nor skip an identity, ties
    included, whatever changes in between; with fewer than `limit` identities before `before`,
    the page is the first page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
    matches = count_matches(pool_id, filters) if count else None
    if before:
        earlier = _page(pool_id, filters, sort.reversed, decode_cursor(sort, before), limit + 1)
        if len(earlier) > limit:
            found = earlier[:limit][::-1]
            # The identity after this page exists: it is the position the page was asked before.
            more = bool(_page(pool_id, filters, sort, _position(sort, found[-1]), 1))
            return SearchPage(
                tuple(found),
                encode_cursor(sort, found[-1]) if more else None,
                matches,
                encode_cursor(sort, found[0]),
            )
        after = None  # fewer than a page before it: the first page, whole
    position = decode_cursor(sort, after) if after else None
    found = _page(pool_id, filters, sort, position, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    next_cursor = encode_cursor(sort, found[-1]) if more else None
    previous_cursor = encode_cursor(sort, found[0]) if position is not None and found else None
    return SearchPage(tuple(found), next_cursor, matches, previous_cursor)


def _position(sort: Sort, identity: InventoriedIdentity) -> tuple[dt.datetime, str]:
    return getattr(identity, sort.column), identity.identity_id


def count_matches(pool_id: str, filters: Filters) -> int:
    """How many identities match: from the kept counts when they answer it, else counted."""
    if filters.only("provider", "guests", "disabled"):
        state = PoolState.objects.filter(pk=pool_id).first()
        if state is None:
            return 0
        if filters.only():
            return state.total
        if filters.only("guests"):
            return state.guests if filters.guests else state.total - state.guests
        if filters.only("provider", "guests") and filters.provider:
            return state.providers.get(filters.provider, 0)
        if filters.only("disabled") and filters.disabled and state.disabled is not None:
            return state.disabled
    return _matching(pool_id, filters)[0].count()


def iterate_matches(
    pool_id: str,
    filters: Filters = Filters(),
    sort: Sort = Sort.CREATED,
    *,
    batch: int = 1000,
) -> Iterator[InventoriedIdentity]:
    """Every identity that matches, in `sort` order, read in keyset batches (memory bounded by
    one batch): for "select all N matches" (a bulk delete, an export)."""
    position: tuple[dt.datetime, str] | None = None
    while True:
        found = _page(pool_id, filters, sort, position, batch)
        yield from found
        if len(found) < batch:
            return
        position = _position(sort, found[-1])
