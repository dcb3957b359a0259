"""The search box: what a query is, and finding it.

Text is read as people paste it (console/aws/ids.py): without the whitespace, quotes and
trailing punctuation around it; an id in upper case or a pool's ARN is the id it names.

- `REGION:GUID`: an identity (DescribeIdentity) or else a pool (DescribeIdentityPool);
- a GUID alone: the same, in the region the inventory or the audit trail knows it in (no call),
  else asked in each region of AWS_REGIONS in turn (at most two calls per region);
- anything else: a developer user identifier, looked up with LookupDeveloperIdentity in every
  pool that has a developer provider, in every region of AWS_REGIONS (or in one chosen pool).

What the console did to an id (deleted, merged, unlinked, registered) is read from the audit
trail by console/identities/trail.py.

Which pools have a developer provider is the gateway's catalog (console/aws/catalog.py), kept
in Django's cache a minute; the page says how old it is and can refresh it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.core.cache import cache

from console.aws import identities as gateway
from console.aws.catalog import CATALOG_SECONDS, Catalog, DeveloperPool, Failure
from console.aws.errors import CognitoError, NotAuthorized, NotFound, Throttled
from console.aws.fanout import Outcome, fan_out, first_success
from console.aws.ids import bare_guid, is_cognito_id, pasted_id, region_of, unwrap_pasted
from console.aws.pools import PoolSummary, all_pools
from console.inventory import queries

from . import developer_users, trail

# A region-looking prefix and a colon: meant as an id, even if the rest is wrong.
_LOOKS_LIKE_ID = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+:.*", re.DOTALL)


@dataclass(frozen=True)
class Query:
    """A parsed search: kind is "empty", "id", "guid" (an id without its region),
    "developer_user" or "malformed". `pasted` is what was typed, trimmed, when `text` (what is
    searched) differs from it."""

    text: str
    kind: str
    problem: str = ""
    pasted: str = ""

    @property
    def region(self) -> str:
        return region_of(self.text)


def parse(raw: str) -> Query:
    """What the person typed, unwrapped, and what kind of search it asks for."""
    query = _parse(unwrap_pasted(raw))
    pasted = raw.strip()
    return replace(query, pasted=pasted) if pasted != query.text else query


def _parse(text: str) -> Query:
    if not text:
        return Query("", "empty")
    limit = gateway.developer_token_limits().user_max_length
    if len(text) > limit:
        return Query(text, "malformed", f"That is {len(text):,} characters long; ids are at most {limit:,}.")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        return Query(text, "malformed", "That contains control characters; paste the id again as plain text.")
    text = pasted_id(text) or text
    if is_cognito_id(text):
        if region_of(text) not in settings.AWS_REGIONS:
            return Query(
                text,
                "malformed",
                f"Region {region_of(text)} is not one this console uses "
                f"(it uses {', '.join(settings.AWS_REGIONS)}).",
            )
        return Query(text, "id")
    guid = bare_guid(text)
    if guid:
        return Query(guid, "guid")
    if _LOOKS_LIKE_ID.fullmatch(text):
        return Query(
            text,
            "malformed",
            "That looks like an identity or pool id, but ids are REGION:GUID with a GUID of hexadecimal digits "
            "(e.g. us-east-1:0a1b2c3d-0000-4000-8000-000000000001).",
        )
    return Query(text, "developer_user")


# --- Searching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    pool: DeveloperPool
    identity_id: str


@dataclass(frozen=True)
class DeveloperSearch:
    """The identities of a developer user id: where it was found, asked, and what failed."""

    matches: tuple[Match, ...]
    searched: tuple[DeveloperPool, ...]
    failures: tuple[Failure, ...]
    as_of: datetime | None


def search_developer_user(user: str, pools: Catalog, only_pool: str = "") -> DeveloperSearch:
    """LookupDeveloperIdentity for `user` in each pool of the catalog (or only `only_pool`)."""
    asked = tuple(pool for pool in pools.pools if not only_pool or pool.pool_id == only_pool)
    outcomes = fan_out(lambda pool: gateway.identity_of_developer_user(pool.pool_id, user), asked)
    matches = tuple(Match(outcome.item, outcome.value) for outcome in outcomes if outcome.ok)
    developer_users.remember_found(user, ((match.pool.pool_id, match.identity_id) for match in matches))
    # "Not found" is an answer, not a failure.
    failures = tuple(
        Failure(f"{outcome.item.name} ({outcome.item.pool_id})", outcome.error)
        for outcome in outcomes
        if not outcome.ok and not isinstance(outcome.error, NotFound)
    )
    catalog_failures = () if only_pool else pools.failures
    return DeveloperSearch(matches, asked, (*catalog_failures, *failures), pools.as_of)


# Reading the pools again costs one DescribeIdentityPool per pool of every region, from the
# quota every page and job shares: each person may do it once per this many seconds.
READ_AGAIN_SECONDS = CATALOG_SECONDS


def may_read_pools_again(user_id: int) -> bool:
    """Whether this person's `refresh` may rebuild the catalog now (and count it if so)."""
    return cache.add(f"identities:pools-read-again:{user_id}", True, READ_AGAIN_SECONDS)


@dataclass(frozen=True)
class IdFound:
    """What a `REGION:GUID` is: kind "identity" (with its pool, if found), "pool", or "gone":
    an identity the service does not know any more that the inventory listed (`known` says
    where, and when and how it went if the inventory knows)."""

    kind: str
    pool_id: str | None
    known: queries.InventoriedIdentity | None = None


