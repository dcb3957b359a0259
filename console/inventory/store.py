"""The inventory's writes: a sync's pages, the end of a complete sync, the console's own writes.

How a sync uses it (the walk job, on the walk machinery of console/jobs/walk.py):

    started = begin_sync(pool_id)                      # once, when the sync job starts
    # each ListIdentities page, in the transaction that also commits the walk's cursor:
    record_page(pool_id, page.identities, seen_at=fetched_at, sync_started=started)
    # with the disabled option, a second walk with HideDisabled=true, page by page:
    record_enabled_page(pool_id, page.identities, seen_at=fetched_at, sync_started=started)
    finish_sync(pool_id, started, disabled_checked=True, job_id=job.pk)   # after the last page

`seen_at` is when the page was asked for (before the call): a listing is evidence that the
identity existed then, so a gone mark made later (a console delete racing the walk) wins over
it, and a gone mark made earlier is undone by it (the identity re-appeared: it exists, whatever
marked it gone). `sync_started` names the sync: `finish_sync` marks gone exactly the pool's
identities no page of that sync listed (and that the console did not add since it started).

Every write keeps the pool's counts (`PoolState`) equal to its identities not gone, in the same
transaction; `finish_sync` recounts them from the rows once per complete sync. Every function
joins the caller's transaction when there is one (an atomic block without a savepoint: a failed
write fails the caller's transaction too, as a page and its cursor must commit together).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import DailyCount, GoneHow, InventoryIdentity, InventoryLogin, PoolState

# ListIdentities pages hold at most 60; the console's own writes may pass more, in these batches.
BATCH = 500
HISTORY_DAYS = 90


class Listed(Protocol):
    """An IdentityDescription as listed (console.aws.identities.Identity is one)."""

    @property
    def identity_id(self) -> str: ...
    @property
    def logins(self) -> Sequence[str]: ...
    @property
    def created(self) -> dt.datetime | None: ...
    @property
    def modified(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class ListedIdentity:
    """An identity as ListIdentities describes it, for callers holding the raw answer."""

    identity_id: str
    logins: tuple[str, ...] = ()
    created: dt.datetime | None = None
    modified: dt.datetime | None = None

    @classmethod
    def from_description(cls, item: Mapping[str, Any]) -> ListedIdentity:
        """From one IdentityDescription dict (IdentityId, Logins, CreationDate, LastModifiedDate)."""
        return cls(
            item["IdentityId"],
            tuple(item.get("Logins") or ()),
            item.get("CreationDate"),
            item.get("LastModifiedDate"),
        )


@dataclass(frozen=True)
class Written:
    """What one write changed: identities new to the inventory, and identities that were gone
    and are live again (re-listed after their gone mark)."""

    new: int
    revived: int


@dataclass(frozen=True)
class SyncFinished:
    """The end of a complete sync: identities it marked gone, and the pool's counts after it."""

    pool_id: str
    as_of: dt.datetime
    marked_gone: int
    total: int
    guests: int
    disabled: int | None


def region_of(pool_or_identity_id: str) -> str:
    return pool_or_identity_id.split(":", 1)[0]


def _now() -> dt.datetime:
    return timezone.now()


def _state(pool_id: str) -> PoolState:
    """The pool's state row, locked for this transaction (created on first use)."""
    state, _ = PoolState.objects.select_for_update().get_or_create(
        pool_id=pool_id, defaults={"region": region_of(pool_id)}
    )
    return state


# --- Sync ------------------------------------------------------------------------------------


def begin_sync(pool_id: str, *, started_at: dt.datetime | None = None) -> dt.datetime:
    """Mark a sync of the pool as in progress and return its start time, the name every page of
    it passes as `sync_started` (a resumed sync keeps the time it was first given)."""
    started = started_at or _now()
    with transaction.atomic(savepoint=False):
        state = _state(pool_id)
        state.syncing_since = started
        state.save(update_fields=["syncing_since", "updated_at"])
    return started


