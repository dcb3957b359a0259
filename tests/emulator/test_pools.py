"""Identity pools: create, describe, update (full replace), delete (cascade), list, limits."""

from __future__ import annotations

import re

import pytest

from console.emulator.models import Identity, IdentityLogin, IdentityPool
from tests.cognito import (
    DEVELOPER,
    FACEBOOK,
    OIDC_ARN,
    SAML_ARN,
    USER_POOL,
    USER_POOL_CLIENT,
    aws_error,
    full_pool_settings,
    id_token,
    pool_arn,
)

pytestmark = pytest.mark.django_db


def test_create_returns_a_lower_case_regional_id_and_echoes_what_was_set(cognito):
    created = cognito.create_identity_pool(IdentityPoolName="minimal", AllowUnauthenticatedIdentities=False)
    assert re.fullmatch(
        r"us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", created["IdentityPoolId"]
    )
    body = {key: value for key, value in created.items() if key != "ResponseMetadata"}
    assert body == {
        "IdentityPoolId": created["IdentityPoolId"],
        "IdentityPoolName": "minimal",
        "AllowUnauthenticatedIdentities": False,
    }


def test_create_echoes_every_configured_member(cognito):
    created = cognito.create_identity_pool(**full_pool_settings(IdentityPoolTags={"team": "web"}))
    assert created["SupportedLoginProviders"][FACEBOOK] == "1234567890"
    assert created["DeveloperProviderName"] == DEVELOPER
    assert created["CognitoIdentityProviders"] == [
        {"ProviderName": USER_POOL, "ClientId": USER_POOL_CLIENT, "ServerSideTokenCheck": False}
    ]
    assert created["OpenIdConnectProviderARNs"] == [OIDC_ARN]
    assert created["SamlProviderARNs"] == [SAML_ARN]
    assert created["IdentityPoolTags"] == {"team": "web"}
    described = cognito.describe_identity_pool(IdentityPoolId=created["IdentityPoolId"])
    created.pop("ResponseMetadata")
    described.pop("ResponseMetadata")
    assert described == created


