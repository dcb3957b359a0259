"""The gateway's NextToken helpers walk every page of a listing exactly once."""

from __future__ import annotations

import pytest

from console.aws.calls import iter_pages
from console.aws.pools import all_pools
from tests.cognito import create_pools

pytestmark = pytest.mark.django_db


def test_iter_pages_follows_next_token_until_the_last_page(region):
    created = set(create_pools(region, [f"pool {n}" for n in range(25)]))

    pages = list(iter_pages(region, "list_identity_pools", "IdentityPools", page_size=10))

    assert [len(page) for page in pages] == [10, 10, 5]
    assert {pool["IdentityPoolId"] for page in pages for pool in page} == created


def test_iter_pools_returns_every_pool_of_the_region_once(region):
    created = set(create_pools(region, [f"pool {n}" for n in range(61)]))

    pools = all_pools(region)

    assert sorted(pool.pool_id for pool in pools) == sorted(created)
    assert {pool.region for pool in pools} == {region}
