"""The Cognito calls bulk jobs make: delete identities, merge developer users, look them up.

A bulk delete's ids are first checked against the pool, one LookupDeveloperIdentity call per
id (`pool_membership`), by the same one-attempt client and limiter (console/jobs/membership.py).

Chunk calls go through the one-attempt job client (clients.get_job_client): a throttled call
comes straight back as `errors.Throttled`, and the job counts it, backs off with jitter and
asks the shared rate limiter again before retrying (console/jobs/retrying.py). `max_wait` is
how long the call may wait for its turn in the limiter (the chunk's remaining time). Job calls
wait in the limiter as background work: a page waiting for the same operation goes first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from . import errors, identities
from .calls import call
from .clients import get_job_client
from .identities import Unprocessed
from .ids import region_of


def _one_attempt(
    region: str,
    operation: str,
    *,
    max_wait: float,
    reason: str = "",
    identities: tuple[str, ...] = (),
    **params: object,
) -> dict[str, Any]:
    """One call through the region's one-attempt job client, waiting at most `max_wait` in the limiter
    behind any page that waits for the same operation. `identities`: others the call changes (`calls.call`'s
    `audit_identities`)."""
    return call(
        region,
        operation,
        client=get_job_client(region),
        audit_reason=reason,
        audit_identities=identities,
        max_wait=max_wait,
        background=True,
        **params,
    )


@dataclass(frozen=True)
class JobPool:
    """What a job needs to know about its pool."""

    pool_id: str
    name: str
    developer_provider: str | None

    @property
    def region(self) -> str:
        return region_of(self.pool_id)


def job_pool(pool_id: str) -> JobPool:
    """DescribeIdentityPool: the pool's name and developer provider (asked when a job is set up)."""
    answer = call(region_of(pool_id), "describe_identity_pool", IdentityPoolId=pool_id)
    return JobPool(pool_id, answer.get("IdentityPoolName", ""), answer.get("DeveloperProviderName") or None)


def delete_identities(
    region: str, identity_ids: Iterable[str], *, reason: str, max_wait: float
) -> tuple[Unprocessed, ...]:
    """DeleteIdentities (at most 60 ids, one attempt): the ids it left undeleted."""
    return identities.delete_identities(
        region, identity_ids, reason=reason, client=get_job_client(region), max_wait=max_wait
    )


def merge_developer_users(
    pool_id: str,
    provider: str,
    source: str,
    destination: str,
    *,
    reason: str,
    max_wait: float,
    source_identity: str = "",
) -> str:
    """MergeDeveloperIdentities (one attempt): the destination's identity id, now holding both users.

    `source_identity`, when known, is the identity the merge empties: its history finds the event too."""
    answer = _one_attempt(
        region_of(pool_id),
        "merge_developer_identities",
        reason=reason,
        max_wait=max_wait,
        identities=(source_identity,) if source_identity else (),
        SourceUserIdentifier=source,
        DestinationUserIdentifier=destination,
        DeveloperProviderName=provider,
        IdentityPoolId=pool_id,
    )
    return answer["IdentityId"]


def developer_user_identity(pool_id: str, user: str, *, max_wait: float) -> str | None:
    """LookupDeveloperIdentity (one attempt): the identity a developer user id belongs to, or None."""
    try:
        answer = _one_attempt(
            region_of(pool_id),
            "lookup_developer_identity",
            max_wait=max_wait,
            IdentityPoolId=pool_id,
            DeveloperUserIdentifier=user,
            MaxResults=1,
        )
    except errors.NotFound:
        return None
    return answer.get("IdentityId")


def developer_user_ids_page(
    pool_id: str, identity_id: str, next_token: str | None, *, max_wait: float
) -> tuple[tuple[str, ...], str | None]:
    """LookupDeveloperIdentity by IdentityId (60 a page, one attempt): the identity's developer
    user ids and the next page's token; none when the identity is gone (deleted since listed)."""
    params: dict[str, object] = {"IdentityPoolId": pool_id, "IdentityId": identity_id, "MaxResults": 60}
    if next_token:
        params["NextToken"] = next_token
    try:
        answer = _one_attempt(region_of(pool_id), "lookup_developer_identity", max_wait=max_wait, **params)
    except errors.NotFound:
        return (), None
    return tuple(answer.get("DeveloperUserIdentifierList") or ()), answer.get("NextToken") or None


@dataclass(frozen=True)
class Listed:
    """One identity of a ListIdentities page: its id, linked login providers and dates."""

    identity_id: str
    logins: tuple[str, ...]
    created: datetime | None
    modified: datetime | None


def list_identities_page(
    pool_id: str, next_token: str | None, *, hide_disabled: bool = False, max_wait: float
) -> tuple[tuple[Listed, ...], str | None]:
    """ListIdentities (60 a page, one attempt): the page's identities and the next page's token."""
    params: dict[str, object] = {"IdentityPoolId": pool_id, "MaxResults": 60, "HideDisabled": hide_disabled}
    if next_token:
        params["NextToken"] = next_token
    answer = _one_attempt(region_of(pool_id), "list_identities", max_wait=max_wait, **params)
    page = tuple(
        Listed(
            item.get("IdentityId", ""),
            tuple(item.get("Logins") or ()),
            item.get("CreationDate"),
            item.get("LastModifiedDate"),
        )
        for item in answer.get("Identities", [])
    )
    return page, answer.get("NextToken") or None


class Membership(Enum):
    """What LookupDeveloperIdentity says of an identity id and a pool."""

    MEMBER = "member"
    OTHER_POOL = "other_pool"
    NOT_IN_POOL = "not_in_pool"


def pool_membership(pool_id: str, identity_id: str, *, max_wait: float) -> Membership:
    """LookupDeveloperIdentity by identity id (one attempt): whether the identity is the pool's.

    DeleteIdentities has no pool parameter; this is the one call that names both. Its answers
    (reference §4.15): the identity (the pool's, with or without developer users),
    NotAuthorizedException (another pool's identity), ResourceNotFoundException (no such
    identity here). AccessDeniedException and every other error are raised: they say nothing
    about the identity.
    """
    try:
        answer = _one_attempt(
            region_of(pool_id),
            "lookup_developer_identity",
            max_wait=max_wait,
            IdentityPoolId=pool_id,
            IdentityId=identity_id,
            MaxResults=1,
        )
    except errors.NotFound:
        return Membership.NOT_IN_POOL
    except errors.NotAuthorized as exc:
        if exc.code != "NotAuthorizedException":
            raise
        return Membership.OTHER_POOL
    if answer.get("IdentityId") != identity_id:
        raise errors.CognitoError(
            f"LookupDeveloperIdentity answered identity {answer.get('IdentityId')!r} when asked about {identity_id}.",
            code="UnexpectedAnswer",
            operation="LookupDeveloperIdentity",
        )
    return Membership.MEMBER


def identity_exists(identity_id: str, *, max_wait: float) -> bool:
    """DescribeIdentity (one attempt): whether the identity exists (in whichever pool)."""
    try:
        _one_attempt(region_of(identity_id), "describe_identity", max_wait=max_wait, IdentityId=identity_id)
    except errors.NotFound:
        return False
    return True