def abandon_sync(pool_id: str) -> None:
    """A sync ended without listing everything (cancelled, failed): nothing is marked gone."""
    PoolState.objects.filter(pool_id=pool_id).update(syncing_since=None)


def record_page(
    pool_id: str, identities: Iterable[Listed], *, seen_at: dt.datetime, sync_started: dt.datetime
) -> Written:
    """Upsert one ListIdentities page (≤ 60 identities) of the sync that started at `sync_started`.

    One INSERT … ON CONFLICT statement for the identities; their provider rows are rewritten
    only for identities that are new, changed, or live again. Runs inside the caller's
    transaction (the walk commits the page and its cursor together). On PostgreSQL it makes that
    transaction commit without waiting for the disk (synchronous_commit off, for this transaction
    only): a database crash may lose the last pages and their cursor together, never one without
    the other, and the resumed walk lists them again."""
    return _write(pool_id, list(identities), seen_at=seen_at, sync_started=sync_started, enabled=False)


def record_enabled_page(
    pool_id: str, identities: Iterable[Listed], *, seen_at: dt.datetime, sync_started: dt.datetime
) -> Written:
    """Upsert one page of the sync's second walk (ListIdentities with HideDisabled=true).

    Identities this walk lists are enabled; at `finish_sync(..., disabled_checked=True)` the
    pool's identities listed by the first walk but by no page of this one are disabled. Works
    page by page like `record_page` (and also records what the first walk missed)."""
    return _write(pool_id, list(identities), seen_at=seen_at, sync_started=sync_started, enabled=True)


def finish_sync(
    pool_id: str,
    sync_started: dt.datetime,
    *,
    disabled_checked: bool,
    finished_at: dt.datetime | None = None,
    job_id: int | None = None,
) -> SyncFinished:
    """After a complete walk: mark gone (how=sync, with the sync's job id) the pool's identities
    not listed by this sync and not seen since it started; with `disabled_checked`, set each
    listed identity's disabled flag from the HideDisabled walk; recount the pool's counts; write
    today's daily counts (and `created`/`gone` of the days since the previous sync); set as_of.

    Cost: a few passes over the pool's index (seconds at 10M on PostgreSQL), once per sync."""
    finished = finished_at or _now()
    with transaction.atomic(savepoint=False):
        live = InventoryIdentity.objects.filter(pool_id=pool_id, gone_at__isnull=True)
        unlisted = live.filter(
            Q(listed_in_sync__isnull=True) | Q(listed_in_sync__lt=sync_started), last_seen__lt=sync_started
        )
        InventoryLogin.objects.filter(identity__in=unlisted.values("pk")).delete()
        marked = unlisted.update(
            gone_at=finished, gone_how=GoneHow.SYNC, gone_job_id=job_id, gone_event_id=None
        )
        if disabled_checked:
            listed = live.filter(listed_in_sync=sync_started)
            # Only the rows whose flag changes are written (a 10M pool is mostly unchanged).
            unset_or = Q(disabled__isnull=True)
            listed.filter(unset_or | Q(disabled=True), enabled_in_sync=sync_started).update(disabled=False)
            listed.filter(unset_or | Q(disabled=False)).exclude(enabled_in_sync=sync_started).update(
                disabled=True
            )
        # The pool's state is locked only now, after the rows: every writer locks its rows, then
        # the state (no deadlock), and a writer still waiting for the state applies its change
        # on top of this recount, which did not see it.
        state = _state(pool_id)
        previous_as_of = state.as_of
        if disabled_checked:
            state.disabled_as_of = finished
        counts = live.aggregate(
            total=Count("pk"),
            guests=Count("pk", filter=Q(guest=True)),
            disabled=Count("pk", filter=Q(disabled=True)),
        )
        state.total, state.guests = counts["total"], counts["guests"]
        state.disabled = counts["disabled"] if state.disabled_as_of else None
        state.providers = _provider_counts(pool_id)
        state.synced_from, state.as_of, state.syncing_since = sync_started, finished, None
        state.save()
        _write_days(state, previous_as_of, finished)
    return SyncFinished(pool_id, finished, marked, state.total, state.guests, state.disabled)


