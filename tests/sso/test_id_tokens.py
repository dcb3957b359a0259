"""The ID token checks, against the keys the real test provider publishes at its JWKS endpoint.

The provider signs with a key this test session generated (tests/sso_provider.py), so a test can
sign a token the provider's JWKS vouches for with exactly one thing wrong in it. The console
fetches the JWKS from the provider as in a real sign-in; nothing is patched.
"""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from console.sso.backends import CLOCK_SKEW_SECONDS, ConsoleOIDCBackend

NONCE = "n-0S6_WzA2Mj"


@pytest.fixture
def verify(sso):
    backend = ConsoleOIDCBackend()
    return lambda token, **kwargs: backend.verify_token(token, **{"nonce": NONCE, **kwargs})


def _refused(verify, token: str, **kwargs) -> str:
    with pytest.raises(SuspiciousOperation) as refused:
        verify(token, **kwargs)
    return str(refused.value)


def test_a_token_signed_by_the_provider_for_this_client_is_accepted(verify, sso):
    claims = verify(sso.sign(sso.id_token_claims(nonce=NONCE, name="Ada Admin")))

    assert claims["sub"] == "ada-admin"
    assert claims["name"] == "Ada Admin"


def test_a_tampered_token_is_refused(verify, sso):
    header, payload, signature = sso.sign(sso.id_token_claims(nonce=NONCE)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert "Signature verification failed" in _refused(verify, f"{header}.{forged}.{signature}")


def test_a_token_signed_by_another_key_under_the_providers_key_id_is_refused(verify, sso):
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    assert "Signature verification failed" in _refused(
        verify, sso.sign(sso.id_token_claims(nonce=NONCE), impostor)
    )


def test_a_token_for_another_client_is_refused(verify, sso):
    token = sso.sign(sso.id_token_claims(nonce=NONCE, aud="another-app"))

    assert "audience" in _refused(verify, token).lower()


def test_a_token_for_several_clients_needs_this_one_as_authorized_party(verify, sso):
    shared = sso.id_token_claims(nonce=NONCE, aud=["console", "another-app"])

    assert "azp" in _refused(verify, sso.sign({**shared, "azp": "another-app"}))
    assert verify(sso.sign({**shared, "azp": "console"}))["sub"] == "ada-admin"


def test_an_expired_token_is_refused_beyond_the_clock_skew(verify, sso):
    now = int(time.time())
    late = sso.id_token_claims(nonce=NONCE, iat=now - 3600, exp=now - CLOCK_SKEW_SECONDS - 5)
    within_skew = sso.id_token_claims(nonce=NONCE, iat=now - 3600, exp=now - CLOCK_SKEW_SECONDS + 5)

    assert "expired" in _refused(verify, sso.sign(late)).lower()
    assert verify(sso.sign(within_skew))["sub"] == "ada-admin"


def test_a_token_issued_in_the_future_is_refused(verify, sso):
    token = sso.sign(sso.id_token_claims(nonce=NONCE, iat=int(time.time()) + CLOCK_SKEW_SECONDS + 60))

    assert "ID token refused" in _refused(verify, token)


def test_a_token_from_another_issuer_is_refused(verify, sso):
    token = sso.sign(sso.id_token_claims(nonce=NONCE, iss="https://idp.example.com"))

    assert "issuer" in _refused(verify, token).lower()


@pytest.mark.parametrize("claim", ["exp", "iat", "aud", "sub"])
def test_a_token_without_a_required_claim_is_refused(verify, sso, claim):
    token = sso.sign(sso.id_token_claims(nonce=NONCE, **{claim: None}))

    assert "ID token refused" in _refused(verify, token)


def test_a_token_with_another_sign_ins_nonce_is_refused(verify, sso):
    token = sso.sign(sso.id_token_claims(nonce="from-another-sign-in"))

    assert "nonce" in _refused(verify, token)


def test_an_unsigned_token_is_refused(verify, sso):
    header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"console-tests"}').rstrip(b"=").decode()
    body = (
        base64.urlsafe_b64encode(json.dumps(sso.id_token_claims(nonce=NONCE)).encode()).rstrip(b"=").decode()
    )

    # No key of the provider's JWKS is for alg "none": refused before any decoding.
    assert _refused(verify, f"{header}.{body}.") == "Could not find a valid JWKS."
