"""Identities through the gateway: listing, describing, developer users, unlinking, merging,
deleting, and the public sign-in calls the sign-in tester walks through.

Every function names its AWS operation; the mutating ones are audited by `calls.call`
(with the caller's reason, and the before/after the console knows). Secrets that come back
(OpenID tokens, credentials) are kept out of the dataclasses' repr, so a log line or a
traceback that shows one never shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .calls import call
from .ids import region_of

COGNITO_TOKEN_PROVIDER = "cognito-identity.amazonaws.com"  # noqa: S105 - a provider name, not a secret
_OIDC_MARKER = ":oidc-provider/"


# --- Reading identities ---------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """An IdentityDescription: the id, the provider names of its logins, and its dates."""

    identity_id: str
    logins: tuple[str, ...]
    created: dt.datetime | None
    modified: dt.datetime | None

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> Identity:
        return cls(
            item["IdentityId"],
            tuple(item.get("Logins", ())),
            item.get("CreationDate"),
            item.get("LastModifiedDate"),
        )


@dataclass(frozen=True)
class IdentityPage:
    """One page of ListIdentities and the token for the next one (None on the last page)."""

    identities: tuple[Identity, ...]
    next_token: str | None


def list_identities_page(
    pool_id: str, page_size: int, next_token: str | None = None, *, hide_disabled: bool = False
) -> IdentityPage:
    """ListIdentities: one page of the pool's identities."""
    params: dict[str, Any] = {"IdentityPoolId": pool_id, "MaxResults": page_size}
    if next_token:
        params["NextToken"] = next_token
    if hide_disabled:
        params["HideDisabled"] = True
    page = call(region_of(pool_id), "list_identities", **params)
    return IdentityPage(
        tuple(Identity.of(item) for item in page.get("Identities", [])), page.get("NextToken")
    )


def describe_identity(identity_id: str) -> Identity:
    """DescribeIdentity: the identity's login providers and dates (not its developer user ids)."""
    return Identity.of(call(region_of(identity_id), "describe_identity", IdentityId=identity_id))


@dataclass(frozen=True)
class DeveloperUsersPage:
    """One page of an identity's developer user identifiers (LookupDeveloperIdentity)."""

    identity_id: str
    users: tuple[str, ...]
    next_token: str | None


def developer_users_of(
    pool_id: str, identity_id: str, next_token: str | None = None, page_size: int = 60
) -> DeveloperUsersPage:
    """LookupDeveloperIdentity by IdentityId: a page of the identity's developer user ids.

    Fails (NotAuthorized or NotFound) when the identity is not in this pool, which is how
    the console finds an identity's pool: DescribeIdentity does not say.
    """
    params: dict[str, Any] = {"IdentityPoolId": pool_id, "IdentityId": identity_id, "MaxResults": page_size}
    if next_token:
        params["NextToken"] = next_token
    page = call(region_of(pool_id), "lookup_developer_identity", **params)
    return DeveloperUsersPage(
        page.get("IdentityId", identity_id),
        tuple(page.get("DeveloperUserIdentifierList", ())),
        page.get("NextToken"),
    )


def identity_of_developer_user(pool_id: str, user: str) -> str:
    """LookupDeveloperIdentity by DeveloperUserIdentifier: the identity id of that user.

    Raises NotFound when the pool has no such developer user.
    """
    page = call(
        region_of(pool_id), "lookup_developer_identity", IdentityPoolId=pool_id, DeveloperUserIdentifier=user
    )
    return page["IdentityId"]


# --- Pools, as far as identity pages need them ---------------------------------------------


@dataclass(frozen=True)
class PoolFacts:
    """What identity pages need to know of a pool (DescribeIdentityPool)."""

    pool_id: str
    name: str
    developer_provider: str | None
    allow_unauthenticated: bool
    # The keys a `Logins` map may use with this pool (public providers).
    login_providers: tuple[str, ...]

    @property
    def region(self) -> str:
        return region_of(self.pool_id)


