"""Pool roles and role mappings, principal-tag maps, and tags."""

from __future__ import annotations

import pytest

from tests.cognito import (
    AUTH_ROLE,
    FACEBOOK,
    GOOGLE,
    OIDC_ISSUER,
    SAML_ARN,
    UNAUTH_ROLE,
    USER_POOL,
    USER_POOL_CLIENT,
    aws_error,
    pool_arn,
)

pytestmark = pytest.mark.django_db

RULE = {"Claim": "groups", "MatchType": "Contains", "Value": "admins", "RoleARN": AUTH_ROLE}
USER_POOL_MAPPING_KEY = f"{USER_POOL}:{USER_POOL_CLIENT}"


def test_a_new_pool_has_no_roles(cognito, pool_id):
    roles = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    roles.pop("ResponseMetadata")
    assert roles == {"IdentityPoolId": pool_id}


def test_set_roles_and_mappings_round_trip(cognito, pool_id):
    mappings = {
        USER_POOL_MAPPING_KEY: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"},
        GOOGLE: {"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [RULE]}},
    }
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
        RoleMappings=mappings,
    )
    roles = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert roles["Roles"] == {"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    assert roles["RoleMappings"] == mappings


def test_set_roles_replaces_the_whole_configuration(cognito, pool_id):
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
        RoleMappings={FACEBOOK: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
    )
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE})
    roles = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert roles["Roles"] == {"authenticated": AUTH_ROLE}
    assert "RoleMappings" not in roles


@pytest.mark.parametrize("key", [FACEBOOK, USER_POOL_MAPPING_KEY, OIDC_ISSUER, SAML_ARN])
def test_role_mappings_accept_configured_providers(cognito, pool_id, key):
    mapping = {key: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}}
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={}, RoleMappings=mapping)
    assert list(cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"]) == [key]


def test_role_mapping_for_an_unconfigured_provider_is_refused(cognito, pool_id):
    key = "https://" + USER_POOL_MAPPING_KEY
    assert aws_error(
        cognito.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles={},
        RoleMappings={key: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
    ) == (
        "InvalidParameterException",
        f"({key}) is not a valid RoleMapping ProviderName or is not a configured provider.",
    )


def test_rules_mapping_needs_its_rules(cognito, pool_id):
    code, _ = aws_error(
        cognito.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles={},
        RoleMappings={FACEBOOK: {"Type": "Rules", "AmbiguousRoleResolution": "Deny"}},
    )
    assert code == "InvalidParameterException"


def test_more_than_25_rules_for_one_provider_are_refused(cognito, pool_id):
    code, message = aws_error(
        cognito.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles={},
        RoleMappings={
            FACEBOOK: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": [RULE] * 26},
            }
        },
    )
    assert code == "InvalidParameterException"
    assert "25" in message


def test_a_role_that_is_not_a_role_arn_is_forbidden(cognito, pool_id):
    assert aws_error(
        cognito.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles={"authenticated": "arn:aws:iam::1:my-role-name"},
    ) == ("NotAuthorizedException", "Access to Role 'arn:aws:iam::1:my-role-name' is forbidden.")


def test_roles_of_unknown_pool_are_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert (
        aws_error(cognito.get_identity_pool_roles, IdentityPoolId=missing)[0] == "ResourceNotFoundException"
    )
    assert aws_error(cognito.set_identity_pool_roles, IdentityPoolId=missing, Roles={})[0] == (
        "ResourceNotFoundException"
    )


def test_principal_tags_of_a_provider_start_inactive(cognito, pool_id):
    answer = cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=FACEBOOK)
    assert answer["UseDefaults"] is False
    assert answer["PrincipalTags"] == {}


def test_principal_tags_with_defaults_echo_the_default_map(cognito, pool_id):
    answer = cognito.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id, IdentityProviderName=USER_POOL, UseDefaults=True
    )
    assert answer["UseDefaults"] is True
    assert answer["PrincipalTags"] == {"username": "sub", "client": "aud"}
    got = cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=USER_POOL)
    assert got["PrincipalTags"] == {"username": "sub", "client": "aud"}


def test_custom_principal_tags_round_trip(cognito, pool_id):
    tags = {"department": "custom:dept", "user": "sub"}
    answer = cognito.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id, IdentityProviderName=GOOGLE, UseDefaults=False, PrincipalTags=tags
    )
    assert answer["IdentityPoolId"] == pool_id
    assert answer["IdentityProviderName"] == GOOGLE
    got = cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=GOOGLE)
    assert (got["UseDefaults"], got["PrincipalTags"]) == (False, tags)


def test_principal_tags_need_a_configured_provider(cognito, pool_id):
    for call in (cognito.get_principal_tag_attribute_map, cognito.set_principal_tag_attribute_map):
        code, _ = aws_error(call, IdentityPoolId=pool_id, IdentityProviderName="www.amazon.com")
        assert code == "InvalidParameterException"


def test_tag_untag_and_list_tags(cognito, make_pool):
    pool_id = make_pool(IdentityPoolTags={"team": "web"})
    arn = pool_arn(pool_id)
    cognito.tag_resource(ResourceArn=arn, Tags={"cost": "42", "team": "api"})
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "api", "cost": "42"}
    cognito.untag_resource(ResourceArn=arn, TagKeys=["team", "never-there"])
    assert cognito.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"cost": "42"}
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == {"cost": "42"}


def test_a_malformed_arn_is_an_invalid_parameter(cognito, pool_id):
    for arn in (
        pool_id + "-and-more-text",
        "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_x",
    ):
        assert aws_error(cognito.list_tags_for_resource, ResourceArn=arn)[0] == "InvalidParameterException"


def test_tags_of_an_unknown_pool_are_not_found(cognito):
    arn = pool_arn("us-east-1:00000000-0000-4000-8000-000000000000")
    assert aws_error(cognito.tag_resource, ResourceArn=arn, Tags={"a": "b"})[0] == "ResourceNotFoundException"
    assert aws_error(cognito.list_tags_for_resource, ResourceArn=arn)[0] == "ResourceNotFoundException"


def test_more_than_fifty_tags_are_refused(cognito, pool_id):
    arn = pool_arn(pool_id)
    cognito.tag_resource(ResourceArn=arn, Tags={f"k{n}": "v" for n in range(50)})
    assert (
        aws_error(cognito.tag_resource, ResourceArn=arn, Tags={"one-more": "v"})[0]
        == "InvalidParameterException"
    )
    assert len(cognito.list_tags_for_resource(ResourceArn=arn)["Tags"]) == 50


def test_reserved_aws_tag_keys_are_refused(cognito, pool_id):
    arn = pool_arn(pool_id)
    assert aws_error(cognito.tag_resource, ResourceArn=arn, Tags={"aws:cloudformation": "x"})[0] == (
        "InvalidParameterException"
    )
    assert aws_error(cognito.untag_resource, ResourceArn=arn, TagKeys=["aws:cloudformation"])[0] == (
        "InvalidParameterException"
    )