def _provider_counts(pool_id: str) -> dict[str, int]:
    rows = InventoryLogin.objects.filter(pool_id=pool_id).values_list("provider").annotate(Count("pk"))
    return dict(sorted(rows))


def _write_days(state: PoolState, previous_as_of: dt.datetime | None, finished: dt.datetime) -> None:
    """Today's totals, and created/gone for every day since the previous sync (at most 90: the
    first sync fills 90 days of `created` from the creation dates, which never change)."""
    today = finished.astimezone(dt.UTC).date()
    earliest = today - dt.timedelta(days=HISTORY_DAYS - 1)
    first = max(previous_as_of.astimezone(dt.UTC).date(), earliest) if previous_as_of else earliest
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    created: Counter[dt.date] = Counter()
    gone: Counter[dt.date] = Counter()
    rows = InventoryIdentity.objects.filter(pool_id=state.pool_id)
    by_day = TruncDate("created", tzinfo=dt.UTC)
    for day, count in (
        rows.filter(gone_at__isnull=True, created__gte=since)
        .annotate(day=by_day)
        .values_list("day")
        .annotate(Count("pk"))
    ):
        created[day] += count
    # Gone rows created in the window were necessarily gone after its start: the gone index finds them.
    for created_day, gone_day, count in (
        rows.filter(gone_at__gte=since)
        .annotate(created_day=by_day, gone_day=TruncDate("gone_at", tzinfo=dt.UTC))
        .values_list("created_day", "gone_day")
        .annotate(Count("pk"))
    ):
        gone[gone_day] += count
        if created_day >= first:
            created[created_day] += count
    days = [first + dt.timedelta(days=offset) for offset in range((today - first).days + 1)]
    DailyCount.objects.bulk_create(
        [DailyCount(pool_id=state.pool_id, day=day, created=created[day], gone=gone[day]) for day in days],
        update_conflicts=True,
        unique_fields=["pool_id", "day"],
        update_fields=["created", "gone"],
    )
    DailyCount.objects.filter(pool_id=state.pool_id, day=today).update(
        total=state.total, guests=state.guests, disabled=state.disabled, providers=state.providers
    )


# --- The console's own writes ------------------------------------------------------------------


def add_identities(pool_id: str, identities: Iterable[Listed], *, at: dt.datetime | None = None) -> Written:
    """Identities the console created (developer registration, the sign-in tester): added at
    once, counted, and kept by the next sync (which lists them)."""
    seen = at or _now()
    new = revived = 0
    batch = list(identities)
    for start in range(0, len(batch), BATCH):
        written = _write(
            pool_id, batch[start : start + BATCH], seen_at=seen, sync_started=None, enabled=False
        )
        new, revived = new + written.new, revived + written.revived
    return Written(new, revived)


def mark_gone(
    identity_ids: Iterable[str],
    *,
    how: GoneHow | str,
    at: dt.datetime | None = None,
    job_id: int | None = None,
    event_id: int | None = None,
) -> int:
    """Identities the console deleted or merged away: marked gone at once (with the job and/or
    audit event that did it) and taken out of their pool's counts. Ids the inventory does not
    know, or knows as gone already, are left as they are. Returns how many were marked."""
    when = at or _now()
    how = GoneHow(how)
    ids = sorted(set(identity_ids))
    marked = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), BATCH):
            rows = list(
                InventoryIdentity.objects.select_for_update()
                .filter(pk__in=ids[start : start + BATCH], gone_at__isnull=True)
                .order_by("pk")
                .values_list("pk", "pool_id", "guest", "disabled", "logins")
            )
            if not rows:
                continue
            pks = [row[0] for row in rows]
            InventoryIdentity.objects.filter(pk__in=pks).update(
                gone_at=when, gone_how=how, gone_job_id=job_id, gone_event_id=event_id
            )
            InventoryLogin.objects.filter(identity__in=pks).delete()
            for pool_id in sorted({row[1] for row in rows}):
                delta = _Delta()
                for _, row_pool, guest, disabled, logins in rows:
                    if row_pool == pool_id:
                        delta.drop(guest, disabled, logins)
                _apply_delta(pool_id, delta)
            marked += len(rows)
    return marked