def pool_facts(pool_id: str) -> PoolFacts:
    """DescribeIdentityPool: the pool's name, developer provider and login providers."""
    pool = call(region_of(pool_id), "describe_identity_pool", IdentityPoolId=pool_id)
    providers = [*pool.get("SupportedLoginProviders", {})]
    providers += [item["ProviderName"] for item in pool.get("CognitoIdentityProviders", [])]
    # An OpenID Connect provider is named in Logins by its issuer, the ARN's tail.
    providers += [
        arn.split(_OIDC_MARKER, 1)[1]
        for arn in pool.get("OpenIdConnectProviderARNs", [])
        if _OIDC_MARKER in arn
    ]
    providers += list(pool.get("SamlProviderARNs", []))
    return PoolFacts(
        pool["IdentityPoolId"],
        pool["IdentityPoolName"],
        pool.get("DeveloperProviderName"),
        bool(pool.get("AllowUnauthenticatedIdentities")),
        tuple(dict.fromkeys(providers)),
    )


# --- Changing identities --------------------------------------------------------------------


def unlink_developer_user(pool_id: str, identity_id: str, provider: str, user: str, *, reason: str) -> None:
    """UnlinkDeveloperIdentity: detach developer user `user` from the identity."""
    call(
        region_of(pool_id),
        "unlink_developer_identity",
        audit_before={"DeveloperUserIdentifier": user},
        audit_after={"DeveloperUserIdentifier": None},
        audit_reason=reason,
        IdentityId=identity_id,
        IdentityPoolId=pool_id,
        DeveloperProviderName=provider,
        DeveloperUserIdentifier=user,
    )


def merge_developer_users(
    pool_id: str, provider: str, source: str, destination: str, *, source_identity: str, reason: str
) -> str:
    """MergeDeveloperIdentities: move developer user `source` (and its identity's logins) into
    the identity of `destination`; returns that identity's id.

    `source_identity` is the identity the source user had: the merge disables it, so its
    history must find this event too.
    """
    answer = call(
        region_of(pool_id),
        "merge_developer_identities",
        audit_before={"SourceIdentityId": source_identity},
        audit_reason=reason,
        audit_identities=[source_identity],
        SourceUserIdentifier=source,
        DestinationUserIdentifier=destination,
        DeveloperProviderName=provider,
        IdentityPoolId=pool_id,
    )
    return answer["IdentityId"]


@dataclass(frozen=True)
class Unprocessed:
    """An identity DeleteIdentities could not delete, and why (AccessDenied, InternalServerError)."""

    identity_id: str
    error_code: str


def delete_identities(
    region: str,
    identity_ids: Iterable[str],
    *,
    reason: str,
    before: dict[str, Any] | None = None,
    client: Any = None,
    max_wait: float | None = None,
) -> tuple[Unprocessed, ...]:
    """DeleteIdentities: delete up to 60 identities; returns those left undeleted.

    `client` and `max_wait` go to `calls.call`: bulk jobs pass their one-attempt client and
    the chunk's remaining time (jobs_calls.delete_identities).
    """
    answer = call(
        region,
        "delete_identities",
        client=client,
        audit_before=before,
        audit_reason=reason,
        max_wait=max_wait,
        IdentityIdsToDelete=list(identity_ids),
    )
    return tuple(
        Unprocessed(item.get("IdentityId", ""), item.get("ErrorCode", ""))
        for item in answer.get("UnprocessedIdentityIds", [])
    )


def unlink_logins(identity_id: str, logins: Mapping[str, str], remove: Iterable[str], *, reason: str) -> None:
    """UnlinkIdentity: remove the logins of providers `remove`, proving ownership with `logins`
    (the user's current provider tokens, which the audit trail never keeps)."""
    call(
        region_of(identity_id),
        "unlink_identity",
        audit_reason=reason,
        IdentityId=identity_id,
        Logins=dict(logins),
        LoginsToRemove=list(remove),
    )


@dataclass(frozen=True)
class OpenIdToken:
    """An identity id and the OpenID token issued for it (never shown in repr)."""

    identity_id: str
    token: str = field(repr=False)


