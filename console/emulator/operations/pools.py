"""Identity pools: Create, Describe, Update, Delete and List."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import transaction

from .. import errors
from ..models import Identity, IdentityLogin, IdentityPool
from ..protocol import RequestContext, operation
from . import paging, store
from .tags import check_tags

_OIDC_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:oidc-provider/\S+$")
_SAML_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:saml-provider/[\w+=,.@-]+$")
MAX_USER_POOL_PROVIDERS = 50


def pool_output(pool: IdentityPool) -> dict[str, Any]:
    """The `IdentityPool` shape, with only the members that are set (as AWS echoes it)."""
    output: dict[str, Any] = {
        "IdentityPoolId": pool.pool_id,
        "IdentityPoolName": pool.name,
        "AllowUnauthenticatedIdentities": pool.allow_unauthenticated,
    }
    store.non_empty(output, "AllowClassicFlow", pool.allow_classic_flow)
    store.non_empty(output, "SupportedLoginProviders", pool.supported_login_providers)
    store.non_empty(output, "DeveloperProviderName", pool.developer_provider_name)
    store.non_empty(output, "OpenIdConnectProviderARNs", pool.openid_connect_provider_arns)
    store.non_empty(output, "CognitoIdentityProviders", pool.cognito_identity_providers)
    store.non_empty(output, "SamlProviderARNs", pool.saml_provider_arns)
    store.non_empty(output, "IdentityPoolTags", pool.tags)
    return output


def _user_pool_providers(params: dict[str, Any]) -> list[dict[str, Any]]:
    providers = []
    for item in store.list_param(params, "CognitoIdentityProviders"):
        if not isinstance(item, dict) or not isinstance(item.get("ProviderName"), str):
            raise errors.InvalidParameter("Each CognitoIdentityProviders entry needs a ProviderName.")
        provider: dict[str, Any] = {"ProviderName": item["ProviderName"]}
        if item.get("ClientId") is not None:
            provider["ClientId"] = item["ClientId"]
        provider["ServerSideTokenCheck"] = bool(item.get("ServerSideTokenCheck", False))
        providers.append(provider)
    if len(providers) > MAX_USER_POOL_PROVIDERS:
        raise errors.LimitExceeded(
            f"An identity pool can have at most {MAX_USER_POOL_PROVIDERS} Cognito user pool providers."
        )
    return providers


def _arns(params: dict[str, Any], key: str, pattern: re.Pattern[str]) -> list[str]:
    arns = store.list_param(params, key)
    for arn in arns:
        if not isinstance(arn, str) or not pattern.match(arn):
            raise errors.InvalidParameter(f"Invalid {key} value: '{arn}'.")
    return list(dict.fromkeys(arns))


def _allow_classic_flow(params: dict[str, Any]) -> bool | None:
    value = params.get("AllowClassicFlow")
    if value is not None and not isinstance(value, bool):
        raise errors.InvalidParameter("AllowClassicFlow must be a boolean.")
    return value


def _configuration(params: dict[str, Any]) -> dict[str, Any]:
    """Model fields from a Create/Update input; omitted optional members get their defaults."""
    allow_unauthenticated = params.get("AllowUnauthenticatedIdentities")
    if not isinstance(allow_unauthenticated, bool):
        raise errors.InvalidParameter("AllowUnauthenticatedIdentities must be a boolean.")
    name = store.text_param(params, "IdentityPoolName")
    if not name:
        raise errors.InvalidParameter("IdentityPoolName is required.")
    return {
        "name": name,
        "allow_unauthenticated": allow_unauthenticated,
        "allow_classic_flow": _allow_classic_flow(params),
        "supported_login_providers": store.map_param(params, "SupportedLoginProviders"),
        "developer_provider_name": store.text_param(params, "DeveloperProviderName"),
        "openid_connect_provider_arns": _arns(params, "OpenIdConnectProviderARNs", _OIDC_ARN),
        "cognito_identity_providers": _user_pool_providers(params),
        "saml_provider_arns": _arns(params, "SamlProviderARNs", _SAML_ARN),
    }


@operation("CreateIdentityPool")
@transaction.atomic
def create_identity_pool(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    configuration = _configuration(params)
    tags = check_tags(store.map_param(params, "IdentityPoolTags"))
    limit = settings.EMULATOR_MAX_POOLS_PER_REGION
    # Not locked: two creates racing at the limit may both pass, which is harmless here.
    if IdentityPool.objects.filter(region=ctx.region).count() >= limit:
        raise errors.LimitExceeded(f"You have reached the limit of {limit} identity pools in {ctx.region}.")
    pool = IdentityPool.objects.create(
        pool_id=store.new_id(ctx.region),
        region=ctx.region,
        account_id=ctx.account_id,
        tags=tags,
        **configuration,
    )
    return pool_output(pool)


@operation("DescribeIdentityPool")
def describe_identity_pool(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return pool_output(store.get_pool(ctx, params["IdentityPoolId"]))


@operation("UpdateIdentityPool")
@transaction.atomic
def update_identity_pool(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Replace the whole pool: omitted optional members go back to their defaults."""
    pool = store.get_pool(ctx, params["IdentityPoolId"], for_update=True)
    configuration = _configuration(params)
    if (
        pool.developer_provider_name
        and configuration["developer_provider_name"] != pool.developer_provider_name
    ):
        raise errors.InvalidParameter(
            f"DeveloperProviderName cannot be changed or removed once it is set "
            f"(this pool's is '{pool.developer_provider_name}')."
        )
    # Roles, role mappings and principal-tag maps are not part of the IdentityPool shape,
    # so they stay, even for a provider this update removes (SetIdentityPoolRoles owns them).
    for field, value in configuration.items():
        setattr(pool, field, value)
    # Tags are the exception to "replace": omitting IdentityPoolTags keeps them, because
    # tools such as terraform manage tags with Tag/UntagResource and update without them.
    if params.get("IdentityPoolTags") is not None:
        pool.tags = check_tags(store.map_param(params, "IdentityPoolTags"))
    pool.save()
    return pool_output(pool)


@operation("DeleteIdentityPool")
@transaction.atomic
def delete_identity_pool(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the pool and everything in it (roles, maps and tags live on the pool row)."""
    pool = store.get_pool(ctx, params["IdentityPoolId"], for_update=True)
    # Two set-based DELETEs instead of Django's collector, which would load every one
    # of a large pool's identities into memory first. Logins go first (they point at
    # identities); IdentityLogin has no dependants, so its delete is already one query.
    IdentityLogin.objects.filter(pool=pool).delete()
    identities = Identity.objects.filter(pool=pool)
    identities._raw_delete(identities.db)
    pool.delete()


@operation("ListIdentityPools")
def list_identity_pools(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    limit = store.max_results(params)
    scope = {"op": "ListIdentityPools", "region": ctx.region}
    after = paging.read_token(store.text_param(params, "NextToken"), scope)
    rows = list(
        IdentityPool.objects.filter(region=ctx.region, id__gt=after)
        .order_by("id")
        .values_list("id", "pool_id", "name")[: limit + 1]
    )
    shown, token = paging.page(rows, limit, scope, lambda row: row[0])
    output: dict[str, Any] = {
        "IdentityPools": [{"IdentityPoolId": pool_id, "IdentityPoolName": name} for _, pool_id, name in shown]
    }
    if token:
        output["NextToken"] = token
    return output
