"""An identity's developer user ids without asking LookupDeveloperIdentity again.

LookupDeveloperIdentity is the only call that names an identity's developer user ids, and its
quota is the lowest the console uses (AWS: 5 a second per account, shared by every page and
job). The identity page saves it in two common cases:

- The identity can have none: DescribeIdentity's Logins name every provider linked to the
  identity, the pool's developer provider among them once a developer user id is linked (the
  embedded service does the same). Without that name there is nothing to ask for.
- A search by developer user id just found the identity: the search's own call said that this
  user id is linked to it, in that pool. That is kept here a minute (Django's cache: Redis,
  shared by every process, failing open, JSON only), and the identity page the search leads
  to shows it with its time, asking nothing. A lookup by user id answers with that user id,
  not necessarily every one the identity has, so the page says "found by a search" and offers
  the full list, which is one call.

What the console itself changes (unlink, merge, register, delete) forgets the entries of the
identities it touched. Bulk jobs do not (they import no page code): an entry lives
KEEP_SECONDS, and the page shows its age.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from console.aws.identities import Identity

KEEP_SECONDS = 60


def may_have_any(identity: Identity, developer_provider: str | None) -> bool:
    """Whether the identity can have developer user ids: its logins name the pool's provider."""
    return bool(developer_provider) and developer_provider in identity.logins


@dataclass(frozen=True)
class Found:
    """Developer user ids a search found linked to the identity, in its pool, and when."""

    pool_id: str
    users: tuple[str, ...]
    as_of: datetime


def _key(identity_id: str) -> str:
    return f"identities:developer-users:{settings.COGNITO_ENDPOINT}:{identity_id}"


def remember_found(user: str, found: Iterable[tuple[str, str]]) -> None:
    """After a search: `user` is linked to each (pool id, identity id) found."""
    for pool_id, identity_id in found:
        known = recall(identity_id)
        users = known.users if known and known.pool_id == pool_id else ()
        entry = {
            "pool": pool_id,
            "users": [*users, user] if user not in users else list(users),
            "at": timezone.now().isoformat(),
        }
        cache.set(_key(identity_id), entry, KEEP_SECONDS)


def recall(identity_id: str) -> Found | None:
    """What a search found of the identity within KEEP_SECONDS, if anything."""
    entry = cache.get(_key(identity_id))
    try:
        users = tuple(user for user in entry["users"] if isinstance(user, str))
        if not isinstance(entry["pool"], str) or not users:
            return None
        return Found(entry["pool"], users, datetime.fromisoformat(entry["at"]))
    except (TypeError, KeyError, ValueError):
        return None  # absent, or written by another version


def forget(*identity_ids: str) -> None:
    """The console changed these identities' developer user ids: the next page asks."""
    cache.delete_many([_key(identity_id) for identity_id in identity_ids if identity_id])
