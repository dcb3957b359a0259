"""OpenID tokens (real RS256 JWTs) and AWS credentials for identities."""

from __future__ import annotations

import datetime as dt
import re

import jwt
import pytest

from console.emulator.models import Identity, SigningKey
from console.emulator.operations import tokens
from tests.cognito import AUTH_ROLE, DEVELOPER, FACEBOOK, GOOGLE, UNAUTH_ROLE, aws_error, id_token

pytestmark = pytest.mark.django_db

COGNITO = "cognito-identity.amazonaws.com"
LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login for this identity or identity pool."
)


def verify(token: str, pool_id: str) -> dict:
    """Verify a token the way a relying party does: with the published public key."""
    kid = jwt.get_unverified_header(token)["kid"]
    keys = {key["kid"]: jwt.PyJWK(key) for key in tokens.jwks()["keys"]}
    return jwt.decode(
        token,
        keys[kid].key,
        algorithms=["RS256"],
        audience=pool_id,
        issuer="https://cognito-identity.amazonaws.com",
    )


@pytest.fixture
def with_roles(cognito, pool_id):
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    )
    return pool_id


def test_guest_open_id_token_is_a_signed_unauthenticated_jwt(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    answer = cognito.get_open_id_token(IdentityId=identity_id)
    assert answer["IdentityId"] == identity_id
    claims = verify(answer["Token"], pool_id)
    assert claims["sub"] == identity_id
    assert claims["amr"] == ["unauthenticated"]
    assert claims["exp"] - claims["iat"] == 600
    assert jwt.get_unverified_header(answer["Token"])["alg"] == "RS256"


def test_authenticated_open_id_token_names_the_providers(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    token = cognito.get_open_id_token(IdentityId=identity_id, Logins={FACEBOOK: "fb"})["Token"]
    assert verify(token, pool_id)["amr"] == ["authenticated", FACEBOOK]


def test_the_signing_key_is_created_once_and_kept(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    first = cognito.get_open_id_token(IdentityId=identity_id)["Token"]
    second = cognito.get_open_id_token(IdentityId=identity_id)["Token"]
    assert jwt.get_unverified_header(first)["kid"] == jwt.get_unverified_header(second)["kid"]
    assert SigningKey.objects.count() <= 1


def test_developer_token_lasts_token_duration_and_carries_principal_tags(cognito, pool_id):
    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id,
        Logins={DEVELOPER: "user-1"},
        TokenDuration=3600,
        PrincipalTags={"team": "blue"},
    )
    claims = verify(answer["Token"], pool_id)
    assert claims["sub"] == answer["IdentityId"]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["amr"] == ["authenticated", DEVELOPER]
    assert claims["https://aws.amazon.com/tags"] == {"principal_tags": {"team": ["blue"]}}


def test_developer_token_lasts_fifteen_minutes_by_default(cognito, pool_id):
    answer = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: "u"})
    claims = verify(answer["Token"], pool_id)
    assert claims["exp"] - claims["iat"] == 900


def test_classic_flow_explicitly_off_refuses_open_id_tokens(cognito, make_pool):
    pool_id = make_pool(AllowClassicFlow=False)
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert aws_error(cognito.get_open_id_token, IdentityId=identity_id) == (
        "InvalidParameterException",
        "Basic (classic) flow is not enabled, please use enhanced flow.",
    )


def test_classic_flow_is_refused_when_the_pool_has_role_mappings(cognito, pool_id):
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE},
        RoleMappings={FACEBOOK: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}},
    )
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert aws_error(cognito.get_open_id_token, IdentityId=identity_id) == (
        "InvalidParameterException",
        "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.",
    )


