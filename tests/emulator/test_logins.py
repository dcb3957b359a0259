"""Login tokens: what makes a `Logins` entry valid, worded as AWS words the refusals."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from console.emulator.models import IdentityLogin
from tests.cognito import (
    APPLE,
    DEVELOPER,
    FACEBOOK,
    GOOGLE,
    GOOGLE_CLIENT,
    OIDC_ISSUER,
    SAML_ARN,
    USER_POOL,
    USER_POOL_CLIENT,
    aws_error,
    id_token,
    saml_response,
)

pytestmark = pytest.mark.django_db

NOT_SUPPORTED = "Token is not from a supported provider of this identity pool."
ISSUER_MISMATCH = "Invalid login token. Issuer doesn't match providerName"
MISSING_AUD = "Invalid login token. Missing a required claim: aud"
NOT_OPENID = "Invalid login token. Not a valid OpenId Connect identity token."
WRONG_AUDIENCE = "Invalid login token. Incorrect token audience."
BAD_SIGNATURE = "Invalid login token. Couldn't verify signed token."
COGNITO = "cognito-identity.amazonaws.com"


def refusal(cognito, pool_id: str, logins: dict[str, str]) -> tuple[str, str]:
    return aws_error(cognito.get_id, IdentityPoolId=pool_id, Logins=logins)


def subject_of(cognito, pool_id: str, provider: str, token: str) -> str:
    """The provider user id the service stored for a login it accepted."""
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={provider: token})["IdentityId"]
    return IdentityLogin.objects.get(identity__identity_id=identity_id, provider=provider).subject


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig"}


@pytest.fixture
def jwks_mode(settings, tmp_path):
    """Switch the service to signature checking with keys written to a fresh JWKS file."""

    def configure(documents: dict[str, dict]) -> None:
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps(documents))
        settings.EMULATOR_VERIFY_TOKENS = "jwks"
        settings.EMULATOR_JWKS_FILE = str(path)

    return configure


# --- JWT providers in the default trust mode ------------------------------------------------


@pytest.mark.parametrize("provider", [GOOGLE, USER_POOL, OIDC_ISSUER])
def test_an_id_tokens_sub_is_the_user(cognito, pool_id, provider):
    assert subject_of(cognito, pool_id, provider, id_token("user-42", provider)) == "user-42"


def test_google_tokens_may_name_the_issuer_without_scheme(cognito, pool_id):
    token = id_token("g-1", GOOGLE, iss="accounts.google.com")
    assert subject_of(cognito, pool_id, GOOGLE, token) == "g-1"


@pytest.mark.parametrize(
    ("provider", "issuer"),
    [
        (GOOGLE, "https://appleid.apple.com"),
        (USER_POOL, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
        (OIDC_ISSUER, "https://login.other.org"),
    ],
)
def test_a_token_of_another_issuer_is_refused(cognito, pool_id, provider, issuer):
    token = id_token("someone", provider, iss=issuer)
    assert refusal(cognito, pool_id, {provider: token}) == ("NotAuthorizedException", ISSUER_MISMATCH)


def test_a_user_pool_access_token_lacks_the_audience_claim(cognito, pool_id):
    # Access tokens name the app client in `client_id`, not `aud`: the classic mistake.
    access = id_token("someone", USER_POOL, aud=None, client_id=USER_POOL_CLIENT, token_use="access")
    assert refusal(cognito, pool_id, {USER_POOL: access}) == ("NotAuthorizedException", MISSING_AUD)


@pytest.mark.parametrize("provider", [GOOGLE, USER_POOL])
def test_a_token_for_an_unconfigured_client_is_refused(cognito, pool_id, provider):
    token = id_token("someone", provider, aud="some-other-client")
    assert refusal(cognito, pool_id, {provider: token}) == ("NotAuthorizedException", WRONG_AUDIENCE)


def test_google_matches_the_client_id_on_azp_too(cognito, pool_id):
    # Android tokens name the app's own client in `aud` and the configured web client in `azp`.
    android = id_token("g-2", aud="android-client", azp=GOOGLE_CLIENT)
    assert subject_of(cognito, pool_id, GOOGLE, android) == "g-2"


def test_a_user_pool_with_several_app_clients_accepts_each(cognito, make_pool):
    clients = [{"ProviderName": USER_POOL, "ClientId": client} for client in ("first", "second")]
    pool_id = make_pool(CognitoIdentityProviders=clients)
    assert subject_of(cognito, pool_id, USER_POOL, id_token("u-1", USER_POOL, aud="second")) == "u-1"
    assert (
        refusal(cognito, pool_id, {USER_POOL: id_token("u-2", USER_POOL, aud="third")})[1] == WRONG_AUDIENCE
    )


def test_apple_tokens_need_the_configured_services_id(cognito, make_pool):
    pool_id = make_pool(SupportedLoginProviders={APPLE: "com.example.app"})
    assert subject_of(cognito, pool_id, APPLE, id_token("a-1", APPLE)) == "a-1"
    assert refusal(cognito, pool_id, {APPLE: id_token("a-2", APPLE, aud="com.other")})[1] == WRONG_AUDIENCE


def test_an_oidc_provider_accepts_any_audience_unless_client_ids_are_configured(
    cognito, pool_id, settings, tmp_path
):
    assert subject_of(cognito, pool_id, OIDC_ISSUER, id_token("o-1", OIDC_ISSUER, aud="anything")) == "o-1"
    path = tmp_path / "providers.json"
    path.write_text(json.dumps({OIDC_ISSUER: {"keys": [], "client_ids": ["oidc-client"]}}))
    settings.EMULATOR_JWKS_FILE = str(path)
    assert subject_of(cognito, pool_id, OIDC_ISSUER, id_token("o-2", OIDC_ISSUER)) == "o-2"
    token = id_token("o-3", OIDC_ISSUER, aud="anything")
    assert refusal(cognito, pool_id, {OIDC_ISSUER: token}) == ("NotAuthorizedException", WRONG_AUDIENCE)


def test_a_token_expired_within_five_minutes_of_skew_still_counts(cognito, pool_id):
    token = id_token("g-1", exp=int(time.time()) - 60)
    assert subject_of(cognito, pool_id, GOOGLE, token) == "g-1"


def test_an_expired_token_is_refused_with_the_times(cognito, pool_id):
    expired = int(time.time()) - 400
    code, message = refusal(cognito, pool_id, {GOOGLE: id_token("g-1", exp=expired)})
    assert code == "NotAuthorizedException"
    match = re.fullmatch(r"Invalid login token\. Token expired: (\d+) >= (\d+)", message)
    assert match
    assert int(match.group(1)) >= expired + 400
    assert int(match.group(2)) == expired


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.bm90IGpzb24."])
def test_something_that_is_not_a_jwt_is_refused_for_a_jwt_provider(cognito, pool_id, token):
    assert refusal(cognito, pool_id, {GOOGLE: token}) == ("NotAuthorizedException", NOT_OPENID)


def test_a_token_without_a_subject_is_refused(cognito, pool_id):
    code, message = refusal(cognito, pool_id, {GOOGLE: id_token("ignored", sub=None)})
    assert (code, message) == ("NotAuthorizedException", "Invalid login token. Missing a required claim: sub")


def test_one_bad_login_fails_the_whole_call(cognito, pool_id):
    logins = {FACEBOOK: "fb-1", GOOGLE: id_token("g-1", aud="other")}
    assert refusal(cognito, pool_id, logins)[1] == WRONG_AUDIENCE
    assert not IdentityLogin.objects.exists()


def test_token_checks_apply_to_credentials_and_open_id_tokens_too(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    bad = {USER_POOL: id_token("u", USER_POOL, iss="https://accounts.google.com")}
    for call in (cognito.get_credentials_for_identity, cognito.get_open_id_token):
        assert aws_error(call, IdentityId=identity_id, Logins=bad) == (
            "NotAuthorizedException",
            ISSUER_MISMATCH,
        )


# --- Opaque, SAML, developer and unsupported providers --------------------------------------


def test_an_opaque_access_token_is_taken_as_the_user_id(cognito, pool_id):
    assert subject_of(cognito, pool_id, FACEBOOK, "10215551234") == "10215551234"


def test_a_saml_response_names_its_user_by_name_id(cognito, pool_id):
    response = saml_response("jane@corp.example", {"https://aws.amazon.com/SAML/Attributes/Role": "admin"})
    assert subject_of(cognito, pool_id, SAML_ARN, response) == "jane@corp.example"


@pytest.mark.parametrize("value", ["not base64 at all!", "PG5vdD48L25vdD4=", "PCFET0NUWVBFIHg+PHg+eDwveD4="])
def test_anything_but_a_saml_response_is_refused_for_a_saml_provider(cognito, pool_id, value):
    # The last one is a document with a DTD, which a SAML response never needs.
    code, message = refusal(cognito, pool_id, {SAML_ARN: value})
    assert (code, message) == ("NotAuthorizedException", "Invalid login token. Not a valid SAML response.")


def _saml_with_entity(encoding: str) -> str:
    """A SAML response whose NameID is an entity defined in its own DTD, in `encoding`."""
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<!DOCTYPE r [<!ENTITY who "admin@corp.example">]>'
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion>'
        "<saml:Subject><saml:NameID>&who;</saml:NameID></saml:Subject>"
        "</saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(document.encode(encoding)).decode()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be"])
def test_a_saml_response_with_a_dtd_is_refused_in_any_encoding(cognito, pool_id, encoding):
    # UTF-16 puts a NUL between the letters of "<!DOCTYPE", past any byte search for it.
    code, message = refusal(cognito, pool_id, {SAML_ARN: _saml_with_entity(encoding)})

    assert (code, message) == ("NotAuthorizedException", "Invalid login token. Not a valid SAML response.")
    assert not IdentityLogin.objects.filter(subject="admin@corp.example").exists()


def test_a_provider_the_pool_does_not_have_is_not_supported(cognito, pool_id):
    assert refusal(cognito, pool_id, {APPLE: id_token("a", APPLE)}) == (
        "NotAuthorizedException",
        NOT_SUPPORTED,
    )
    assert refusal(cognito, pool_id, {DEVELOPER: "user-1"}) == ("NotAuthorizedException", NOT_SUPPORTED)


def test_get_id_refuses_even_a_genuine_cognito_token(cognito, pool_id):
    token = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: "u"})[
        "Token"
    ]
    assert refusal(cognito, pool_id, {COGNITO: token}) == (
        "NotAuthorizedException",
        "Invalid login token. Can't pass in a Cognito token.",
    )


def test_a_cognito_token_for_another_pool_is_refused(cognito, make_pool):
    first, second = make_pool(), make_pool()
    issued = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=first, Logins={DEVELOPER: "u"})
    guest = cognito.get_id(IdentityPoolId=second)["IdentityId"]
    code, message = aws_error(cognito.get_open_id_token, IdentityId=guest, Logins={COGNITO: issued["Token"]})
    assert (code, message) == ("NotAuthorizedException", WRONG_AUDIENCE)


# --- Signature checking (EMULATOR_VERIFY_TOKENS=jwks) ----------------------------------------


def test_jwks_mode_accepts_a_token_signed_by_a_configured_key(cognito, pool_id, jwks_mode):
    key = rsa_key()
    jwks_mode({GOOGLE: {"keys": [public_jwk(rsa_key(), "old"), public_jwk(key, "current")]}})
    token = id_token("g-1", key=key, kid="current")
    assert subject_of(cognito, pool_id, GOOGLE, token) == "g-1"


def test_jwks_mode_refuses_a_token_signed_by_another_key(cognito, pool_id, jwks_mode):
    jwks_mode({GOOGLE: {"keys": [public_jwk(rsa_key(), "current")]}})
    forged = id_token("g-1", key=rsa_key(), kid="current")
    assert refusal(cognito, pool_id, {GOOGLE: forged}) == ("NotAuthorizedException", BAD_SIGNATURE)


def test_jwks_mode_refuses_an_unknown_key_id_and_an_unsigned_token(cognito, pool_id, jwks_mode):
    key = rsa_key()
    jwks_mode({USER_POOL: {"keys": [public_jwk(key, "current")]}})
    unknown_kid = id_token("u-1", USER_POOL, key=key, kid="retired")
    assert refusal(cognito, pool_id, {USER_POOL: unknown_kid}) == ("NotAuthorizedException", BAD_SIGNATURE)
    # Trust mode's throwaway HMAC signature is no signature at all here.
    assert refusal(cognito, pool_id, {USER_POOL: id_token("u-1", USER_POOL)})[1] == BAD_SIGNATURE


def test_jwks_mode_refuses_a_provider_without_keys_and_says_so(cognito, pool_id, jwks_mode):
    jwks_mode({USER_POOL: {"keys": [public_jwk(rsa_key(), "k")]}})
    code, message = refusal(cognito, pool_id, {GOOGLE: id_token("g-1", key=rsa_key())})
    assert code == "NotAuthorizedException"
    assert message == f"{BAD_SIGNATURE} No keys are configured for '{GOOGLE}'."


def test_jwks_mode_still_checks_the_claims_of_a_well_signed_token(cognito, pool_id, jwks_mode):
    key = rsa_key()
    jwks_mode({GOOGLE: {"keys": [public_jwk(key, "k")]}})
    wrong_audience = id_token("g-1", key=key, kid="k", aud="other")
    assert refusal(cognito, pool_id, {GOOGLE: wrong_audience})[1] == WRONG_AUDIENCE


def test_jwks_mode_leaves_opaque_tokens_and_developer_users_alone(cognito, pool_id, jwks_mode):
    jwks_mode({})
    assert subject_of(cognito, pool_id, FACEBOOK, "fb-1") == "fb-1"
    assert cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: "u"})