def test_pool_ids_belong_to_the_region_of_the_request(cognito_in):
    west = cognito_in("eu-west-1")
    pool_id = west.create_identity_pool(IdentityPoolName="west", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    assert pool_id.startswith("eu-west-1:")
    assert west.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "west"


def test_a_pool_is_not_visible_from_another_region(cognito, cognito_in):
    pool_id = cognito_in("eu-west-1").create_identity_pool(
        IdentityPoolName="west", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    assert aws_error(cognito.describe_identity_pool, IdentityPoolId=pool_id) == (
        "ResourceNotFoundException",
        f"IdentityPool '{pool_id}' not found.",
    )
    listed = cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
    assert pool_id not in [pool["IdentityPoolId"] for pool in listed]


def test_describe_unknown_pool_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert aws_error(cognito.describe_identity_pool, IdentityPoolId=missing) == (
        "ResourceNotFoundException",
        f"IdentityPool '{missing}' not found.",
    )


def test_allow_classic_flow_is_echoed_only_when_it_was_given(cognito):
    unset = cognito.create_identity_pool(IdentityPoolName="unset", AllowUnauthenticatedIdentities=True)
    off = cognito.create_identity_pool(
        IdentityPoolName="off", AllowUnauthenticatedIdentities=True, AllowClassicFlow=False
    )
    on = cognito.create_identity_pool(
        IdentityPoolName="on", AllowUnauthenticatedIdentities=True, AllowClassicFlow=True
    )
    assert "AllowClassicFlow" not in unset
    assert off["AllowClassicFlow"] is False
    assert on["AllowClassicFlow"] is True
    assert IdentityPool.objects.get(pool_id=unset["IdentityPoolId"]).allow_classic_flow is None


def test_update_replaces_the_whole_pool(cognito, pool_id):
    updated = cognito.update_identity_pool(
        IdentityPoolId=pool_id,
        IdentityPoolName="renamed",
        AllowUnauthenticatedIdentities=False,
        DeveloperProviderName=DEVELOPER,
    )
    updated.pop("ResponseMetadata")
    assert updated == {
        "IdentityPoolId": pool_id,
        "IdentityPoolName": "renamed",
        "AllowUnauthenticatedIdentities": False,
        "DeveloperProviderName": DEVELOPER,
    }
    described = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert described["IdentityPoolName"] == "renamed"
    assert "SupportedLoginProviders" not in described
    assert "CognitoIdentityProviders" not in described


def test_update_without_allow_classic_flow_resets_it_to_unset(cognito):
    pool_id = cognito.create_identity_pool(
        IdentityPoolName="p", AllowUnauthenticatedIdentities=True, AllowClassicFlow=False
    )["IdentityPoolId"]
    updated = cognito.update_identity_pool(
        IdentityPoolId=pool_id, IdentityPoolName="p", AllowUnauthenticatedIdentities=True
    )
    assert "AllowClassicFlow" not in updated


def test_developer_provider_name_cannot_be_changed(cognito, pool_id):
    code, message = aws_error(
        cognito.update_identity_pool,
        IdentityPoolId=pool_id,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
        DeveloperProviderName="another.provider",
    )
    assert code == "InvalidParameterException"
    assert "DeveloperProviderName cannot be changed" in message


def test_developer_provider_name_cannot_be_removed(cognito, pool_id):
    code, _ = aws_error(
        cognito.update_identity_pool,
        IdentityPoolId=pool_id,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
    )
    assert code == "InvalidParameterException"
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["DeveloperProviderName"] == DEVELOPER


def test_developer_provider_name_can_be_set_later_once(cognito):
    pool_id = cognito.create_identity_pool(IdentityPoolName="p", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    updated = cognito.update_identity_pool(
        IdentityPoolId=pool_id,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
        DeveloperProviderName="dev",
    )
    assert updated["DeveloperProviderName"] == "dev"


def test_update_keeps_tags_when_identity_pool_tags_is_omitted(cognito, make_pool):
    pool_id = make_pool(IdentityPoolTags={"team": "web"})
    cognito.update_identity_pool(**full_pool_settings(IdentityPoolId=pool_id))
    assert cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id))["Tags"] == {"team": "web"}


def test_update_with_identity_pool_tags_replaces_them(cognito, make_pool):
    pool_id = make_pool(IdentityPoolTags={"team": "web", "cost": "1"})
    cognito.update_identity_pool(
        **full_pool_settings(IdentityPoolId=pool_id, IdentityPoolTags={"team": "api"})
    )
    assert cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id))["Tags"] == {"team": "api"}


def test_update_unknown_pool_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    code, _ = aws_error(
        cognito.update_identity_pool,
        IdentityPoolId=missing,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
    )
    assert code == "ResourceNotFoundException"


def test_malformed_provider_arns_are_invalid_parameters(cognito):
    code, message = aws_error(
        cognito.create_identity_pool,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
        OpenIdConnectProviderARNs=["arn:aws:iam::000000000000:role/not-an-oidc-provider"],
    )
    assert code == "InvalidParameterException"
    assert "OpenIdConnectProviderARNs" in message


def test_create_refuses_reserved_and_too_many_tags(cognito):
    reserved = aws_error(
        cognito.create_identity_pool,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
        IdentityPoolTags={"aws:owner": "me"},
    )
    too_many = aws_error(
        cognito.create_identity_pool,
        IdentityPoolName="p",
        AllowUnauthenticatedIdentities=True,
        IdentityPoolTags={f"k{n}": "v" for n in range(51)},
    )
    assert reserved[0] == too_many[0] == "InvalidParameterException"


def test_delete_removes_the_pool_and_everything_in_it(cognito, pool_id):
    guest = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-token"})
    cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: "user-1"})
    cognito.delete_identity_pool(IdentityPoolId=pool_id)
    assert aws_error(cognito.describe_identity_pool, IdentityPoolId=pool_id)[0] == "ResourceNotFoundException"
    assert aws_error(cognito.describe_identity, IdentityId=guest)[0] == "ResourceNotFoundException"
    assert not Identity.objects.exists()
    assert not IdentityLogin.objects.exists()
    assert (
        aws_error(cognito.list_tags_for_resource, ResourceArn=pool_arn(pool_id))[0]
        == "ResourceNotFoundException"
    )


