"""The sign-in flows of the developer guide, end to end through boto3 (reference §5.1).

Enhanced flow: GetId -> GetCredentialsForIdentity. Basic flow: GetId -> GetOpenIdToken ->
(the app's own) AssumeRoleWithWebIdentity, played here by `assume_role_with_web_identity`,
which verifies the token with the keys the service publishes and applies the trust
policies every Cognito role has.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest

from console.aws.clients import build_client
from console.emulator import discovery
from console.emulator.models import Identity
from tests.cognito import (
    AUTH_ROLE,
    DEVELOPER,
    GOOGLE,
    REGION,
    UNAUTH_ROLE,
    USER_POOL,
    aws_error,
    full_pool_settings,
    id_token,
)

from .http_fixtures import emulator_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

COGNITO = "cognito-identity.amazonaws.com"
ISSUER = "https://cognito-identity.amazonaws.com"
BASE_URL = "http://127.0.0.1:4566"


@pytest.fixture
def pool(cognito, pool_id) -> str:
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    )
    return pool_id


def served(path: str) -> dict[str, Any]:
    status, headers, body = discovery.get(path, BASE_URL)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    return json.loads(body)


def verified_claims(token: str, pool_id: str) -> dict[str, Any]:
    """What a relying party reads from an OpenID token after checking it with the served keys."""
    configuration = served("/.well-known/openid-configuration")
    keys = served(configuration["jwks_uri"].removeprefix(BASE_URL))
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [key for key in keys["keys"] if key["kid"] == kid]
    return jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=configuration["id_token_signing_alg_values_supported"],
        audience=pool_id,
        issuer=configuration["issuer"],
    )


def assume_role_with_web_identity(token: str, pool_id: str) -> str:
    """The role STS would hand out: Cognito roles trust `aud` = the pool and `amr` = the auth state."""
    claims = verified_claims(token, pool_id)
    return AUTH_ROLE if "authenticated" in claims["amr"] else UNAUTH_ROLE


def role_of(identity_id: str) -> str | None:
    """The role the last GetCredentialsForIdentity of an identity was answered with."""
    return Identity.objects.get(identity_id=identity_id).last_role_arn


# --- Enhanced (simplified) flow -------------------------------------------------------------------


@pytest.mark.parametrize("provider", [USER_POOL, GOOGLE], ids=["cognito-user-pool", "google"])
def test_enhanced_flow_with_an_id_token_gets_authenticated_credentials(cognito, pool, provider):
    logins = {provider: id_token("user-1", provider)}
    identity_id = cognito.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]

    answer = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)

    assert answer["IdentityId"] == identity_id
    assert set(answer["Credentials"]) == {"AccessKeyId", "SecretKey", "SessionToken", "Expiration"}
    assert role_of(identity_id) == AUTH_ROLE
    assert cognito.describe_identity(IdentityId=identity_id)["Logins"] == [provider]


def test_enhanced_flow_for_a_guest_gets_unauthenticated_credentials(cognito, pool):
    identity_id = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    assert cognito.get_credentials_for_identity(IdentityId=identity_id)["IdentityId"] == identity_id
    assert role_of(identity_id) == UNAUTH_ROLE


def test_enhanced_flow_refuses_guests_when_the_pool_has_no_guest_access(cognito, make_pool):
    pool_id = make_pool(AllowUnauthenticatedIdentities=False)
    assert aws_error(cognito.get_id, IdentityPoolId=pool_id) == (
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
    )


# --- Basic (classic) flow -----------------------------------------------------------------------


def test_basic_flow_token_verifies_against_the_served_keys_and_names_the_login(cognito, pool):
    logins = {GOOGLE: id_token("user-1")}
    identity_id = cognito.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]

    answer = cognito.get_open_id_token(IdentityId=identity_id, Logins=logins)

    assert answer["IdentityId"] == identity_id
    claims = verified_claims(answer["Token"], pool)
    assert (claims["iss"], claims["aud"], claims["sub"]) == (ISSUER, pool, identity_id)
    assert claims["amr"] == ["authenticated", GOOGLE]
    assert claims["exp"] - claims["iat"] == 600
    assert assume_role_with_web_identity(answer["Token"], pool) == AUTH_ROLE


def test_basic_flow_for_a_guest_gets_an_unauthenticated_token(cognito, pool):
    identity_id = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    token = cognito.get_open_id_token(IdentityId=identity_id)["Token"]
    assert verified_claims(token, pool)["amr"] == ["unauthenticated"]
    assert assume_role_with_web_identity(token, pool) == UNAUTH_ROLE


def test_amr_names_the_providers_the_caller_signed_in_with(cognito, pool):
    logins = {GOOGLE: id_token("user-1"), USER_POOL: id_token("user-1", USER_POOL)}
    identity_id = cognito.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]
    both = cognito.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
    assert verified_claims(both, pool)["amr"] == ["authenticated", GOOGLE, USER_POOL]
    one = cognito.get_open_id_token(IdentityId=identity_id, Logins={USER_POOL: logins[USER_POOL]})["Token"]
    assert verified_claims(one, pool)["amr"] == ["authenticated", USER_POOL]


def test_basic_flow_works_while_allow_classic_flow_was_never_set(cognito, pool):
    assert "AllowClassicFlow" not in cognito.describe_identity_pool(IdentityPoolId=pool)
    identity_id = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    assert cognito.get_open_id_token(IdentityId=identity_id)["Token"]


def test_basic_flow_is_refused_when_classic_flow_is_off_or_roles_are_mapped(cognito, make_pool):
    off = make_pool(AllowClassicFlow=False)
    guest = cognito.get_id(IdentityPoolId=off)["IdentityId"]
    assert aws_error(cognito.get_open_id_token, IdentityId=guest) == (
        "InvalidParameterException",
        "Basic (classic) flow is not enabled, please use enhanced flow.",
    )
    mapped = make_pool()
    cognito.set_identity_pool_roles(
        IdentityPoolId=mapped,
        Roles={"authenticated": AUTH_ROLE},
        RoleMappings={GOOGLE: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}},
    )
    guest = cognito.get_id(IdentityPoolId=mapped)["IdentityId"]
    assert aws_error(cognito.get_open_id_token, IdentityId=guest) == (
        "InvalidParameterException",
        "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.",
    )


# --- Developer-authenticated identities -----------------------------------------------------------


def test_developer_enhanced_flow_exchanges_the_backends_token_for_credentials(cognito, pool):
    backend = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "user-7"}
    )
    identity_id = backend["IdentityId"]

    answer = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins={COGNITO: backend["Token"]})

    assert answer["IdentityId"] == identity_id
    assert role_of(identity_id) == AUTH_ROLE


def test_developer_basic_flow_token_verifies_and_names_the_developer_provider(cognito, pool):
    backend = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "user-7"}
    )

    claims = verified_claims(backend["Token"], pool)

    assert (claims["sub"], claims["amr"]) == (backend["IdentityId"], ["authenticated", DEVELOPER])
    assert claims["exp"] - claims["iat"] == 900
    assert assume_role_with_web_identity(backend["Token"], pool) == AUTH_ROLE


def test_the_backends_token_refreshes_through_get_open_id_token(cognito, pool):
    backend = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "user-7"}
    )
    identity_id = backend["IdentityId"]
    fresh = cognito.get_open_id_token(IdentityId=identity_id, Logins={COGNITO: backend["Token"]})
    assert fresh["IdentityId"] == identity_id
    assert verified_claims(fresh["Token"], pool)["amr"] == ["authenticated", DEVELOPER]


def test_a_developer_identity_without_its_token_gets_nothing(cognito, pool):
    identity_id = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "u"}
    )["IdentityId"]
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id) == (
        "NotAuthorizedException",
        "Logins don't match. Please include at least one valid login for this identity or identity pool.",
    )
    # The developer provider name is no login of its own in the public calls.
    assert aws_error(
        cognito.get_credentials_for_identity, IdentityId=identity_id, Logins={DEVELOPER: "u"}
    ) == (
        "NotAuthorizedException",
        "Token is not from a supported provider of this identity pool.",
    )


# --- Guest to authenticated -----------------------------------------------------------------------


def test_a_guest_that_signs_in_with_a_new_login_keeps_its_id_and_switches_role(cognito, pool):
    guest = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    cognito.get_credentials_for_identity(IdentityId=guest)
    assert role_of(guest) == UNAUTH_ROLE

    logins = {USER_POOL: id_token("user-1", USER_POOL)}
    answer = cognito.get_credentials_for_identity(IdentityId=guest, Logins=logins)

    assert answer["IdentityId"] == guest
    assert role_of(guest) == AUTH_ROLE
    assert cognito.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"] == guest
    token = cognito.get_open_id_token(IdentityId=guest, Logins=logins)["Token"]
    assert verified_claims(token, pool)["amr"] == ["authenticated", USER_POOL]


def test_a_guest_that_signs_in_as_a_known_user_gets_that_users_identity(cognito, pool):
    logins = {GOOGLE: id_token("user-1")}
    known = cognito.get_id(IdentityPoolId=pool, Logins=logins)["IdentityId"]
    guest = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    cognito.get_credentials_for_identity(IdentityId=guest)

    answer = cognito.get_credentials_for_identity(IdentityId=guest, Logins=logins)

    assert answer["IdentityId"] == known
    assert role_of(known) == AUTH_ROLE
    # The guest identity is disabled but still listed, unless hidden.
    everyone = cognito.list_identities(IdentityPoolId=pool, MaxResults=10)["Identities"]
    assert [item["IdentityId"] for item in everyone] == [known, guest]
    visible = cognito.list_identities(IdentityPoolId=pool, MaxResults=10, HideDisabled=True)["Identities"]
    assert [item["IdentityId"] for item in visible] == [known]
    refused = ("NotAuthorizedException", f"Access to identity '{guest}' is forbidden")
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=guest) == refused
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=guest, Logins=logins) == refused
    token = cognito.get_open_id_token(IdentityId=known, Logins=logins)["Token"]
    assert verified_claims(token, pool)["sub"] == known


# --- Discovery documents ----------------------------------------------------------------------------


def test_the_discovery_document_points_at_this_servers_keys(cognito):
    configuration = served("/.well-known/openid-configuration")
    assert configuration["issuer"] == ISSUER
    assert configuration["jwks_uri"] == f"{BASE_URL}/.well-known/jwks.json"
    assert configuration["id_token_signing_alg_values_supported"] == ["RS256"]
    assert configuration["subject_types_supported"] == ["public"]


def test_the_key_set_is_also_served_where_aws_publishes_it(cognito):
    assert served("/.well-known/jwks_uri") == served("/.well-known/jwks.json")
    [key] = served("/.well-known/jwks.json")["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key  # the public half only


def test_other_well_known_paths_are_not_found(cognito):
    status, _, body = discovery.get("/.well-known/other", BASE_URL)
    assert status == 404
    assert "message" in json.loads(body)


def fetch(url: str, **headers: str) -> tuple[dict[str, str], dict[str, Any]]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as answer:
        return dict(answer.headers), json.loads(answer.read())


def test_over_http_a_relying_party_verifies_tokens_with_the_served_keys(
    emulator_url,  # noqa: F811 - the imported fixture
    transactional_db,
):
    cognito = build_client(REGION, emulator_url)
    pool_id = cognito.create_identity_pool(**full_pool_settings())["IdentityPoolId"]
    logins = {GOOGLE: id_token("user-1")}
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]
    token = cognito.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]

    headers, configuration = fetch(
        f"{emulator_url}/.well-known/openid-configuration", Origin="http://localhost:3000"
    )
    assert configuration["jwks_uri"] == f"{emulator_url}/.well-known/jwks.json"
    # A single-page app on a local origin may fetch the keys too.
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    keys = jwt.PyJWKClient(configuration["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, keys.key, algorithms=["RS256"], audience=pool_id, issuer=ISSUER)
    assert (claims["sub"], claims["amr"]) == (identity_id, ["authenticated", GOOGLE])


def test_over_http_the_jwks_uri_names_the_host_asked_for_only_when_it_is_allowed(
    emulator_url,  # noqa: F811 - the imported fixture
    transactional_db,
):
    port = urlsplit(emulator_url).port
    url = f"{emulator_url}/.well-known/openid-configuration"

    _, configuration = fetch(url, Host=f"LOCALHOST:{port}")
    assert configuration["jwks_uri"] == f"http://localhost:{port}/.well-known/jwks.json"

    # A cache in front would otherwise keep (max-age=300) a document pointing at another server.
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(url, Host=f"keys.attacker.example:{port}")
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["__type"] == "InvalidHostHeaderException"
