"""What each section of the pool page shows. A section that fails shows its own error; the
others still render (only the pool itself failing to load fails the page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from console.accounts.roles import has_perm
from console.aws import errors as aws_errors
from console.aws.account import pool_arn
from console.aws.pools import (
    Pool,
    PoolRoles,
    PrincipalTagMap,
    RoleMapping,
    describe_pool,
    get_principal_tags,
    get_roles,
    list_tags,
)
from console.inventory import pool_names

from .identity_counts import identity_counts
from .providers import Provider, configured_providers, provider_label
from .tester import TesterForm

SECTIONS = ("settings", "roles", "principal_tags", "tags", "tester")


@dataclass(frozen=True)
class MappingRow:
    """A provider of the pool with its role mapping (None: the authenticated role applies)."""

    provider: Provider | None  # None: a mapping whose provider the pool no longer has
    key: str
    mapping: RoleMapping | None


@dataclass(frozen=True)
class PrincipalTagRow:
    provider: Provider
    tag_map: PrincipalTagMap | None
    error: aws_errors.CognitoError | None


def mapping_rows(pool: Pool, roles: PoolRoles) -> list[MappingRow]:
    """One row per provider of the pool, then any mapping for a provider it no longer has."""
    rows: list[MappingRow] = []
    used: set[str] = set()
    for provider in configured_providers(pool.settings):
        mapping = next(
            (roles.mapping_for(key) for key in provider.mapping_keys if roles.mapping_for(key)), None
        )
        key = mapping.provider if mapping else provider.mapping_key
        used.add(key)
        rows.append(MappingRow(provider, key, mapping))
    rows += [
        MappingRow(None, mapping.provider, mapping)
        for mapping in roles.mappings
        if mapping.provider not in used
    ]
    return rows


def settings_context(pool: Pool) -> dict[str, Any]:
    context: dict[str, Any] = {
        "pool": pool,
        "pool_id": pool.pool_id,
        "providers": configured_providers(pool.settings),
        "login_rows": [(provider_label(key), key, value) for key, value in pool.settings.login_providers],
    }
    try:
        context["pool_arn"] = pool_arn(pool.pool_id)
    except aws_errors.CognitoError:
        context["pool_arn"] = ""  # only GetCallerIdentity failed: the page goes on without the ARN
    return context


def roles_context(pool: Pool, roles: PoolRoles | None = None) -> dict[str, Any]:
    try:
        roles = roles or get_roles(pool.pool_id)
    except aws_errors.CognitoError as exc:
        return {"roles_error": exc}
    return {"roles": roles, "mapping_rows": mapping_rows(pool, roles)}


def principal_tags_context(pool: Pool) -> dict[str, Any]:
    rows = []
    for provider in configured_providers(pool.settings):
        try:
            rows.append(PrincipalTagRow(provider, get_principal_tags(pool.pool_id, provider.login_key), None))
        except aws_errors.CognitoError as exc:
            rows.append(PrincipalTagRow(provider, None, exc))
    return {"principal_tag_rows": rows}


def tags_context(pool: Pool) -> dict[str, Any]:
    try:
        return {"tags": sorted(list_tags(pool.pool_id).items())}
    except aws_errors.CognitoError as exc:
        return {"tags_error": exc}


def tester_context(request: HttpRequest, pool: Pool) -> dict[str, Any]:
    if not has_perm(request.user, "lookup_identities"):
        return {}
    return {
        "tester_form": TesterForm(
            providers=configured_providers(pool.settings), developer=pool.settings.developer_provider_name
        )
    }


_BUILDERS = {
    # From the inventory's kept rows only: no Cognito call, no count over the identities.
    "identities": lambda request, pool: {"counts": identity_counts(pool.pool_id)},
    "roles": lambda request, pool: roles_context(pool),
    "principal_tags": lambda request, pool: principal_tags_context(pool),
    "tags": lambda request, pool: tags_context(pool),
    "tester": tester_context,
}


def page_context(request: HttpRequest, pool_id: str) -> dict[str, Any]:
    """Everything the pool page shows, or {"error": ...} when the pool cannot be read."""
    try:
        pool = describe_pool(pool_id)
    except aws_errors.CognitoError as exc:
        if isinstance(exc, aws_errors.NotFound):
            pool_names.gone(pool_id)
        return {"error": exc, "pool_id": pool_id}
    pool_names.seen([(pool.pool_id, pool.name)])  # the name the jobs pages show it by
    context = settings_context(pool)
    for build in _BUILDERS.values():
        context.update(build(request, pool))
    return context


def section_context(
    request: HttpRequest, pool_id: str, section: str, pool: Pool | None = None
) -> dict[str, Any]:
    """What one section needs (the pool is read again unless given)."""
    if pool is None:
        try:
            pool = describe_pool(pool_id)
        except aws_errors.CognitoError as exc:
            return {"error": exc, "pool_id": pool_id}
    context = settings_context(pool)
    if section in _BUILDERS:
        context.update(_BUILDERS[section](request, pool))
    return context