# --- The upsert --------------------------------------------------------------------------------


class _Delta:
    """Changes to a pool's counts, applied once per write."""

    def __init__(self) -> None:
        self.total = self.guests = self.disabled = 0
        self.providers: Counter[str] = Counter()

    def add(self, guest: bool, logins: str) -> None:
        self.total += 1
        self.guests += guest
        self.providers.update(_split(logins))

    def drop(self, guest: bool, disabled: bool | None, logins: str) -> None:
        self.total -= 1
        self.guests -= guest
        self.disabled -= bool(disabled)
        self.providers.subtract(_split(logins))

    def __bool__(self) -> bool:
        return bool(self.total or self.guests or self.disabled or any(self.providers.values()))


def _split(logins: str) -> list[str]:
    return logins.split("\n") if logins else []


_LINK_TABLE = InventoryLogin._meta.db_table
_PG_INSERT_LINKS = f"""
INSERT INTO {_LINK_TABLE} (identity_id, pool_id, provider, created, modified)
SELECT identity_id, %s, provider, created, modified
FROM unnest(%s::varchar[], %s::varchar[], %s::timestamptz[], %s::timestamptz[])
     AS links(identity_id, provider, created, modified)
"""  # noqa: S608


def _insert_links(pool_id: str, links: list[tuple[str, str, dt.datetime, dt.datetime]]) -> None:
    """The provider rows of identities new, changed or live again (the ORM's bulk_create on
    SQLite; on PostgreSQL one short statement of arrays, which costs a fraction of it)."""
    if connection.vendor != "postgresql":
        InventoryLogin.objects.bulk_create(
            InventoryLogin(
                identity_id=identity_id,
                pool_id=pool_id,
                provider=provider,
                created=created,
                modified=modified,
            )
            for identity_id, provider, created, modified in links
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(_PG_INSERT_LINKS, [pool_id, *(list(column) for column in zip(*links, strict=True))])


_STATE_TABLE = PoolState._meta.db_table
# The PostgreSQL path of _apply_delta: one statement, no read (the providers merged in jsonb).
_ADD_TO_STATE = f"""
UPDATE {_STATE_TABLE} SET
  total = total + %s,
  guests = guests + %s,
  disabled = disabled + %s,
  updated_at = %s,
  providers = COALESCE((
    SELECT jsonb_object_agg(name, count) FROM (
      SELECT name, SUM(value::bigint) AS count FROM (
        SELECT key AS name, value FROM jsonb_each_text({_STATE_TABLE}.providers)
        UNION ALL SELECT key, value FROM jsonb_each_text(%s::jsonb)
      ) AS both_sides GROUP BY name
    ) AS sums WHERE count > 0
  ), '{{}}'::jsonb)
WHERE pool_id = %s
"""  # noqa: S608


def _apply_delta(pool_id: str, delta: _Delta) -> None:
    if not delta:
        return
    if connection.vendor == "postgresql":
        changes = json.dumps({name: count for name, count in delta.providers.items() if count})
        with connection.cursor() as cursor:
            cursor.execute(
                _ADD_TO_STATE, [delta.total, delta.guests, delta.disabled, _now(), changes, pool_id]
            )
            if cursor.rowcount:
                return
    state = _state(pool_id)
    state.total += delta.total
    state.guests += delta.guests
    if state.disabled is not None:
        state.disabled += delta.disabled
    providers = Counter(state.providers)
    providers.update(delta.providers)
    state.providers = {name: count for name, count in sorted(providers.items()) if count > 0}
    state.save(update_fields=["total", "guests", "disabled", "providers", "updated_at"])


_COLUMNS = (
    "identity_id",
    "pool_id",
    "region",
    "created",
    "modified",
    "logins",
    "guest",
    "first_seen",
    "last_seen",
    "listed_in_sync",
    "enabled_in_sync",
    "gone_how",
)
_TABLE = InventoryIdentity._meta.db_table
# A listing newer than the gone mark revives the identity; an older one leaves the mark.
_REVIVE = f"{_TABLE}.gone_at IS NOT NULL AND {_TABLE}.gone_at < EXCLUDED.last_seen"
# Only constant names are formatted in; every value is a parameter.
_ON_CONFLICT = f"""
ON CONFLICT (identity_id) DO UPDATE SET
  created = EXCLUDED.created,
  modified = EXCLUDED.modified,
  logins = EXCLUDED.logins,
  guest = EXCLUDED.guest,
  last_seen = CASE WHEN {_TABLE}.last_seen > EXCLUDED.last_seen THEN {_TABLE}.last_seen
                   ELSE EXCLUDED.last_seen END,
  listed_in_sync = COALESCE(EXCLUDED.listed_in_sync, {_TABLE}.listed_in_sync),
  enabled_in_sync = COALESCE(EXCLUDED.enabled_in_sync, {_TABLE}.enabled_in_sync),
  gone_at = CASE WHEN {_REVIVE} THEN NULL ELSE {_TABLE}.gone_at END,
  gone_how = CASE WHEN {_REVIVE} THEN '' ELSE {_TABLE}.gone_how END,
  gone_job_id = CASE WHEN {_REVIVE} THEN NULL ELSE {_TABLE}.gone_job_id END,
  gone_event_id = CASE WHEN {_REVIVE} THEN NULL ELSE {_TABLE}.gone_event_id END
RETURNING identity_id, gone_at
"""
_INSERT = f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)})"
# SQLite: one row of parameters per identity.
_UPSERT = _INSERT + " VALUES {values}" + _ON_CONFLICT
# PostgreSQL: one array per column (a short statement whatever the page's size, so the driver
# parses it once, and the server plans it once), and the rows before it in the same statement.
_PG_UPSERT = (
    _INSERT
    + """
SELECT listed.identity_id, %s, %s, listed.created, listed.modified, listed.logins, listed.logins = '',
       %s, %s, %s, %s, ''
FROM unnest(%s::varchar[], %s::timestamptz[], %s::timestamptz[], %s::text[])
     AS listed(identity_id, created, modified, logins)"""
    + _ON_CONFLICT
)
_WITH_BEFORE = f"""
WITH commit_mode AS (SELECT set_config('synchronous_commit', %s, true) AS mode),
before AS (
  SELECT identity_id, logins, created, modified, gone_at, guest, disabled FROM {_TABLE}
  WHERE identity_id = ANY(%s::varchar[])
), upserted AS ({_PG_UPSERT})
SELECT upserted.identity_id, upserted.gone_at, before.identity_id IS NOT NULL, before.logins,
       before.created, before.modified, before.gone_at, before.guest, before.disabled
FROM upserted LEFT JOIN before ON before.identity_id = upserted.identity_id CROSS JOIN commit_mode
"""  # noqa: S608


