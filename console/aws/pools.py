"""Identity pools through the gateway."""

from __future__ import annotations

from dataclasses import dataclass

from .calls import call, iter_items
from .clients import get_probe_client


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
