"""Developer-authenticated identities: token, lookup, merge and unlink."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .. import errors
from ..models import Identity, IdentityLogin, IdentityPool, subject_key
from ..protocol import RequestContext, operation
from . import linking, logins, paging, store, tokens
from .logins import ResolvedLogin

DEVELOPER_NOT_SUPPORTED = "This identity pool does not support the specified developer provider"
DEFAULT_TOKEN_DURATION = 900
MAX_TOKEN_DURATION = 86400
MAX_DEVELOPER_USER_IDENTIFIER = 1024


def _check_developer_provider(pool: IdentityPool, provider: str | None) -> str:
    if not pool.developer_provider_name or provider != pool.developer_provider_name:
        raise errors.NotAuthorized(DEVELOPER_NOT_SUPPORTED)
    return provider


def _developer_login(pool: IdentityPool, user: str, *, for_update: bool = False) -> IdentityLogin | None:
    queryset = IdentityLogin.objects.filter(
        pool=pool, provider=pool.developer_provider_name, subject_key=subject_key(user), is_developer=True
    )
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.first()


def _split_logins(pool: IdentityPool, supplied: dict[str, str]) -> tuple[str, list[ResolvedLogin]]:
    """The developer user id and the public logins of a GetOpenIdTokenForDeveloperIdentity call."""
    developer_user: str | None = None
    public: list[ResolvedLogin] = []
    configured = store.login_providers(pool)
    for provider, value in supplied.items():
        if pool.developer_provider_name and provider == pool.developer_provider_name:
            developer_user = value
        elif provider == store.COGNITO_TOKEN_PROVIDER:
            raise errors.NotAuthorized(logins.COGNITO_TOKEN_IN_GET_ID)
        elif provider in configured:
            public.append(logins.resolve(pool, provider, value))
        else:
            # A key that is neither this pool's developer provider nor one of its
            # public providers is taken as another developer provider's name.
            raise errors.NotAuthorized(DEVELOPER_NOT_SUPPORTED)
    if developer_user is None:
        raise errors.InvalidParameter(
            "Logins must contain this identity pool's developer provider name as a key."
            if pool.developer_provider_name
            else "This identity pool has no DeveloperProviderName."
        )
    if len(developer_user) > MAX_DEVELOPER_USER_IDENTIFIER:
        raise errors.InvalidParameter(
            f"The developer user identifier must be at most {MAX_DEVELOPER_USER_IDENTIFIER} characters."
        )
    return developer_user, public


def _token_duration(params: dict[str, Any]) -> int:
    value = params.get("TokenDuration", DEFAULT_TOKEN_DURATION)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKEN_DURATION:
        raise errors.InvalidParameter(f"TokenDuration must be between 1 and {MAX_TOKEN_DURATION} seconds.")
    return value


def _principal_tags_claim(params: dict[str, Any]) -> dict[str, Any]:
    """Session tags for the token, in the claim STS reads them from."""
    tags = store.map_param(params, "PrincipalTags")
    if not tags:
        return {}
    if not all(isinstance(value, str) for value in tags.values()):
        raise errors.InvalidParameter("PrincipalTags values must be strings.")
    return {"https://aws.amazon.com/tags": {"principal_tags": {key: [value] for key, value in tags.items()}}}


def _register(
    ctx: RequestContext, pool: IdentityPool, user: str, public: list[ResolvedLogin], identity_id: str | None
) -> Identity:
    """The identity of developer user `user`, registering it (on `identity_id` if given).

    Public logins in the call are linked to that identity; one owned by another identity
    merges that identity into this one (the signed call is trusted with the choice).
    """
    existing = _developer_login(pool, user, for_update=True)
    developer = logins.developer_login(pool, user)
    if identity_id is not None:
        identity = store.get_identity_of_pool(ctx, pool, identity_id, for_update=True)
        store.forbid_disabled(identity)
        if existing is not None and existing.identity_id != identity.pk:
            raise errors.DeveloperUserAlreadyRegistered(
                f"Developer user '{user}' is already registered with a different identity."
            )
        if existing is None:
            _require_own_login(identity, public)
            return linking.settle(pool, [developer, *public], identity)[0]
        return linking.settle(pool, public, identity)[0]
    if existing is not None:
        identity = store.lock_identity(existing.identity_id)
        store.forbid_disabled(identity)
        return linking.settle(pool, public, identity)[0]
    # A new developer user joins the identity of the public logins sent with it, if any.
    return linking.settle(pool, [developer, *public])[0]


def _require_own_login(identity: Identity, public: list[ResolvedLogin]) -> None:
    """Linking to an authenticated identity needs one of its logins in the call."""
    linked = set(IdentityLogin.objects.filter(identity=identity).values_list("provider", "subject"))
    if linked and not any(login.key in linked for login in public):
        raise errors.NotAuthorized(logins.LOGINS_DONT_MATCH)


@operation("GetOpenIdTokenForDeveloperIdentity")
def get_open_id_token_for_developer_identity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    user, public = _split_logins(pool, store.logins_param(params))
    duration = _token_duration(params)
    extra = _principal_tags_claim(params)
    identity_id = store.text_param(params, "IdentityId")
    identity = linking.retry_on_race(_register, ctx, pool, user, public, identity_id)
    used = [logins.developer_login(pool, user), *public]
    token = tokens.issue(identity, tokens.amr(identity, used), duration, extra)
    return {"IdentityId": identity.identity_id, "Token": token}


@operation("LookupDeveloperIdentity")
def lookup_developer_identity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Identity of a developer user, or the developer users of an identity (paged)."""
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    identity_id = store.text_param(params, "IdentityId")
    user = store.text_param(params, "DeveloperUserIdentifier")
    if identity_id is None and user is None:
        raise errors.InvalidParameter("Either IdentityId or DeveloperUserIdentifier must be specified.")
    limit = store.max_results(params, default=store.MAX_RESULTS)
    if user is None:
        return _developer_users_page(ctx, pool, identity_id or "", limit, params)
    row = _developer_login(pool, user) if pool.developer_provider_name else None
    if identity_id is not None:
        identity = store.get_identity_of_pool(ctx, pool, identity_id)
        if row is None or row.identity_id != identity.pk:
            raise errors.ResourceConflict(
                f"Developer user '{user}' is not linked to identity '{identity_id}'."
            )
    elif row is None:
        raise errors.ResourceNotFound(f"Developer user '{user}' not found.")
    owner = Identity.objects.values_list("identity_id", flat=True).get(pk=row.identity_id)
    return {"IdentityId": owner, "DeveloperUserIdentifierList": [user]}


