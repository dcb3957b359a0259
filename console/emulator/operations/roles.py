"""Pool roles and role mappings, and principal-tag attribute maps (ABAC)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from .. import errors
from ..models import IdentityPool
from ..protocol import RequestContext, operation
from . import store

MAX_RULES_PER_PROVIDER = 25
MAX_PRINCIPAL_TAGS = 50
# AWS's documented default "username and clientID" mapping for token providers.
DEFAULT_PRINCIPAL_TAGS = {"username": "sub", "client": "aud"}
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_ROLE_TYPES = ("authenticated", "unauthenticated")


def _check_role_arn(arn: Any) -> str:
    # AWS answers a role it may not pass (or a malformed ARN, or a bare name) this way.
    if not isinstance(arn, str) or not _ROLE_ARN.match(arn):
        raise errors.NotAuthorized(f"Access to Role '{arn}' is forbidden.")
    return arn


def _roles(params: dict[str, Any]) -> dict[str, str]:
    roles = store.map_param(params, "Roles")
    for role_type, arn in roles.items():
        if role_type not in _ROLE_TYPES:
            raise errors.InvalidParameter(
                f"Role type '{role_type}' must be authenticated or unauthenticated."
            )
        _check_role_arn(arn)
    return dict(roles)


def _role_mapping(provider: str, mapping: Any) -> dict[str, Any]:
    if not isinstance(mapping, dict) or mapping.get("Type") not in ("Token", "Rules"):
        raise errors.InvalidParameter(f"RoleMapping for ({provider}) needs a Type of Token or Rules.")
    if mapping.get("AmbiguousRoleResolution") not in ("AuthenticatedRole", "Deny"):
        raise errors.InvalidParameter(
            f"RoleMapping for ({provider}) needs AmbiguousRoleResolution AuthenticatedRole or Deny."
        )
    result = {"Type": mapping["Type"], "AmbiguousRoleResolution": mapping["AmbiguousRoleResolution"]}
    if mapping["Type"] == "Rules":
        result["RulesConfiguration"] = {"Rules": _rules(provider, mapping.get("RulesConfiguration"))}
    return result


def _rules(provider: str, configuration: Any) -> list[dict[str, str]]:
    rules = configuration.get("Rules") if isinstance(configuration, dict) else None
    if not isinstance(rules, list) or not rules:
        raise errors.InvalidParameter(
            f"RulesConfiguration is required for RoleMapping ({provider}) of Type Rules."
        )
    if len(rules) > MAX_RULES_PER_PROVIDER:
        raise errors.InvalidParameter(
            f"RoleMapping ({provider}) has {len(rules)} rules; at most {MAX_RULES_PER_PROVIDER} are allowed."
        )
    checked = []
    for rule in rules:
        if not isinstance(rule, dict) or not all(
            isinstance(rule.get(key), str) for key in ("Claim", "MatchType", "Value", "RoleARN")
        ):
            raise errors.InvalidParameter("Each rule needs Claim, MatchType, Value and RoleARN.")
        checked.append({key: rule[key] for key in ("Claim", "MatchType", "Value")})
        checked[-1]["RoleARN"] = _check_role_arn(rule["RoleARN"])
    return checked


def _role_mappings(pool: IdentityPool, params: dict[str, Any]) -> dict[str, Any]:
    mappings = store.map_param(params, "RoleMappings")
    allowed = store.role_mapping_providers(pool)
    for provider in mappings:
        if provider not in allowed:
            raise errors.InvalidParameter(
                f"({provider}) is not a valid RoleMapping ProviderName or is not a configured provider."
            )
    return {provider: _role_mapping(provider, mapping) for provider, mapping in mappings.items()}


@operation("GetIdentityPoolRoles")
def get_identity_pool_roles(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    output: dict[str, Any] = {"IdentityPoolId": pool.pool_id}
    store.non_empty(output, "Roles", pool.roles)
    store.non_empty(output, "RoleMappings", pool.role_mappings)
    return output


@operation("SetIdentityPoolRoles")
@transaction.atomic
def set_identity_pool_roles(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Replace the whole role configuration: omitted RoleMappings are removed."""
    pool = store.get_pool(ctx, params["IdentityPoolId"], for_update=True)
    pool.roles = _roles(params)
    pool.role_mappings = _role_mappings(pool, params)
    pool.save(update_fields=["roles", "role_mappings", "updated_at"])


def _principal_tag_provider(pool: IdentityPool, params: dict[str, Any]) -> str:
    provider = params["IdentityProviderName"]
    # A user pool may be named alone or with its app client (the role-mapping form).
    if provider not in store.login_providers(pool) | store.role_mapping_providers(pool):
        raise errors.InvalidParameter(
            f"({provider}) is not a configured provider of identity pool '{pool.pool_id}'."
        )
    return provider


def _principal_tag_output(
    pool: IdentityPool, provider: str, use_defaults: bool, tags: dict
) -> dict[str, Any]:
    return {
        "IdentityPoolId": pool.pool_id,
        "IdentityProviderName": provider,
        "UseDefaults": use_defaults,
        "PrincipalTags": dict(DEFAULT_PRINCIPAL_TAGS) if use_defaults else tags,
    }


@operation("GetPrincipalTagAttributeMap")
def get_principal_tag_attribute_map(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The map of a configured provider; one never set reads as inactive.

    Inactive (UseDefaults false, no tags) rather than an error, because a provider
    starts without attributes for access control until someone turns them on.
    """
    pool = store.get_pool(ctx, params["IdentityPoolId"])
    provider = _principal_tag_provider(pool, params)
    saved = pool.principal_tag_maps.get(provider, {})
    return _principal_tag_output(
        pool, provider, bool(saved.get("UseDefaults", False)), dict(saved.get("PrincipalTags", {}))
    )


@operation("SetPrincipalTagAttributeMap")
@transaction.atomic
def set_principal_tag_attribute_map(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    pool = store.get_pool(ctx, params["IdentityPoolId"], for_update=True)
    provider = _principal_tag_provider(pool, params)
    use_defaults = params.get("UseDefaults") is True
    tags = store.map_param(params, "PrincipalTags")
    if len(tags) > MAX_PRINCIPAL_TAGS or not all(isinstance(value, str) for value in tags.values()):
        raise errors.InvalidParameter(
            f"PrincipalTags must map at most {MAX_PRINCIPAL_TAGS} tags to claim names."
        )
    # With defaults on, the custom map is not kept: the defaults replace it.
    saved_tags = {} if use_defaults else dict(tags)
    pool.principal_tag_maps = {
        **pool.principal_tag_maps,
        provider: {"UseDefaults": use_defaults, "PrincipalTags": saved_tags},
    }
    pool.save(update_fields=["principal_tag_maps", "updated_at"])
    return _principal_tag_output(pool, provider, use_defaults, saved_tags)