def find_id(cognito_id: str) -> IdFound | None:
    """An identity (and its pool), an identity that is gone, or a pool with this id; None when
    it is none of them. One DescribeIdentity, and no call per pool for an id the inventory knows."""
    try:
        gateway.describe_identity(cognito_id)
    except NotFound:
        known = queries.pool_of(cognito_id)
        if known is not None:
            return IdFound("gone", known.pool_id, known)
    else:
        return IdFound("identity", pool_of_identity(cognito_id).pool_id)
    try:
        gateway.pool_facts(cognito_id)
    except NotFound:
        return None
    return IdFound("pool", cognito_id)


@dataclass(frozen=True)
class GuidFound:
    """Which `REGION:GUID` a GUID alone is (`cognito_id`, None if none) and what it is (`found`:
    None for an id only the audit trail knows); `errors` of regions that could not be asked."""

    cognito_id: str | None
    found: IdFound | None
    errors: tuple[CognitoError, ...] = ()


def find_guid(guid: str) -> GuidFound:
    """The id a GUID pasted without its region names: first in the region where the inventory
    or the audit trail knows it (no call), else asked region by region of AWS_REGIONS, one
    DescribeIdentity and at most one DescribeIdentityPool each, until one answers."""
    candidates = [f"{region}:{guid}" for region in settings.AWS_REGIONS]
    for cognito_id in candidates:
        if queries.pool_of(cognito_id) or queries.knows_pool(cognito_id) or trail.knows_id(cognito_id):
            return GuidFound(cognito_id, find_id(cognito_id))
    errors: list[CognitoError] = []
    for cognito_id in candidates:
        try:
            found = find_id(cognito_id)
        except CognitoError as exc:
            errors.append(exc)
            continue
        if found is not None:
            return GuidFound(cognito_id, found)
    return GuidFound(None, None, tuple(errors))


@dataclass(frozen=True)
class PoolOfIdentity:
    """Which pool an identity is in: `pool_id`, or None with the `error` that kept a pool of its
    region from answering (no error: every pool answered, and none claims it)."""

    pool_id: str | None
    error: CognitoError | None = None

    @property
    def busy(self) -> bool:
        """Not found because the account's quota is busy: try again, it is not "no pool"."""
        return isinstance(self.error, Throttled)


# An identity never changes pool (DESIGN.md, invariant 7) and ids are never reused, so a found
# answer may be kept as long as the cache keeps anything. "Not found" and failures never are.
POOL_OF_IDENTITY_SECONDS = 30 * 24 * 3600


def _pool_key(identity_id: str) -> str:
    return f"identities:pool-of:{settings.COGNITO_ENDPOINT}:{identity_id}"


def remember_pool(identity_id: str, pool_id: str) -> None:
    """Keep a pool the service confirmed for the identity (the identity page's `?pool=` check)."""
    cache.set(_pool_key(identity_id), pool_id, POOL_OF_IDENTITY_SECONDS)


def pool_of_identity(identity_id: str) -> PoolOfIdentity:
    """The pool an identity belongs to: from the inventory, which knows it without a call for
    every identity a sync listed or the console created (an identity never changes pool:
    DESIGN.md invariant 7); else from the cache (Redis, shared by every process); else by
    asking every pool of its region, which costs one LookupDeveloperIdentity per pool.

    The one place pages ask "which pool".
    """
    known = queries.pool_of(identity_id)
    if known is not None:
        return PoolOfIdentity(known.pool_id)
    remembered = cache.get(_pool_key(identity_id))
    if isinstance(remembered, str):
        return PoolOfIdentity(remembered)
    answer = _ask_every_pool(identity_id)
    if answer.pool_id:
        remember_pool(identity_id, answer.pool_id)
    return answer


def _ask_every_pool(identity_id: str) -> PoolOfIdentity:
    """DescribeIdentity does not say; LookupDeveloperIdentity by IdentityId answers only in the
    identity's own pool, so the region's pools are asked, a few at a time. Once one answers,
    or the quota is busy, the rest are not asked: neither would change the answer."""
    try:
        summaries = all_pools(region_of(identity_id))
    except CognitoError as exc:
        return PoolOfIdentity(None, exc)
    stop: list[CognitoError] = []

    def ask(summary: PoolSummary) -> None:
        if stop:
            raise stop[0]
        try:
            gateway.developer_users_of(summary.pool_id, identity_id, page_size=1)
        except Throttled as exc:
            stop.append(exc)
            raise
        stop.append(NotFound("Not asked: the identity was found in another pool."))

    outcomes: list[Outcome] = fan_out(ask, summaries)
    found = first_success(outcomes)
    if found:
        return PoolOfIdentity(found.item.pool_id)
    # Not found and not authorized mean "not in this pool"; anything else left a pool unasked.
    unanswered = [
        outcome.error
        for outcome in outcomes
        if not outcome.ok and not isinstance(outcome.error, (NotFound, NotAuthorized))
    ]
    busy = next((error for error in unanswered if isinstance(error, Throttled)), None)
    return PoolOfIdentity(None, busy or next(iter(unanswered), None))


def identity_in_pool(identity_id: str, pool_id: str) -> bool:
    """Whether the identity belongs to the pool (LookupDeveloperIdentity by IdentityId answers)."""
    try:
        gateway.developer_users_of(pool_id, identity_id, page_size=1)
    except (NotAuthorized, NotFound):
        return False
    return True