def test_delete_leaves_other_pools_alone(cognito, make_pool):
    doomed, kept = make_pool(), make_pool()
    cognito.get_id(IdentityPoolId=doomed, Logins={FACEBOOK: "same-user"})
    survivor = cognito.get_id(IdentityPoolId=kept, Logins={FACEBOOK: "same-user"})["IdentityId"]
    cognito.delete_identity_pool(IdentityPoolId=doomed)
    assert cognito.describe_identity(IdentityId=survivor)["Logins"] == [FACEBOOK]


def test_delete_unknown_pool_is_not_found(cognito, pool_id):
    cognito.delete_identity_pool(IdentityPoolId=pool_id)
    assert aws_error(cognito.delete_identity_pool, IdentityPoolId=pool_id) == (
        "ResourceNotFoundException",
        f"IdentityPool '{pool_id}' not found.",
    )


def test_the_region_holds_at_most_the_configured_number_of_pools(cognito_no_retry, settings):
    settings.EMULATOR_MAX_POOLS_PER_REGION = 3
    for n in range(3):
        cognito_no_retry.create_identity_pool(IdentityPoolName=f"p{n}", AllowUnauthenticatedIdentities=True)
    code, _ = aws_error(
        cognito_no_retry.create_identity_pool, IdentityPoolName="p4", AllowUnauthenticatedIdentities=True
    )
    assert code == "LimitExceededException"


def test_the_pool_limit_counts_each_region_separately(cognito_no_retry, cognito_in, settings):
    settings.EMULATOR_MAX_POOLS_PER_REGION = 1
    cognito_no_retry.create_identity_pool(IdentityPoolName="east", AllowUnauthenticatedIdentities=True)
    west = cognito_in("us-west-2").create_identity_pool(
        IdentityPoolName="west", AllowUnauthenticatedIdentities=True
    )
    assert west["IdentityPoolId"].startswith("us-west-2:")


def test_list_identity_pools_pages_in_creation_order(cognito):
    created = [
        cognito.create_identity_pool(IdentityPoolName=f"pool {n}", AllowUnauthenticatedIdentities=True)[
            "IdentityPoolId"
        ]
        for n in range(5)
    ]
    first = cognito.list_identity_pools(MaxResults=2)
    second = cognito.list_identity_pools(MaxResults=2, NextToken=first["NextToken"])
    third = cognito.list_identity_pools(MaxResults=2, NextToken=second["NextToken"])
    pages = [first, second, third]
    assert [pool["IdentityPoolId"] for page in pages for pool in page["IdentityPools"]] == created
    assert first["IdentityPools"][0] == {"IdentityPoolId": created[0], "IdentityPoolName": "pool 0"}
    assert "NextToken" not in third


def test_the_botocore_paginator_walks_every_pool(cognito):
    for n in range(7):
        cognito.create_identity_pool(IdentityPoolName=f"pool {n}", AllowUnauthenticatedIdentities=True)
    paginator = cognito.get_paginator("list_identity_pools")
    names = [
        pool["IdentityPoolName"]
        for page in paginator.paginate(MaxResults=3)
        for pool in page["IdentityPools"]
    ]
    assert names == [f"pool {n}" for n in range(7)]


def test_a_full_last_page_has_no_next_token(cognito):
    for n in range(3):
        cognito.create_identity_pool(IdentityPoolName=f"pool {n}", AllowUnauthenticatedIdentities=True)
    assert "NextToken" not in cognito.list_identity_pools(MaxResults=3)


def test_get_id_with_a_login_of_a_deleted_pool_is_not_found(cognito, pool_id):
    cognito.delete_identity_pool(IdentityPoolId=pool_id)
    code, _ = aws_error(cognito.get_id, IdentityPoolId=pool_id, Logins={FACEBOOK: id_token("a")})
    assert code == "ResourceNotFoundException"
