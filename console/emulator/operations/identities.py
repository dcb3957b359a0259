"""Identities: GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from .. import errors
from ..models import Identity, IdentityLogin, IdentityPool
from ..protocol import RequestContext, operation
from . import linking, logins, paging, store

UNAUTHENTICATED_NOT_SUPPORTED = linking.UNAUTHENTICATED_NOT_SUPPORTED


@operation("GetId")
def get_id(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The identity of the caller's logins, or a new guest identity on every unauthenticated call."""
    supplied = store.logins_param(params)
    if not supplied:
        return {"IdentityId": _new_guest_identity(ctx, params["IdentityPoolId"])}
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    wanted = logins.resolve_all(pool, supplied)
    identity = linking.retry_on_race(linking.identity_for_logins, pool, wanted)
    return {"IdentityId": identity.identity_id}


def _new_guest_identity(ctx: RequestContext, pool_id: str) -> str:
    """GetId's hot path (every launch of a guest app) in two plain statements.

    Through the ORM this call cost about five times as much: building the queries, loading
    the whole pool (eight JSON fields) and a savepoint around one INSERT. The SQL is
    parameterised; only the models' own table and column names are formatted in.
    """
    pools, identities = IdentityPool._meta.db_table, Identity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, allow_unauthenticated FROM {pools} WHERE pool_id = %s AND region = %s",  # noqa: S608
            [pool_id, ctx.region],
        )
        row = cursor.fetchone()
        if row is None:
            raise errors.pool_not_found(pool_id)
        if not row[1]:
            raise errors.NotAuthorized(UNAUTHENTICATED_NOT_SUPPORTED)
        identity_id = store.new_id(ctx.region)
        moment = connection.ops.adapt_datetimefield_value(store.now())
        cursor.execute(
            f"INSERT INTO {identities} (identity_id, pool_id, created_at, modified_at, disabled)"  # noqa: S608
            " VALUES (%s, %s, %s, %s, %s)",
            [identity_id, row[0], moment, moment, False],
        )
    return identity_id


@operation("DescribeIdentity")
def describe_identity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    identity = store.get_identity(ctx, params["IdentityId"])
    return store.identity_description(
        identity.identity_id, store.provider_names(identity), identity.created_at, identity.modified_at
    )


@operation("ListIdentities")
def list_identities(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """One page in creation order; the keyset query rides the (pool, [disabled,] id) indexes."""
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    limit = store.max_results(params)
    hide_disabled = params.get("HideDisabled") is True
    scope = {"op": "ListIdentities", "pool": pool.pool_id, "hide": hide_disabled}
    after = paging.read_token(store.text_param(params, "NextToken"), scope)
    queryset = Identity.objects.filter(pool=pool, id__gt=after)
    if hide_disabled:
        # `__in=[False]` renders `disabled IN (0)`; `disabled=False` renders `NOT disabled`,
        # which SQLite cannot match to the (pool, disabled, id) index.
        queryset = queryset.filter(disabled__in=[False])
    rows = list(
        queryset.order_by("id").values_list("id", "identity_id", "created_at", "modified_at")[: limit + 1]
    )
    shown, token = paging.page(rows, limit, scope, lambda row: row[0])
    providers = store.logins_by_identity([row[0] for row in shown])
    output: dict[str, Any] = {
        "IdentityPoolId": pool.pool_id,
        "Identities": [
            store.identity_description(identity_id, providers[pk], created, modified)
            for pk, identity_id, created, modified in shown
        ],
    }
    if token:
        output["NextToken"] = token
    return output


@operation("DeleteIdentities")
@transaction.atomic
def delete_identities(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Delete up to 60 identities of any pools of the region; unknown ids count as deleted."""
    ids = [value for value in store.list_param(params, "IdentityIdsToDelete") if isinstance(value, str)]
    found = dict(Identity.objects.filter(identity_id__in=ids).values_list("pk", "pool_id"))
    # Two plain queries instead of a join: SQLite plans the join as a scan of the pool.
    in_region = set(
        IdentityPool.objects.filter(pk__in=set(found.values()), region=ctx.region).values_list(
            "pk", flat=True
        )
    )
    doomed = [pk for pk, pool_pk in found.items() if pool_pk in in_region]
    IdentityLogin.objects.filter(identity_id__in=doomed).delete()
    Identity.objects.filter(pk__in=doomed).delete()
    return {"UnprocessedIdentityIds": []}


@operation("UnlinkIdentity")
@transaction.atomic
def unlink_identity(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Detach public logins; the caller proves ownership with a current login of the identity."""
    identity = store.get_identity(ctx, params["IdentityId"], for_update=True)
    store.forbid_disabled(identity)
    _prove_ownership(identity, store.logins_param(params))
    linked = IdentityLogin.objects.filter(identity=identity)
    doomed: list[int] = []
    for provider in store.list_param(params, "LoginsToRemove"):
        if provider == identity.pool.developer_provider_name:
            raise errors.InvalidParameter(
                "Developer user identifiers are unlinked with UnlinkDeveloperIdentity."
            )
        row = linked.filter(provider=provider, is_developer=False).first()
        if row is None:
            raise errors.ResourceConflict(
                f"Login '{provider}' is not linked to identity '{identity.identity_id}'."
            )
        doomed.append(row.pk)
    IdentityLogin.objects.filter(pk__in=doomed).delete()
    store.touch(identity)
    linking.disable_if_no_logins(identity)


def _prove_ownership(identity: Identity, supplied: dict[str, str]) -> None:
    """At least one supplied login (or a Cognito token for it) must belong to the identity.

    Every supplied token must be valid, as in the other sign-in calls.
    """
    linked = set(IdentityLogin.objects.filter(identity=identity).values_list("provider", "subject"))
    proven = False
    for provider, token in supplied.items():
        if provider == store.COGNITO_TOKEN_PROVIDER:
            logins.resolve_cognito_token(identity, token)
            proven = True
        else:
            proven = logins.resolve(identity.pool, provider, token).key in linked or proven
    if not proven:
        raise errors.NotAuthorized(logins.LOGINS_DONT_MATCH)