@dataclass(frozen=True)
class _Row:
    identity_id: str
    created: dt.datetime
    modified: dt.datetime
    logins: str


def _rows(identities: list[Listed], seen_at: dt.datetime) -> list[_Row]:
    # One row per id (the last listing wins), in id order so concurrent writers lock alike.
    by_id = {
        each.identity_id: _Row(
            each.identity_id,
            each.created or each.modified or seen_at,
            each.modified or each.created or seen_at,
            "\n".join(sorted(set(each.logins))),
        )
        for each in identities
    }
    return [by_id[key] for key in sorted(by_id)]


def _write(
    pool_id: str,
    identities: list[Listed],
    *,
    seen_at: dt.datetime,
    sync_started: dt.datetime | None,
    enabled: bool,
) -> Written:
    rows = _rows(identities, seen_at)
    if not rows:
        return Written(0, 0)
    with transaction.atomic(savepoint=False):
        before, live_after = _upsert(pool_id, rows, seen_at, sync_started, enabled)
        delta = _Delta()
        stale_links: list[str] = []
        new_links: list[tuple[str, str, dt.datetime, dt.datetime]] = []
        new = revived = 0
        for row in rows:
            old = before.get(row.identity_id)
            was_live = old is not None and old[3]
            is_live = live_after[row.identity_id]
            changed = old is None or old[:3] != (row.logins, row.created, row.modified)
            if was_live and (changed or not is_live):
                stale_links.append(row.identity_id)
                delta.drop(old[4], old[5], old[0])
            if is_live and (changed or not was_live):
                new_links.extend(
                    (row.identity_id, provider, row.created, row.modified) for provider in _split(row.logins)
                )
                # The disabled flag is kept through the upsert; a new row's is unknown.
                delta.add(not row.logins, row.logins)
                if old is not None and old[5]:
                    delta.disabled += 1
            new += old is None
            revived += old is not None and not old[3] and is_live
        if stale_links:
            InventoryLogin.objects.filter(identity__in=stale_links).delete()
        if new_links:
            _insert_links(pool_id, new_links)
        _apply_delta(pool_id, delta)
    return Written(new, revived)


