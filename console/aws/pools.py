"""Identity pools through the gateway: listing, settings, roles and role mappings,
principal-tag maps and tags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .account import pool_arn
from .calls import call, iter_items
from .clients import get_probe_client
from .ids import region_of

LIST_PAGE_MAX = 60  # ListIdentityPools' MaxResults bound (QueryLimit in the model)


def fingerprint(answer: Mapping[str, Any]) -> str:
    """A short hash of an answer, to tell later whether the resource changed since it was read."""
    body = {key: value for key, value in answer.items() if key != "ResponseMetadata"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


# --- listing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolSummary:
    """One row of ListIdentityPools."""

    pool_id: str
    name: str
    region: str


@dataclass(frozen=True)
class PoolPage:
    """One page of pools and the token for the next one."""

    pools: tuple[PoolSummary, ...]
    next_token: str | None


def list_pools_page(region: str, page_size: int = 60, next_token: str | None = None) -> PoolPage:
    """ListIdentityPools: one page of the region's pools."""
    params: dict[str, object] = {"MaxResults": page_size}
    if next_token:
        params["NextToken"] = next_token
    page = call(region, "list_identity_pools", **params)
    pools = tuple(
        PoolSummary(item["IdentityPoolId"], item["IdentityPoolName"], region)
        for item in page.get("IdentityPools", [])
    )
    return PoolPage(pools, page.get("NextToken"))


@dataclass(frozen=True)
class PoolSearch:
    """Pools whose name holds the text, from `pages` pages (`searched` pools) of the listing."""

    pools: tuple[PoolSummary, ...]
    pages: int
    searched: int
    next_token: str | None  # where to search further; None: the whole listing was searched


def search_pools(
    region: str, text: str, next_token: str | None = None, max_pages: int = 10, enough: int = 25
) -> PoolSearch:
    """ListIdentityPools, page after page: the pools whose name contains `text` (any case).

    The API has no name filter, so the listing is walked, at most `max_pages` pages per call,
    stopping early at a page boundary once `enough` pools match; `next_token` continues.
    """
    wanted = text.casefold()
    found: list[PoolSummary] = []
    pages = searched = 0
    token = next_token
    while pages < max_pages:
        page = list_pools_page(region, LIST_PAGE_MAX, token)
        pages += 1
        searched += len(page.pools)
        found.extend(pool for pool in page.pools if wanted in pool.name.casefold())
        token = page.next_token
        if not token or len(found) >= enough:
            break
    return PoolSearch(tuple(found), pages, searched, token)


def all_pools(region: str) -> list[PoolSummary]:
    """ListIdentityPools: every pool of the region, all pages."""
    return [
        PoolSummary(item["IdentityPoolId"], item["IdentityPoolName"], region)
        for item in iter_items(region, "list_identity_pools", "IdentityPools")
    ]


def ping(region: str) -> None:
    """ListIdentityPools with MaxResults=1, asked once with short timeouts.

    Raises a gateway error when the endpoint fails or does not answer in time.
    """
    call(region, "list_identity_pools", client=get_probe_client(region), MaxResults=1)


# --- settings: create, describe, update, delete -------------------------------------------


@dataclass(frozen=True)
class UserPoolProvider:
    """One entry of CognitoIdentityProviders."""

    provider_name: str
    client_id: str = ""
    server_side_token_check: bool = False

    @property
    def mapping_key(self) -> str:
        """How RoleMappings name this user pool: `<provider name>:<app client id>`."""
        return f"{self.provider_name}:{self.client_id}" if self.client_id else self.provider_name