def test_open_id_token_of_an_authenticated_identity_needs_its_login(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    assert aws_error(cognito.get_open_id_token, IdentityId=identity_id) == (
        "NotAuthorizedException",
        LOGINS_DONT_MATCH,
    )


def test_open_id_token_for_unknown_identity_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert aws_error(cognito.get_open_id_token, IdentityId=missing) == (
        "ResourceNotFoundException",
        f"Identity '{missing}' not found.",
    )


def test_disabled_identity_gets_no_token(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    Identity.objects.filter(identity_id=identity_id).update(disabled=True)
    assert aws_error(cognito.get_open_id_token, IdentityId=identity_id) == (
        "NotAuthorizedException",
        f"Access to identity '{identity_id}' is forbidden",
    )


def test_guest_credentials_use_the_unauthenticated_role(cognito, with_roles):
    identity_id = cognito.get_id(IdentityPoolId=with_roles)["IdentityId"]
    before = dt.datetime.now(dt.UTC)
    answer = cognito.get_credentials_for_identity(IdentityId=identity_id)
    credentials = answer["Credentials"]
    assert answer["IdentityId"] == identity_id
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretKey"]) == 40
    assert len(credentials["SessionToken"]) > 100
    assert dt.timedelta(minutes=59) < credentials["Expiration"] - before <= dt.timedelta(minutes=61)
    assert Identity.objects.get(identity_id=identity_id).last_role_arn == UNAUTH_ROLE


def test_authenticated_credentials_use_the_authenticated_role(cognito, with_roles):
    identity_id = cognito.get_id(IdentityPoolId=with_roles, Logins={GOOGLE: id_token("g")})["IdentityId"]
    cognito.get_credentials_for_identity(IdentityId=identity_id, Logins={GOOGLE: id_token("g")})
    assert Identity.objects.get(identity_id=identity_id).last_role_arn == AUTH_ROLE


def test_developer_identity_gets_credentials_with_its_cognito_token(cognito, with_roles):
    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=with_roles, Logins={DEVELOPER: "u"}
    )
    identity_id = answer["IdentityId"]
    credentials = cognito.get_credentials_for_identity(
        IdentityId=identity_id, Logins={COGNITO: answer["Token"]}
    )
    assert credentials["IdentityId"] == identity_id
    assert Identity.objects.get(identity_id=identity_id).last_role_arn == AUTH_ROLE


def test_a_cognito_token_of_another_identity_is_refused(cognito, with_roles):
    mine = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=with_roles, Logins={DEVELOPER: "me"}
    )
    theirs = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=with_roles, Logins={DEVELOPER: "them"}
    )
    code, _ = aws_error(
        cognito.get_credentials_for_identity, IdentityId=mine["IdentityId"], Logins={COGNITO: theirs["Token"]}
    )
    assert code == "NotAuthorizedException"


def test_a_forged_cognito_token_is_refused(cognito, with_roles):
    identity_id = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=with_roles, Logins={DEVELOPER: "u"}
    )["IdentityId"]
    forged = jwt.encode(
        {"sub": identity_id, "aud": with_roles, "iss": "https://cognito-identity.amazonaws.com"},
        "an-attacker-chosen-hmac-key-of-enough-length",
        algorithm="HS256",
    )
    code, message = aws_error(
        cognito.get_credentials_for_identity, IdentityId=identity_id, Logins={COGNITO: forged}
    )
    assert code == "NotAuthorizedException"
    assert message.startswith("Invalid login token.")


def test_authenticated_identity_without_its_logins_gets_no_credentials(cognito, with_roles):
    identity_id = cognito.get_id(IdentityPoolId=with_roles, Logins={FACEBOOK: "fb"})["IdentityId"]
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id) == (
        "NotAuthorizedException",
        LOGINS_DONT_MATCH,
    )
    code, message = aws_error(
        cognito.get_credentials_for_identity, IdentityId=identity_id, Logins={FACEBOOK: "another user"}
    )
    assert (code, message) == ("NotAuthorizedException", LOGINS_DONT_MATCH)


def test_credentials_without_a_configured_role_are_an_invalid_configuration(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id) == (
        "InvalidIdentityPoolConfigurationException",
        "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
    )


def test_guest_credentials_need_guest_access(cognito, with_roles):
    identity_id = cognito.get_id(IdentityPoolId=with_roles)["IdentityId"]
    cognito.update_identity_pool(
        IdentityPoolId=with_roles,
        IdentityPoolName="no guests",
        AllowUnauthenticatedIdentities=False,
        DeveloperProviderName=DEVELOPER,
    )
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id) == (
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
    )


def test_a_guest_that_signs_in_keeps_its_identity(cognito, with_roles):
    guest = cognito.get_id(IdentityPoolId=with_roles)["IdentityId"]
    cognito.get_credentials_for_identity(IdentityId=guest, Logins={FACEBOOK: "fb"})
    assert cognito.get_id(IdentityPoolId=with_roles, Logins={FACEBOOK: "fb"})["IdentityId"] == guest
    assert Identity.objects.get(identity_id=guest).last_role_arn == AUTH_ROLE


def test_disabled_identity_gets_no_credentials(cognito, with_roles):
    identity_id = cognito.get_id(IdentityPoolId=with_roles)["IdentityId"]
    Identity.objects.filter(identity_id=identity_id).update(disabled=True)
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id) == (
        "NotAuthorizedException",
        f"Access to identity '{identity_id}' is forbidden",
    )
