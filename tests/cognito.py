"""The embedded Cognito service for tests: provider constants, pool settings, login tokens,
clients and small helpers. The fixtures built on them are in tests/conftest.py."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import boto3
import botocore
import jwt
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings as django_settings

from console.aws.clients import (
    LOCAL_ACCESS_KEY,
    LOCAL_ENDPOINT,
    LOCAL_SECRET_KEY,
    build_client,
    dispatch_in_process,
)

REGION = "us-east-1"
FACEBOOK = "graph.facebook.com"
GOOGLE = "accounts.google.com"
GOOGLE_CLIENT = "client.apps.googleusercontent.com"
APPLE = "appleid.apple.com"
USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
USER_POOL_CLIENT = "appclient1"
OIDC_ARN = "arn:aws:iam::000000000000:oidc-provider/login.example.org"
OIDC_ISSUER = "login.example.org"
SAML_ARN = "arn:aws:iam::000000000000:saml-provider/corp-idp"
DEVELOPER = "login.example.app"
AUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-authenticated"
UNAUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-unauthenticated"


def full_pool_settings(**overrides: Any) -> dict[str, Any]:
    """CreateIdentityPool input with every kind of provider configured."""
    settings = {
        "IdentityPoolName": "everything",
        "AllowUnauthenticatedIdentities": True,
        "SupportedLoginProviders": {FACEBOOK: "1234567890", GOOGLE: GOOGLE_CLIENT},
        "DeveloperProviderName": DEVELOPER,
        "CognitoIdentityProviders": [{"ProviderName": USER_POOL, "ClientId": USER_POOL_CLIENT}],
        "OpenIdConnectProviderARNs": [OIDC_ARN],
        "SamlProviderARNs": [SAML_ARN],
    }
    settings.update(overrides)
    return settings


# What the ID tokens of each JWT provider of `full_pool_settings` carry: (iss, aud).
TOKEN_CLAIMS = {
    GOOGLE: ("https://accounts.google.com", GOOGLE_CLIENT),
    USER_POOL: (f"https://{USER_POOL}", USER_POOL_CLIENT),
    OIDC_ISSUER: (f"https://{OIDC_ISSUER}", "oidc-client"),
    APPLE: ("https://appleid.apple.com", "com.example.app"),
}


def id_token(
    subject: str, provider: str = GOOGLE, key: Any = None, kid: str = "test-key", **claims: Any
) -> str:
    """An ID token `provider` could have issued for `subject`, valid for an hour.

    Signed with `key` (an RSA private key, RS256, header `kid`) when given; otherwise with a throwaway
    HMAC key, which the service's default `trust` mode never checks. `claims` override
    or add claims; a claim set to None is left out.
    """
    issuer, audience = TOKEN_CLAIMS[provider]
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "sub": subject, "iat": now, "exp": now + 3600, **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    if key is not None:
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})
    return jwt.encode(payload, "provider-signing-key-not-checked-here", algorithm="HS256")


def saml_response(subject: str, attributes: dict[str, str] | None = None) -> str:
    """A base64 SAML response naming `subject` (NameID), with optional attributes."""
    statements = "".join(
        f'<saml:Attribute Name="{name}"><saml:AttributeValue>{value}</saml:AttributeValue></saml:Attribute>'
        for name, value in (attributes or {}).items()
    )
    document = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion>'
        f"<saml:Subject><saml:NameID>{subject}</saml:NameID></saml:Subject>"
        f"<saml:AttributeStatement>{statements}</saml:AttributeStatement>"
        "</saml:Assertion></samlp:Response>"
    )
    return base64.b64encode(document.encode()).decode()


def login_token(provider: str, subject: str) -> str:
    """A valid `Logins` value for any provider of `full_pool_settings` naming `subject`."""
    if provider == SAML_ARN:
        return saml_response(subject)
    if provider in TOKEN_CLAIMS:
        return id_token(subject, provider)
    return subject  # opaque access tokens stand for their user


def aws_error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the error a call answers with."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def pool_arn(pool_id: str, region: str = REGION) -> str:
    return f"arn:aws:cognito-identity:{region}:{django_settings.EMULATOR_ACCOUNT_ID}:identitypool/{pool_id}"


def one_attempt_client(
    endpoint_url: str,
    region: str = REGION,
    key: str | None = LOCAL_ACCESS_KEY,
    secret: str | None = LOCAL_SECRET_KEY,
    retries: dict[str, Any] | None = None,
) -> Any:
    """A boto3 client for `endpoint_url`, signing with `key`/`secret` (None: unsigned).

    One attempt unless `retries` says otherwise: botocore would retry throttling and
    LimitExceededException, hiding the answer a test looks for.
    """
    options: dict[str, Any] = {"retries": retries or {"mode": "standard", "total_max_attempts": 1}}
    if key is None:
        options["signature_version"] = botocore.UNSIGNED
    return boto3.session.Session().client(
        "cognito-identity",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(**options),
    )


def in_process_client(
    region: str = REGION,
    key: str | None = LOCAL_ACCESS_KEY,
    secret: str | None = LOCAL_SECRET_KEY,
    retries: dict[str, Any] | None = None,
) -> Any:
    """Like `one_attempt_client`, answered in-process by the embedded service."""
    client = one_attempt_client(LOCAL_ENDPOINT, region, key, secret, retries)
    client.meta.events.register("before-send.cognito-identity", dispatch_in_process)
    return client


def create_pools(region: str, names: list[str], **settings: Any) -> list[str]:
    """Create one plain pool per name in `region` (guests refused unless `settings` say); their ids."""
    client = build_client(region, "local")
    params = {"AllowUnauthenticatedIdentities": False, **settings}
    return [client.create_identity_pool(IdentityPoolName=name, **params)["IdentityPoolId"] for name in names]
