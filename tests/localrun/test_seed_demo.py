"""`manage.py seed_demo` fills the embedded service once with demo pools and identities."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from console.aws.clients import build_client

pytestmark = pytest.mark.django_db


def _pools(client) -> dict[str, str]:
    listed = client.list_identity_pools(MaxResults=60)["IdentityPools"]
    return {pool["IdentityPoolName"]: pool["IdentityPoolId"] for pool in listed}


def test_seed_demo_creates_pools_with_identities_roles_and_tags(region):
    call_command("seed_demo")
    client = build_client(region, "local")
    pools = _pools(client)
    assert {"Demo shop customers", "Demo internal tools", "Demo empty pool"} <= set(pools)

    shop = pools["Demo shop customers"]
    identities = client.list_identities(IdentityPoolId=shop, MaxResults=60)["Identities"]
    assert len(identities) == 55
    providers = {login for identity in identities for login in identity.get("Logins", [])}
    assert {"accounts.google.com", "graph.facebook.com", "login.demo.shop"} <= providers
    roles = client.get_identity_pool_roles(IdentityPoolId=shop)
    assert set(roles["Roles"]) == {"authenticated", "unauthenticated"}
    assert roles["RoleMappings"]
    described = client.describe_identity_pool(IdentityPoolId=shop)
    assert described["IdentityPoolTags"]["team"] == "shop"
    lookup = client.lookup_developer_identity(IdentityPoolId=shop, DeveloperUserIdentifier="shop-user-0001")
    assert lookup["IdentityId"]


def test_seed_demo_runs_only_once(region):
    call_command("seed_demo")
    call_command("seed_demo")
    client = build_client(region, "local")
    names = [pool["IdentityPoolName"] for pool in client.list_identity_pools(MaxResults=60)["IdentityPools"]]
    assert names.count("Demo shop customers") == 1