@dataclass(frozen=True)
class PoolSettings:
    """Every member CreateIdentityPool and UpdateIdentityPool take (Update replaces them all)."""

    name: str
    allow_unauthenticated: bool = False
    allow_classic_flow: bool | None = None  # None: never set, which is not the same as off
    login_providers: tuple[tuple[str, str], ...] = ()  # SupportedLoginProviders, in order
    developer_provider_name: str = ""
    openid_connect_provider_arns: tuple[str, ...] = ()
    saml_provider_arns: tuple[str, ...] = ()
    user_pools: tuple[UserPoolProvider, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # IdentityPoolTags

    @classmethod
    def from_api(cls, answer: Mapping[str, Any]) -> PoolSettings:
        """From an IdentityPool structure (DescribeIdentityPool's answer, or an input)."""
        return cls(
            name=answer.get("IdentityPoolName", ""),
            allow_unauthenticated=bool(answer.get("AllowUnauthenticatedIdentities", False)),
            allow_classic_flow=answer.get("AllowClassicFlow"),
            login_providers=tuple((answer.get("SupportedLoginProviders") or {}).items()),
            developer_provider_name=answer.get("DeveloperProviderName") or "",
            openid_connect_provider_arns=tuple(answer.get("OpenIdConnectProviderARNs") or ()),
            saml_provider_arns=tuple(answer.get("SamlProviderARNs") or ()),
            user_pools=tuple(
                UserPoolProvider(
                    item.get("ProviderName", ""),
                    item.get("ClientId") or "",
                    bool(item.get("ServerSideTokenCheck", False)),
                )
                for item in answer.get("CognitoIdentityProviders") or ()
            ),
            tags=tuple((answer.get("IdentityPoolTags") or {}).items()),
        )

    def to_api(self) -> dict[str, Any]:
        """The members to send, without the pool id; unset optional members are left out."""
        params: dict[str, Any] = {
            "IdentityPoolName": self.name,
            "AllowUnauthenticatedIdentities": self.allow_unauthenticated,
        }
        if self.allow_classic_flow is not None:
            params["AllowClassicFlow"] = self.allow_classic_flow
        if self.login_providers:
            params["SupportedLoginProviders"] = dict(self.login_providers)
        if self.developer_provider_name:
            params["DeveloperProviderName"] = self.developer_provider_name
        if self.openid_connect_provider_arns:
            params["OpenIdConnectProviderARNs"] = list(self.openid_connect_provider_arns)
        if self.saml_provider_arns:
            params["SamlProviderARNs"] = list(self.saml_provider_arns)
        if self.user_pools:
            params["CognitoIdentityProviders"] = [_user_pool_param(item) for item in self.user_pools]
        if self.tags:
            params["IdentityPoolTags"] = dict(self.tags)
        return params


def _user_pool_param(provider: UserPoolProvider) -> dict[str, Any]:
    param: dict[str, Any] = {"ProviderName": provider.provider_name}
    if provider.client_id:
        param["ClientId"] = provider.client_id
    param["ServerSideTokenCheck"] = provider.server_side_token_check
    return param


@dataclass(frozen=True)
class Pool:
    """An identity pool as DescribeIdentityPool answers it."""

    pool_id: str
    region: str
    settings: PoolSettings
    fingerprint: str  # of the answer: compared before a write to notice someone else's change

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def arn(self) -> str:
        return pool_arn(self.pool_id)


def _pool(answer: Mapping[str, Any]) -> Pool:
    pool_id = answer["IdentityPoolId"]
    return Pool(pool_id, region_of(pool_id), PoolSettings.from_api(answer), fingerprint(answer))


def create_pool(region: str, settings: PoolSettings) -> Pool:
    """CreateIdentityPool in `region` (tags included as IdentityPoolTags)."""
    return _pool(call(region, "create_identity_pool", **settings.to_api()))


def describe_pool(pool_id: str) -> Pool:
    """DescribeIdentityPool."""
    return _pool(call(region_of(pool_id), "describe_identity_pool", IdentityPoolId=pool_id))


def update_pool(pool_id: str, settings: PoolSettings, before: PoolSettings) -> Pool:
    """UpdateIdentityPool: replaces every member, so `settings` must hold all of them.

    `before` (the state the change was reviewed against) goes to the audit trail.
    """
    params = settings.to_api()
    answer = call(
        region_of(pool_id),
        "update_identity_pool",
        IdentityPoolId=pool_id,
        audit_before=before.to_api(),
        audit_after=params,
        **params,
    )
    return _pool(answer)


def delete_pool(pool_id: str, *, reason: str, before: PoolSettings) -> None:
    """DeleteIdentityPool: the pool and every identity in it."""
    call(
        region_of(pool_id),
        "delete_identity_pool",
        IdentityPoolId=pool_id,
        audit_before=before.to_api(),
        audit_reason=reason,
    )


# --- roles and role mappings -----------------------------------------------------------------


@dataclass(frozen=True)
class MappingRule:
    """One MappingRule: when the claim matches, the role."""

    claim: str
    match_type: str
    value: str
    role_arn: str

    def to_api(self) -> dict[str, str]:
        return {
            "Claim": self.claim,
            "MatchType": self.match_type,
            "Value": self.value,
            "RoleARN": self.role_arn,
        }


@dataclass(frozen=True)
class RoleMapping:
    """The RoleMappings entry of one identity provider."""

    provider: str
    type: str  # Token or Rules
    ambiguous_role_resolution: str = ""  # AuthenticatedRole or Deny ('' when unset)
    rules: tuple[MappingRule, ...] = ()

    def to_api(self) -> dict[str, Any]:
        mapping: dict[str, Any] = {"Type": self.type}
        if self.ambiguous_role_resolution:
            mapping["AmbiguousRoleResolution"] = self.ambiguous_role_resolution
        if self.type == "Rules":
            mapping["RulesConfiguration"] = {"Rules": [rule.to_api() for rule in self.rules]}
        return mapping


@dataclass(frozen=True)
class PoolRoles:
    """GetIdentityPoolRoles: the pool's two roles and its role mappings."""

    authenticated: str = ""
    unauthenticated: str = ""
    mappings: tuple[RoleMapping, ...] = ()
    fingerprint: str = ""

    @classmethod
    def from_api(cls, answer: Mapping[str, Any]) -> PoolRoles:
        roles = answer.get("Roles") or {}
        mappings = tuple(
            RoleMapping(
                provider=provider,
                type=mapping.get("Type", ""),
                ambiguous_role_resolution=mapping.get("AmbiguousRoleResolution") or "",
                rules=tuple(
                    MappingRule(
                        rule.get("Claim", ""),
                        rule.get("MatchType", ""),
                        rule.get("Value", ""),
                        rule.get("RoleARN", ""),
                    )
                    for rule in (mapping.get("RulesConfiguration") or {}).get("Rules") or ()
                ),
            )
            for provider, mapping in (answer.get("RoleMappings") or {}).items()
        )
        return cls(
            roles.get("authenticated", ""), roles.get("unauthenticated", ""), mappings, fingerprint(answer)
        )

    def roles_api(self) -> dict[str, str]:
        roles = {"authenticated": self.authenticated, "unauthenticated": self.unauthenticated}
        return {role_type: arn for role_type, arn in roles.items() if arn}

    def mappings_api(self) -> dict[str, Any]:
        return {mapping.provider: mapping.to_api() for mapping in self.mappings}

    def to_api(self) -> dict[str, Any]:
        """SetIdentityPoolRoles' members (without the pool id): the whole configuration."""
        params: dict[str, Any] = {"Roles": self.roles_api()}
        if self.mappings:
            params["RoleMappings"] = self.mappings_api()
        return params

    def mapping_for(self, provider: str) -> RoleMapping | None:
        return next((mapping for mapping in self.mappings if mapping.provider == provider), None)


def get_roles(pool_id: str) -> PoolRoles:
    """GetIdentityPoolRoles."""
    answer = call(region_of(pool_id), "get_identity_pool_roles", IdentityPoolId=pool_id)
    return PoolRoles.from_api({key: value for key, value in answer.items() if key != "IdentityPoolId"})


def set_roles(pool_id: str, roles: PoolRoles, before: PoolRoles) -> None:
    """SetIdentityPoolRoles: replaces both roles and every role mapping at once."""
    params = roles.to_api()
    call(
        region_of(pool_id),
        "set_identity_pool_roles",
        IdentityPoolId=pool_id,
        audit_before=before.to_api(),
        audit_after=params,
        **params,
    )


# --- principal-tag attribute maps --------------------------------------------------------------


@dataclass(frozen=True)
class PrincipalTagMap:
    """GetPrincipalTagAttributeMap: one provider's claims passed to IAM as principal tags."""

    provider: str
    use_defaults: bool
    tags: tuple[tuple[str, str], ...]  # tag key -> claim; the service's defaults when use_defaults

    def to_api(self) -> dict[str, Any]:
        return {"UseDefaults": self.use_defaults, "PrincipalTags": dict(self.tags)}


def get_principal_tags(pool_id: str, provider: str) -> PrincipalTagMap:
    """GetPrincipalTagAttributeMap for one identity provider of the pool."""
    answer = call(
        region_of(pool_id),
        "get_principal_tag_attribute_map",
        IdentityPoolId=pool_id,
        IdentityProviderName=provider,
    )
    return PrincipalTagMap(
        provider, bool(answer.get("UseDefaults", False)), tuple((answer.get("PrincipalTags") or {}).items())
    )


def set_principal_tags(pool_id: str, new: PrincipalTagMap, before: PrincipalTagMap) -> PrincipalTagMap:
    """SetPrincipalTagAttributeMap: UseDefaults, or the custom tag -> claim map (empty: inactive)."""
    params = {"UseDefaults": new.use_defaults}
    if not new.use_defaults:
        params["PrincipalTags"] = dict(new.tags)
    answer = call(
        region_of(pool_id),
        "set_principal_tag_attribute_map",
        IdentityPoolId=pool_id,
        IdentityProviderName=new.provider,
        audit_before=before.to_api(),
        audit_after=new.to_api(),
        **params,
    )
    return PrincipalTagMap(
        new.provider,
        bool(answer.get("UseDefaults", new.use_defaults)),
        tuple((answer.get("PrincipalTags") or {}).items()),
    )


# --- tags -------------------------------------------------------------------------------------


def list_tags(pool_id: str) -> dict[str, str]:
    """ListTagsForResource on the pool's ARN."""
    answer = call(region_of(pool_id), "list_tags_for_resource", ResourceArn=pool_arn(pool_id))
    return dict(answer.get("Tags") or {})


def change_tags(pool_id: str, before: Mapping[str, str], after: Mapping[str, str]) -> None:
    """TagResource for keys added or changed, UntagResource for keys removed (on the pool's ARN).

    Only the difference between `before` (the tags the form started from) and `after` is
    sent, so a tag someone else added meanwhile stays.
    """
    region, arn = region_of(pool_id), pool_arn(pool_id)
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    removed = [key for key in before if key not in after]
    audit = {"audit_before": {"Tags": dict(before)}, "audit_after": {"Tags": dict(after)}}
    if changed:
        call(region, "tag_resource", ResourceArn=arn, Tags=changed, **audit)
    if removed:
        call(region, "untag_resource", ResourceArn=arn, TagKeys=removed, **audit)
