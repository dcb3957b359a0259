"""Comparing configurations: the per-field diff a review page shows, and re-applying one
person's changes over a version someone else changed meanwhile.

A configuration is flattened to items (`"IdentityPoolName"`, `"SupportedLoginProviders/<key>"`,
`"RoleMappings/<provider>"`, ...), so two people who change different providers, tags or
mappings do not collide; a list (provider ARNs, user pools) is one item.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from console.aws.pools import MappingRule, PoolRoles, PoolSettings, RoleMapping, UserPoolProvider

from .providers import provider_label

_MISSING: Any = object()
_MAPS = ("SupportedLoginProviders", "IdentityPoolTags", "Roles", "RoleMappings")


@dataclass(frozen=True)
class Change:
    """One item that differs: what it was and what it becomes (as text a person reads)."""

    key: str
    label: str
    before: str
    after: str
    overlap: bool = False  # someone else changed it too, to something else


def flatten(params: Mapping[str, Any]) -> dict[str, Any]:
    """API members as items; maps are split into one item per key."""
    flat: dict[str, Any] = {}
    for member, value in params.items():
        if member in _MAPS and isinstance(value, Mapping):
            for key, item in value.items():
                flat[f"{member}/{key}"] = item
        elif value not in (None, [], {}, ""):
            flat[member] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item, value in flat.items():
        member, _, key = item.partition("/")
        if member in _MAPS and key:
            params.setdefault(member, {})[key] = value
        else:
            params[member] = value
    return params


def settings_items(settings: PoolSettings) -> dict[str, Any]:
    return flatten(settings.to_api())


def settings_from_items(flat: Mapping[str, Any]) -> PoolSettings:
    return PoolSettings.from_api(unflatten(flat))


def roles_items(roles: PoolRoles) -> dict[str, Any]:
    return flatten(roles.to_api())


def roles_from_items(flat: Mapping[str, Any]) -> PoolRoles:
    return PoolRoles.from_api(unflatten(flat))


def merge(
    base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[dict, list[str]]:
    """`theirs` with every item I changed (from `base`) set to mine; and the items we both changed."""
    merged = dict(theirs)
    overlaps = []
    for key in [*base, *(key for key in mine if key not in base)]:
        mine_value, base_value = mine.get(key, _MISSING), base.get(key, _MISSING)
        if mine_value == base_value:
            continue
        their_value = theirs.get(key, _MISSING)
        if their_value != base_value and their_value != mine_value:
            overlaps.append(key)
        if mine_value is _MISSING:
            merged.pop(key, None)
        else:
            merged[key] = mine_value
    return merged, overlaps


def diff(before: Mapping[str, Any], after: Mapping[str, Any], overlaps: Iterable[str] = ()) -> list[Change]:
    """The items that differ, in the order they appear (before's first, then new ones)."""
    overlapping = set(overlaps)
    changes = []
    for key in [*before, *(key for key in after if key not in before)]:
        old, new = before.get(key, _MISSING), after.get(key, _MISSING)
        if old != new:
            changes.append(Change(key, label(key), show(key, old), show(key, new), key in overlapping))
    return changes


_LABELS = {
    "IdentityPoolName": "Pool name",
    "AllowUnauthenticatedIdentities": "Guest access",
    "AllowClassicFlow": "Basic (classic) flow",
    "DeveloperProviderName": "Developer provider name",
    "OpenIdConnectProviderARNs": "OpenID Connect providers",
    "SamlProviderARNs": "SAML providers",
    "CognitoIdentityProviders": "Cognito user pools",
    "Roles/authenticated": "Authenticated role",
    "Roles/unauthenticated": "Guest (unauthenticated) role",
}


def label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    member, _, name = key.partition("/")
    if member == "SupportedLoginProviders":
        return f"Login provider {name} ({provider_label(name)})"
    if member == "IdentityPoolTags":
        return f"Tag {name}"
    if member == "RoleMappings":
        return f"Role mapping for {name}"
    return key


def show(key: str, value: Any) -> str:
    """An item's value as text (several lines for lists and mappings)."""
    if value is _MISSING or value is None:
        return "not set" if key == "AllowClassicFlow" else "(none)"
    if key == "AllowUnauthenticatedIdentities":
        return "allowed" if value else "not allowed"
    if key == "AllowClassicFlow":
        return "on" if value else "off"
    if key == "CognitoIdentityProviders":
        return "\n".join(_show_user_pool(item) for item in value)
    if key.startswith("RoleMappings/"):
        return show_mapping(key.partition("/")[2], value)
    if isinstance(value, list | tuple):
        return "\n".join(str(item) for item in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _show_user_pool(item: Mapping[str, Any]) -> str:
    provider = UserPoolProvider(
        item.get("ProviderName", ""), item.get("ClientId", ""), item.get("ServerSideTokenCheck", False)
    )
    check = (
        "server-side token check on" if provider.server_side_token_check else "server-side token check off"
    )
    client = f"app client {provider.client_id}" if provider.client_id else "any app client"
    return f"{provider.provider_name} ({client}, {check})"


def show_mapping(provider: str, mapping: Mapping[str, Any]) -> str:
    role_mapping = PoolRoles.from_api({"RoleMappings": {provider: mapping}}).mappings[0]
    return "\n".join(mapping_lines(role_mapping))


def mapping_lines(mapping: RoleMapping) -> list[str]:
    """A role mapping in words, one line per rule."""
    fallback = {
        "AuthenticatedRole": "otherwise the authenticated role",
        "Deny": "otherwise deny",
    }.get(mapping.ambiguous_role_resolution, "no fallback set")
    if mapping.type == "Token":
        return [f"Role from the token (cognito:preferred_role / cognito:roles); {fallback}"]
    lines = [f"Rules, first match wins; {fallback}"]
    lines += [f"{number}. {rule_text(rule)}" for number, rule in enumerate(mapping.rules, start=1)]
    return lines


def rule_text(rule: MappingRule) -> str:
    return f"{rule.claim} {rule.match_type} “{rule.value}” → {rule.role_arn}"
