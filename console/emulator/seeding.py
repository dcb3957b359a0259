"""Bulk-loading identities into the embedded service (`manage.py emulator_seed`, the benchmark).

Going through GetId would take hours for a million identities, so the rows are
written directly, in batches: one transaction and one multi-row statement (COPY on
PostgreSQL) per batch. They are the rows the operations write themselves: `REGION:uuid4`
ids in creation order, CreationDate = LastModifiedDate (now, or spread over the last
`spread_days` days in id order, each modified some time after its creation), one IdentityLogin per
authenticated identity (a public provider configured on the pool, or a developer
user id `user-000001`, ...), and disabled identities without logins, as a lost merge
leaves them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Length
from django.utils import timezone

from .models import Identity, IdentityLogin, IdentityPool, subject_key
from .protocol import CONTENT_TYPE, TARGET_PREFIX, handle

# Public providers configured on a pool the seeder creates, with made-up app ids.
DEFAULT_PROVIDERS = {
    "accounts.google.com": "123456789012-seed.apps.googleusercontent.com",
    "graph.facebook.com": "1234567890123456",
}
DEVELOPER_PREFIX = "user-"
BATCH_SIZE = 20_000

# Identities flagged in `kinds`: the rest are guests.
_GUEST, _DISABLED, _LOGIN = 0, 1, 2

Progress = Callable[[int, int], None]


class SeedError(Exception):
    """The seed cannot run as asked (bad ratios, pool misconfigured, ...)."""


@dataclass(frozen=True)
class SeedResult:
    pool_id: str
    pool_created: bool
    identities: int
    with_login: int
    disabled: int
    seconds: float


@dataclass
class _Plan:
    pool: IdentityPool
    providers: list[str]
    developer_provider: str | None
    next_developer_number: int
    # Logins made so far: the next one goes to providers[made % len(providers)].
    made: int = 0
    # With spread_days: identities' creation dates run from `since` to now over the whole seed.
    since: dt.datetime | None = None
    total: int = 0
    seeded: int = 0
    rng: random.Random | None = None


def seed_identities(
    pool_name: str,
    count: int,
    *,
    region: str | None = None,
    developer_provider: str | None = None,
    logins_ratio: float = 0.0,
    disabled_ratio: float = 0.0,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    rng: random.Random | None = None,
    spread_days: int = 0,
) -> SeedResult:
    """Add `count` identities to the pool named `pool_name` in `region` (created if missing).

    With `spread_days`, creation dates go evenly from that many days ago to now in id order (a
    pool that grew over months, for the demo's charts and date filters); each identity's last
    modification falls at a random time between its creation and now.
    """
    started = time.monotonic()
    region = region or settings.AWS_REGIONS[0]
    with_login, disabled = _counts(count, logins_ratio, disabled_ratio)
    if spread_days < 0:
        raise SeedError("The number of days to spread creation dates over cannot be negative.")
    pool, created = find_or_create_pool(region, pool_name, developer_provider)
    plan = _plan(pool, developer_provider, with_login)
    rng = rng or random.Random()  # noqa: S311 - not a secret
    if spread_days:
        plan.since = timezone.now() - dt.timedelta(days=spread_days)
        plan.total, plan.rng = count, rng
    kinds = _kinds(count, with_login, disabled, rng)
    insert = _inserter()
    with _bulk_settings():
        for start in range(0, count, batch_size):
            with transaction.atomic():
                insert(plan, kinds[start : start + batch_size])
            if progress:
                progress(min(start + batch_size, count), count)
        if count:
            _analyze()
    return SeedResult(pool.pool_id, created, count, with_login, disabled, time.monotonic() - started)


def _counts(count: int, logins_ratio: float, disabled_ratio: float) -> tuple[int, int]:
    if count < 0:
        raise SeedError("The number of identities cannot be negative.")
    for name, ratio in (("logins", logins_ratio), ("disabled", disabled_ratio)):
        if not 0.0 <= ratio <= 1.0:
            raise SeedError(f"The {name} ratio must be between 0 and 1.")
    with_login, disabled = round(count * logins_ratio), round(count * disabled_ratio)
    if with_login + disabled > count:
        # A disabled identity has lost its logins (to a merge), so the two never overlap.
        raise SeedError("The logins and disabled ratios must add up to at most 1.")
    return with_login, disabled


def find_or_create_pool(
    region: str, name: str, developer_provider: str | None = None
) -> tuple[IdentityPool, bool]:
    """The first pool called `name` in `region`, else a new one made by CreateIdentityPool."""
    pool = IdentityPool.objects.filter(region=region, name=name).order_by("id").first()
    if pool is not None:
        return pool, False
    params: dict[str, Any] = {
        "IdentityPoolName": name,
        "AllowUnauthenticatedIdentities": True,
        "SupportedLoginProviders": DEFAULT_PROVIDERS,
    }
    if developer_provider:
        params["DeveloperProviderName"] = developer_provider
    created = _call(region, "CreateIdentityPool", params)
    return IdentityPool.objects.get(pool_id=created["IdentityPoolId"]), True


def _call(region: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    # Through the protocol, so the pool is exactly what CreateIdentityPool makes.
    day = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    scope = f"AKIASEEDER/{day}/{region}/cognito-identity/aws4_request"
    headers = {
        "x-amz-target": TARGET_PREFIX + operation,
        "content-type": CONTENT_TYPE,
        "authorization": f"AWS4-HMAC-SHA256 Credential={scope}",
    }
    response = handle("POST", "/", headers, json.dumps(params).encode(), trusted=True)
    payload = json.loads(response.body or b"{}")
    if response.status != 200:
        raise SeedError(f"{operation} failed: {payload.get('__type')}: {payload.get('message')}")
    return payload


def _plan(pool: IdentityPool, developer_provider: str | None, with_login: int) -> _Plan:
    if developer_provider and pool.developer_provider_name not in (None, developer_provider):
        raise SeedError(
            f"Pool {pool.pool_id} already has developer provider {pool.developer_provider_name!r}; "
            "it cannot be changed."
        )
    if developer_provider and pool.developer_provider_name is None:
        # Setting it once is allowed (UpdateIdentityPool would too).
        pool.developer_provider_name = developer_provider
        pool.save(update_fields=["developer_provider_name", "updated_at"])
    providers = sorted(pool.supported_login_providers)
    if developer_provider:
        providers.append(developer_provider)
    if with_login and not providers:
        raise SeedError(
            f"Pool {pool.pool_id} has no login providers to link; configure one or pass a developer provider."
        )
    next_number = _last_developer_number(pool, developer_provider) + 1 if developer_provider else 1
    return _Plan(pool, providers, developer_provider, next_number)


def _last_developer_number(pool: IdentityPool, provider: str) -> int:
    # Numbers have a fixed width until they outgrow it, so longest-then-greatest is the highest.
    subject = (
        IdentityLogin.objects.filter(
            pool=pool, provider=provider, is_developer=True, subject_key__startswith=DEVELOPER_PREFIX
        )
        .annotate(width=Length("subject"))
        .order_by("-width", "-subject")
        .values_list("subject", flat=True)
        .first()
    )
    if subject is None:
        return 0
    digits = subject[len(DEVELOPER_PREFIX) :]
    return int(digits) if digits.isdigit() else 0


def _kinds(count: int, with_login: int, disabled: int, rng: random.Random) -> bytearray:
    """Which identities are disabled or have a login: exact counts, spread over the pool."""
    kinds = bytearray(count)
    chosen = rng.sample(range(count), with_login + disabled)
    for index in chosen[:disabled]:
        kinds[index] = _DISABLED
    for index in chosen[disabled:]:
        kinds[index] = _LOGIN
    return kinds


def _rows(
    plan: _Plan, kinds: Sequence[int], ids: Sequence[int], moment: Any
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The Identity and IdentityLogin rows of one batch, in table column order."""
    pool = plan.pool
    identities: list[tuple[Any, ...]] = []
    logins: list[tuple[Any, ...]] = []
    providers = plan.providers
    for pk, kind in zip(ids, kinds, strict=True):
        created, modified = _dates(plan, moment)
        identities.append(
            (pk, f"{pool.region}:{uuid.uuid4()}", pool.pk, created, modified, kind == _DISABLED)
        )
        if kind != _LOGIN:
            continue
        provider = providers[plan.made % len(providers)]
        plan.made += 1
        if provider == plan.developer_provider:
            subject = f"{DEVELOPER_PREFIX}{plan.next_developer_number:06d}"
            plan.next_developer_number += 1
        else:
            subject = _public_subject(provider, pk)
        developer = provider == plan.developer_provider
        logins.append((pk, pool.pk, provider, subject, subject_key(subject), developer, created))
    return identities, logins


def _dates(plan: _Plan, moment: Any) -> tuple[Any, Any]:
    """This identity's creation and last-modified dates: `moment`, or its place in the spread."""
    if plan.since is None or plan.rng is None:
        return moment, moment
    now = timezone.now()
    span = (now - plan.since).total_seconds()
    created = plan.since + dt.timedelta(seconds=span * plan.seeded / max(1, plan.total))
    modified = created + dt.timedelta(seconds=plan.rng.uniform(0, (now - created).total_seconds()))
    plan.seeded += 1
    adapt = (
        connection.ops.adapt_datetimefield_value if connection.vendor == "sqlite" else (lambda value: value)
    )
    return adapt(created), adapt(modified)


def _public_subject(provider: str, pk: int) -> str:
    # Provider-looking user ids, unique because the row id is: Google's `sub` has 21
    # digits, Facebook's app-scoped ids about 16; others get a readable name.
    if provider == "accounts.google.com":
        return f"1{pk:020d}"
    if provider == "graph.facebook.com":
        return f"10{pk:014d}"
    return f"seed-user-{pk}"


_IDENTITY_COLUMNS = ("id", "identity_id", "pool", "created_at", "modified_at", "disabled")
_LOGIN_COLUMNS = ("identity", "pool", "provider", "subject", "subject_key", "is_developer", "created_at")


def _table(model: type[Any], fields: Sequence[str]) -> tuple[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    return quote(model._meta.db_table), columns


def _inserter() -> Callable[[_Plan, Sequence[int]], None]:
    if connection.vendor == "sqlite":
        return _insert_sqlite
    if connection.vendor == "postgresql":
        return _insert_postgresql
    raise SeedError(f"Seeding supports SQLite and PostgreSQL, not {connection.vendor}.")


def _insert_sqlite(plan: _Plan, kinds: Sequence[int]) -> None:
    # The transaction began with BEGIN IMMEDIATE: no other writer can take these ids.
    table = Identity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - model table name
        (highest,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        first = max(highest or 0, sequence[0] if sequence else 0) + 1
        moment = connection.ops.adapt_datetimefield_value(timezone.now())
        identities, logins = _rows(plan, kinds, range(first, first + len(kinds)), moment)
        _executemany(cursor, Identity, _IDENTITY_COLUMNS, identities)
        _executemany(cursor, IdentityLogin, _LOGIN_COLUMNS, logins)


def _executemany(cursor: Any, model: type[Any], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table, columns = _table(model, fields)
    marks = ", ".join(["%s"] * len(fields))
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _insert_postgresql(plan: _Plan, kinds: Sequence[int]) -> None:
    table = Identity._meta.db_table
    with connection.cursor() as cursor:
        # Taking the ids from the column's sequence keeps them unique with concurrent GetId calls.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(kinds)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        identities, logins = _rows(plan, kinds, ids, timezone.now())
        _copy(cursor, Identity, _IDENTITY_COLUMNS, identities)
        _copy(cursor, IdentityLogin, _LOGIN_COLUMNS, logins)


def _copy(cursor: Any, model: type[Any], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table, columns = _table(model, fields)
    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def _bulk_settings() -> Iterator[None]:
    """A bigger page cache while loading into SQLite: the uuid index is written in random order."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _analyze() -> None:
    # PostgreSQL: fresh statistics after a big load, so the planner keeps to the keyset
    # indexes. Not SQLite: its statistics only know the average pool size, and with one
    # huge pool they make it scan the whole table for a small pool's pages.
    if connection.vendor != "postgresql":
        return
    tables = [Identity._meta.db_table, IdentityLogin._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
