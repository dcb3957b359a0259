"""Identities as ListIdentities describes them, and a whole sync of a pool in a few calls."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from console.inventory import store
from console.inventory.store import ListedIdentity

REGION = "us-east-1"
POOL = f"{REGION}:11111111-1111-4111-8111-111111111111"
OTHER_POOL = f"{REGION}:22222222-2222-4222-8222-222222222222"
FACEBOOK = "graph.facebook.com"
GOOGLE = "accounts.google.com"
DEVELOPER = "login.example.app"
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def identity_id(number: int, region: str = REGION) -> str:
    return f"{region}:{uuid.UUID(int=number)}"


def listed(
    number: int,
    logins: Sequence[str] = (),
    created: dt.datetime | None = None,
    modified: dt.datetime | None = None,
) -> ListedIdentity:
    """Identity `number`, created `number` minutes after T0 unless told."""
    created = created or T0 + dt.timedelta(minutes=number)
    return ListedIdentity(identity_id(number), tuple(logins), created, modified or created)


def sync(
    pool_id: str,
    identities: Sequence[ListedIdentity],
    *,
    at: dt.datetime,
    enabled: Iterable[ListedIdentity] | None = None,
    page: int = 60,
) -> store.SyncFinished:
    """A complete sync at `at`: the pages, the HideDisabled walk's pages when `enabled` is given,
    then its end a minute later."""
    started = store.begin_sync(pool_id, started_at=at)
    for start in range(0, len(identities), page):
        store.record_page(pool_id, identities[start : start + page], seen_at=at, sync_started=started)
    if enabled is not None:
        visible = list(enabled)
        for start in range(0, len(visible), page):
            store.record_enabled_page(
                pool_id, visible[start : start + page], seen_at=at, sync_started=started
            )
    return store.finish_sync(
        pool_id, started, disabled_checked=enabled is not None, finished_at=at + dt.timedelta(minutes=1)
    )