_Before = tuple[str, dt.datetime, dt.datetime, bool, bool, bool | None]


def _upsert(
    pool_id: str, rows: list[_Row], seen_at: dt.datetime, sync_started: dt.datetime | None, enabled: bool
) -> tuple[dict[str, _Before], dict[str, bool]]:
    """The one INSERT … ON CONFLICT statement: what the rows were before it ({identity id:
    (logins, created, modified, live, guest, disabled)} of those that existed) and {identity id:
    live after it}. On PostgreSQL the rows before are read by the same statement (a CTE reads
    the snapshot the upsert starts from): one round trip a page."""
    adapt = connection.ops.adapt_datetimefield_value
    region = region_of(pool_id)
    seen, listed = adapt(seen_at), adapt(sync_started)
    enabled_in = listed if enabled else None
    ids = [row.identity_id for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A sync's page need not wait for the disk: a page and its walk's cursor commit in
            # one transaction, so a database crash can only lose both, and the resumed walk
            # lists that page again. Consistency is kept; only the last pages' durability is
            # not. (set_config(..., true) is SET LOCAL, inside the same statement.)
            relaxed = "off" if sync_started is not None else "on"
            columns = [
                ids,
                [row.created for row in rows],
                [row.modified for row in rows],
                [row.logins for row in rows],
            ]
            cursor.execute(
                _WITH_BEFORE, [relaxed, ids, pool_id, region, seen, seen, listed, enabled_in, *columns]
            )
            found = cursor.fetchall()
            before = {
                each[0]: (each[3], each[4], each[5], each[6] is None, each[7], each[8])
                for each in found
                if each[2]
            }
            return before, {each[0]: each[1] is None for each in found}
        params: list[Any] = []
        for row in rows:
            params += [
                row.identity_id,
                pool_id,
                region,
                adapt(row.created),
                adapt(row.modified),
                row.logins,
                not row.logins,
                seen,
                seen,
                listed,
                enabled_in,
                "",
            ]
        placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
        upsert = _UPSERT.format(values=", ".join([placeholder] * len(rows)))
        before = {
            pk: (logins, created, modified, gone_at is None, guest, disabled)
            for pk, logins, created, modified, gone_at, guest, disabled in InventoryIdentity.objects.filter(
                pk__in=ids
            ).values_list("pk", "logins", "created", "modified", "gone_at", "guest", "disabled")
        }
        cursor.execute(upsert, params)
        # gone_at itself, tested here: SQLite 3.40 answers `gone_at IS NULL` wrongly in a
        # RETURNING clause on this table (its partial indexes test the same column).
        return before, {identity_id: gone_at is None for identity_id, gone_at in cursor.fetchall()}
