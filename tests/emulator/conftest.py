"""Fixtures for the embedded Cognito Identity service, reached through real boto3 clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
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
USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
USER_POOL_CLIENT = "appclient1"
OIDC_ARN = "arn:aws:iam::000000000000:oidc-provider/login.example.org"
OIDC_ISSUER = "login.example.org"
SAML_ARN = "arn:aws:iam::000000000000:saml-provider/corp-idp"
DEVELOPER = "login.example.app"
AUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-authenticated"
UNAUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-unauthenticated"


@pytest.fixture
def cognito() -> Any:
    """A boto3 client for us-east-1 answered in-process by the embedded service."""
    return build_client(REGION, "local")


@pytest.fixture
def cognito_in() -> Callable[[str], Any]:
    """Clients for other regions."""
    return lambda region: build_client(region, "local")


@pytest.fixture
def cognito_no_retry() -> Any:
    """Like `cognito` but without retries: botocore retries LimitExceededException."""
    client = boto3.session.Session().client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=LOCAL_ENDPOINT,
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
        config=Config(retries={"mode": "standard", "max_attempts": 1}),
    )
    client.meta.events.register("before-send.cognito-identity", dispatch_in_process)
    return client


def full_pool_settings(**overrides: Any) -> dict[str, Any]:
    """CreateIdentityPool input with every kind of provider configured."""
    settings = {
        "IdentityPoolName": "everything",
        "AllowUnauthenticatedIdentities": True,
        "SupportedLoginProviders": {FACEBOOK: "1234567890", GOOGLE: "client.apps.googleusercontent.com"},
        "DeveloperProviderName": DEVELOPER,
        "CognitoIdentityProviders": [{"ProviderName": USER_POOL, "ClientId": USER_POOL_CLIENT}],
        "OpenIdConnectProviderARNs": [OIDC_ARN],
        "SamlProviderARNs": [SAML_ARN],
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def make_pool(cognito) -> Callable[..., str]:
    """Create a pool (every provider configured unless overridden) and return its id."""

    def make(**overrides: Any) -> str:
        return cognito.create_identity_pool(**full_pool_settings(**overrides))["IdentityPoolId"]

    return make


@pytest.fixture
def pool_id(make_pool) -> str:
    return make_pool()


def id_token(subject: str, issuer: str = "https://accounts.google.com") -> str:
    """A JWT-shaped provider token naming `subject` (its signature is not checked yet)."""
    return jwt.encode(
        {"sub": subject, "iss": issuer, "aud": "client"},
        "provider-signing-key-not-checked-here",
        algorithm="HS256",
    )


def aws_error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str]:
    """(code, message) of the error a call answers with."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def pool_arn(pool_id: str, region: str = REGION) -> str:
    return f"arn:aws:cognito-identity:{region}:{django_settings.EMULATOR_ACCOUNT_ID}:identitypool/{pool_id}"