def register_developer_user(
    pool_id: str,
    provider: str,
    user: str,
    *,
    identity_id: str | None = None,
    principal_tags: Mapping[str, str] | None = None,
    token_duration: int | None = None,
    reason: str = "",
) -> OpenIdToken:
    """GetOpenIdTokenForDeveloperIdentity: register (or find) developer user `user`, optionally
    on an existing identity, and get an OpenID token for it."""
    params: dict[str, Any] = {"IdentityPoolId": pool_id, "Logins": {provider: user}}
    if identity_id:
        params["IdentityId"] = identity_id
    if principal_tags:
        params["PrincipalTags"] = dict(principal_tags)
    if token_duration is not None:
        params["TokenDuration"] = token_duration
    # The Logins value (the user id) is redacted from the stored request like every login;
    # the event keeps which user was registered here.
    answer = call(
        region_of(pool_id),
        "get_open_id_token_for_developer_identity",
        audit_after={"DeveloperUserIdentifier": user},
        audit_reason=reason,
        **params,
    )
    return OpenIdToken(answer["IdentityId"], answer["Token"])


# --- The public sign-in calls (the sign-in tester) ------------------------------------------


def get_id(pool_id: str, logins: Mapping[str, str] | None = None) -> str:
    """GetId: the identity of these logins (a new guest identity when there are none)."""
    params: dict[str, Any] = {"IdentityPoolId": pool_id}
    if logins:
        params["Logins"] = dict(logins)
    return call(region_of(pool_id), "get_id", **params)["IdentityId"]


def get_open_id_token(identity_id: str, logins: Mapping[str, str] | None = None) -> OpenIdToken:
    """GetOpenIdToken (basic flow): an OpenID token for the identity."""
    params: dict[str, Any] = {"IdentityId": identity_id}
    if logins:
        params["Logins"] = dict(logins)
    answer = call(region_of(identity_id), "get_open_id_token", **params)
    return OpenIdToken(answer["IdentityId"], answer["Token"])


@dataclass(frozen=True)
class Credentials:
    """AWS credentials from GetCredentialsForIdentity; the secret parts stay out of repr."""

    identity_id: str
    access_key_id: str
    secret_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: dt.datetime | None = None


def get_credentials(
    identity_id: str, logins: Mapping[str, str] | None = None, custom_role_arn: str | None = None
) -> Credentials:
    """GetCredentialsForIdentity (enhanced flow): credentials for the identity's role."""
    params: dict[str, Any] = {"IdentityId": identity_id}
    if logins:
        params["Logins"] = dict(logins)
    if custom_role_arn:
        params["CustomRoleArn"] = custom_role_arn
    answer = call(region_of(identity_id), "get_credentials_for_identity", **params)
    credentials = answer.get("Credentials", {})
    return Credentials(
        answer["IdentityId"],
        credentials.get("AccessKeyId", ""),
        credentials.get("SecretKey", ""),
        credentials.get("SessionToken", ""),
        credentials.get("Expiration"),
    )


# --- Limits from botocore's model -----------------------------------------------------------


@dataclass(frozen=True)
class DeveloperTokenLimits:
    """GetOpenIdTokenForDeveloperIdentity's input limits, as botocore's model states them."""

    token_duration_min: int
    token_duration_max: int
    user_max_length: int
    tags_max: int
    tag_key_max_length: int
    tag_value_max_length: int


@cache
def developer_token_limits() -> DeveloperTokenLimits:
    """Read once from the service model the clients use (the source of truth, not copied numbers)."""
    from botocore.session import get_session

    model = get_session().get_service_model("cognito-identity")
    members = model.operation_model("GetOpenIdTokenForDeveloperIdentity").input_shape.members
    duration, tags = members["TokenDuration"].metadata, members["PrincipalTags"]
    user = model.operation_model("LookupDeveloperIdentity").input_shape.members["DeveloperUserIdentifier"]
    return DeveloperTokenLimits(
        duration["min"],
        duration["max"],
        user.metadata["max"],
        tags.metadata["max"],
        tags.key.metadata["max"],
        tags.value.metadata["max"],
    )