def _developer_users_page(
    ctx: RequestContext, pool: IdentityPool, identity_id: str, limit: int, params: dict[str, Any]
) -> dict[str, Any]:
    identity = store.get_identity_of_pool(ctx, pool, identity_id)
    scope = {"op": "LookupDeveloperIdentity", "pool": pool.pool_id, "identity": identity.identity_id}
    after = paging.read_token(store.text_param(params, "NextToken"), scope)
    rows = list(
        IdentityLogin.objects.filter(identity=identity, is_developer=True, id__gt=after)
        .order_by("id")
        .values_list("id", "subject")[: limit + 1]
    )
    shown, token = paging.page(rows, limit, scope, lambda row: row[0])
    output: dict[str, Any] = {
        "IdentityId": identity.identity_id,
        "DeveloperUserIdentifierList": [subject for _, subject in shown],
    }
    if token:
        output["NextToken"] = token
    return output


@operation("MergeDeveloperIdentities")
def merge_developer_identities(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Move the source user's identity, with all its logins, into the destination user's.

    AWS's conflict rules (same public provider on both sides, more than 20 logins
    together) only make sense if the whole source identity is merged, so every login
    moves; the emptied source identity is disabled and remembers where it went.
    """
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    _check_developer_provider(pool, store.text_param(params, "DeveloperProviderName"))
    source, destination = params["SourceUserIdentifier"], params["DestinationUserIdentifier"]
    return {"IdentityId": linking.retry_on_race(_merge, pool, source, destination).identity_id}


def _merge(pool: IdentityPool, source_user: str, destination_user: str) -> Identity:
    # Both rows locked in one statement, in primary-key order, like every other lock here.
    rows = {
        row.subject: row
        for row in IdentityLogin.objects.select_for_update()
        .filter(pool=pool, provider=pool.developer_provider_name, is_developer=True)
        .filter(subject_key__in=[subject_key(source_user), subject_key(destination_user)])
        .order_by("pk")
    }
    for user in (source_user, destination_user):
        if user not in rows:
            raise errors.ResourceNotFound(f"Developer user '{user}' not found.")
    source_pk, destination_pk = rows[source_user].identity_id, rows[destination_user].identity_id
    locked = linking.lock_identities([source_pk, destination_pk])
    destination = locked[destination_pk]
    store.forbid_disabled(destination)
    linking.merge(destination, [locked[source_pk]])
    return destination


@operation("UnlinkDeveloperIdentity")
@transaction.atomic
def unlink_developer_identity(ctx: RequestContext, params: dict[str, Any]) -> None:
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    identity = store.get_identity_of_pool(ctx, pool, params["IdentityId"], for_update=True)
    provider = _check_developer_provider(pool, store.text_param(params, "DeveloperProviderName"))
    user = params["DeveloperUserIdentifier"]
    row = IdentityLogin.objects.filter(
        identity=identity, provider=provider, subject_key=subject_key(user), is_developer=True
    )
    if not row.exists():
        raise errors.ResourceConflict(
            f"Developer user '{user}' is not linked to identity '{identity.identity_id}'."
        )
    row.delete()
    store.touch(identity)
    linking.disable_if_no_logins(identity)
