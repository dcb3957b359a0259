"""GetCredentialsForIdentity picks the role from RoleMappings, through real boto3 calls.

User-pool ID tokens are crafted with PyJWT: issuer and audience as a user pool would set
them, the claims each test needs; the default token mode does not check signatures.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import time
from typing import Any

import jwt
import pytest

from console.emulator.models import Identity
from tests.cognito import AUTH_ROLE, FACEBOOK, SAML_ARN, UNAUTH_ROLE, USER_POOL, USER_POOL_CLIENT, aws_error

pytestmark = pytest.mark.django_db

MAPPING_KEY = f"{USER_POOL}:{USER_POOL_CLIENT}"
ADMIN_ROLE = "arn:aws:iam::000000000000:role/pool-admins"
SALES_ROLE = "arn:aws:iam::000000000000:role/pool-sales"
EDITOR_ROLE = "arn:aws:iam::000000000000:role/group-editors"
READER_ROLE = "arn:aws:iam::000000000000:role/group-readers"
ROLES = {"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
DENIED = f"The ambiguous role mapping rules for: {USER_POOL} denied this request."
NO_ROLE = "Invalid identity pool configuration. Check assigned IAM roles for this pool."


def user_pool_token(subject: str, **claims: Any) -> str:
    """An ID token of the test user pool for its configured app client."""
    now = int(time.time())
    payload = {
        "iss": f"https://{USER_POOL}",
        "aud": USER_POOL_CLIENT,
        "sub": subject,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(payload, "user-pool-key-the-trusting-mode-does-not-check", algorithm="HS256")


def rules_mapping(ambiguous: str) -> dict[str, Any]:
    return {
        "Type": "Rules",
        "AmbiguousRoleResolution": ambiguous,
        "RulesConfiguration": {
            "Rules": [
                {
                    "Claim": "cognito:groups",
                    "MatchType": "Contains",
                    "Value": "admins",
                    "RoleARN": ADMIN_ROLE,
                },
                {"Claim": "custom:dept", "MatchType": "Equals", "Value": "sales", "RoleARN": SALES_ROLE},
            ]
        },
    }


def set_mapping(cognito, pool_id: str, mapping: dict[str, Any], roles: dict[str, str] = ROLES) -> None:
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={MAPPING_KEY: mapping})


def sign_in(cognito, pool_id: str, token: str, **kwargs: Any) -> dict[str, Any]:
    """GetId then GetCredentialsForIdentity with one user-pool login (the enhanced flow)."""
    logins = {USER_POOL: token}
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    return cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins, **kwargs)


def issued_role(answer: dict[str, Any]) -> str | None:
    return Identity.objects.get(identity_id=answer["IdentityId"]).last_role_arn


def refusal(cognito, pool_id: str, token: str, **kwargs: Any) -> tuple[tuple[str, str], str | None]:
    """The error GetCredentialsForIdentity answers, and the role then recorded (none expected)."""
    logins = {USER_POOL: token}
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    error = aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id, Logins=logins, **kwargs)
    return error, Identity.objects.get(identity_id=identity_id).last_role_arn


@pytest.fixture
def rules_pool(cognito, pool_id) -> str:
    set_mapping(cognito, pool_id, rules_mapping("AuthenticatedRole"))
    return pool_id


@pytest.fixture
def token_pool(cognito, pool_id) -> str:
    set_mapping(cognito, pool_id, {"Type": "Token", "AmbiguousRoleResolution": "Deny"})
    return pool_id


def test_a_user_pool_admin_gets_the_admin_role_from_a_rule(cognito, rules_pool):
    before = dt.datetime.now(dt.UTC)
    answer = sign_in(cognito, rules_pool, user_pool_token("ann", **{"cognito:groups": ["users", "admins"]}))
    credentials = answer["Credentials"]
    assert issued_role(answer) == ADMIN_ROLE
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretKey"]) == 40
    assert len(credentials["SessionToken"]) > 100
    assert dt.timedelta(minutes=59) < credentials["Expiration"] - before <= dt.timedelta(minutes=61)


def test_the_first_matching_rule_wins(cognito, rules_pool):
    token = user_pool_token("bob", **{"cognito:groups": ["admins"], "custom:dept": "sales"})
    assert issued_role(sign_in(cognito, rules_pool, token)) == ADMIN_ROLE


def test_a_later_rule_matches_when_the_first_does_not(cognito, rules_pool):
    token = user_pool_token("cat", **{"cognito:groups": ["superadmins"], "custom:dept": "sales"})
    assert issued_role(sign_in(cognito, rules_pool, token)) == SALES_ROLE


def test_no_matching_rule_gives_the_authenticated_role(cognito, rules_pool):
    token = user_pool_token("dan", **{"custom:dept": "support"})
    assert issued_role(sign_in(cognito, rules_pool, token)) == AUTH_ROLE


def test_the_role_follows_the_claims_of_each_call(cognito, rules_pool):
    assert issued_role(sign_in(cognito, rules_pool, user_pool_token("eve"))) == AUTH_ROLE
    promoted = user_pool_token("eve", **{"cognito:groups": ["admins"]})
    assert issued_role(sign_in(cognito, rules_pool, promoted)) == ADMIN_ROLE


def test_a_deny_mapping_refuses_credentials_with_the_aws_message(cognito, pool_id):
    set_mapping(cognito, pool_id, rules_mapping("Deny"))
    error, role = refusal(cognito, pool_id, user_pool_token("fay", **{"custom:dept": "support"}))
    assert error == ("NotAuthorizedException", DENIED)
    assert role is None


def test_no_authenticated_role_is_an_invalid_pool_configuration(cognito, pool_id):
    set_mapping(cognito, pool_id, rules_mapping("AuthenticatedRole"), roles={"unauthenticated": UNAUTH_ROLE})
    error, role = refusal(cognito, pool_id, user_pool_token("gus"))
    assert error == ("InvalidIdentityPoolConfigurationException", NO_ROLE)
    assert role is None


def test_a_matching_rule_needs_no_default_roles(cognito, pool_id):
    set_mapping(cognito, pool_id, rules_mapping("Deny"), roles={})
    token = user_pool_token("hal", **{"cognito:groups": ["admins"]})
    assert issued_role(sign_in(cognito, pool_id, token)) == ADMIN_ROLE


def test_token_mapping_uses_the_preferred_role(cognito, token_pool):
    token = user_pool_token(
        "ida", **{"cognito:preferred_role": EDITOR_ROLE, "cognito:roles": [EDITOR_ROLE, READER_ROLE]}
    )
    assert issued_role(sign_in(cognito, token_pool, token)) == EDITOR_ROLE


def test_token_mapping_honours_a_custom_role_arn_the_token_allows(cognito, token_pool):
    token = user_pool_token(
        "jay", **{"cognito:preferred_role": EDITOR_ROLE, "cognito:roles": [EDITOR_ROLE, READER_ROLE]}
    )
    assert issued_role(sign_in(cognito, token_pool, token, CustomRoleArn=READER_ROLE)) == READER_ROLE


def test_token_mapping_denies_a_custom_role_arn_the_token_does_not_allow(cognito, token_pool):
    token = user_pool_token("kim", **{"cognito:roles": [EDITOR_ROLE, READER_ROLE]})
    error, role = refusal(cognito, token_pool, token, CustomRoleArn=ADMIN_ROLE)
    assert error == ("NotAuthorizedException", DENIED)
    assert role is None


def test_token_mapping_with_ambiguous_roles_and_deny_refuses(cognito, token_pool):
    token = user_pool_token("lee", **{"cognito:roles": [EDITOR_ROLE, READER_ROLE]})
    assert refusal(cognito, token_pool, token)[0] == ("NotAuthorizedException", DENIED)


def test_token_mapping_with_ambiguous_roles_can_fall_back_to_the_authenticated_role(cognito, pool_id):
    set_mapping(cognito, pool_id, {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"})
    token = user_pool_token("max", **{"cognito:roles": [EDITOR_ROLE, READER_ROLE]})
    assert issued_role(sign_in(cognito, pool_id, token)) == AUTH_ROLE


def test_a_token_role_that_is_not_a_role_arn_is_an_invalid_configuration(cognito, token_pool):
    token = user_pool_token("nat", **{"cognito:preferred_role": "x" * 3000})
    error, role = refusal(cognito, token_pool, token)
    assert error == ("InvalidIdentityPoolConfigurationException", NO_ROLE)
    assert role is None


def test_a_login_without_a_mapping_gets_the_authenticated_role(cognito, token_pool):
    identity_id = cognito.get_id(IdentityPoolId=token_pool, Logins={FACEBOOK: "fb-user"})["IdentityId"]
    answer = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins={FACEBOOK: "fb-user"})
    assert issued_role(answer) == AUTH_ROLE


def test_a_guest_gets_the_unauthenticated_role_despite_mappings(cognito, rules_pool):
    identity_id = cognito.get_id(IdentityPoolId=rules_pool)["IdentityId"]
    answer = cognito.get_credentials_for_identity(IdentityId=identity_id)
    assert issued_role(answer) == UNAUTH_ROLE


def saml_response(user: str, *roles: str) -> str:
    """A base64 SAML response naming `user` and offering `roles` (role ARN, provider ARN pairs)."""
    values = "".join(f"<saml:AttributeValue>{role},{SAML_ARN}</saml:AttributeValue>" for role in roles)
    document = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion>'
        f"<saml:Subject><saml:NameID>{user}</saml:NameID></saml:Subject><saml:AttributeStatement>"
        f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{values}</saml:Attribute>'
        "</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(document.encode()).decode()


def test_a_saml_user_gets_the_role_its_assertion_offers_without_pool_roles(cognito, pool_id):
    logins = {SAML_ARN: saml_response("ann@corp.example", EDITOR_ROLE)}
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    answer = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    assert issued_role(answer) == EDITOR_ROLE


def test_a_saml_user_with_several_roles_picks_one_with_custom_role_arn(cognito, pool_id):
    logins = {SAML_ARN: saml_response("bob@corp.example", EDITOR_ROLE, READER_ROLE)}
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    code, message = aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id, Logins=logins)
    assert (code, message) == (
        "NotAuthorizedException",
        f"The ambiguous role mapping rules for: {SAML_ARN} denied this request.",
    )
    answer = cognito.get_credentials_for_identity(
        IdentityId=identity_id, Logins=logins, CustomRoleArn=READER_ROLE
    )
    assert issued_role(answer) == READER_ROLE


def test_set_roles_refuses_more_than_25_rules_for_a_provider(cognito, pool_id):
    rule = {"Claim": "custom:dept", "MatchType": "Equals", "Value": "sales", "RoleARN": SALES_ROLE}
    mapping = {
        "Type": "Rules",
        "AmbiguousRoleResolution": "Deny",
        "RulesConfiguration": {"Rules": [rule] * 26},
    }
    code, _ = aws_error(
        cognito.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles=ROLES,
        RoleMappings={MAPPING_KEY: mapping},
    )
    assert code == "InvalidParameterException"
    mapping["RulesConfiguration"]["Rules"] = [rule] * 25
    set_mapping(cognito, pool_id, mapping)


def test_set_roles_refuses_a_mapping_for_an_app_client_the_pool_does_not_have(cognito, pool_id):
    key = f"{USER_POOL}:another-client"
    assert aws_error(
        cognito.set_identity_pool_roles,
        IdentityPoolId=pool_id,
        Roles=ROLES,
        RoleMappings={key: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
    ) == (
        "InvalidParameterException",
        f"({key}) is not a valid RoleMapping ProviderName or is not a configured provider.",
    )
