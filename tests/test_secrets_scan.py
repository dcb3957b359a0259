"""The secrets scanner finds real credentials from the embedded service, and only those.

Also: obtaining credentials through the console's own boto3 path logs none of them, even at
DEBUG (the emulator's protocol logs request ids only; botocore, which would dump bodies at
DEBUG, is pinned at WARNING by the settings).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets

import pytest
from django.conf import settings
from django.core import signing

from console.audit.redact import redact
from console.aws.clients import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, build_client
from tests.conftest import PASSWORD
from tests.secrets_scan import assert_no_secrets, assert_no_secrets_in_records, find_secrets

pytestmark = pytest.mark.django_db

UNAUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-unauthenticated"


@pytest.fixture
def guest(region):
    """A guest identity of a pool with an unauthenticated role, and a client to call for it."""
    client = build_client(region, "local")
    pool_id = client.create_identity_pool(IdentityPoolName="scan", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    client.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": UNAUTH_ROLE})
    return client, client.get_id(IdentityPoolId=pool_id)["IdentityId"]


def _credentials(guest) -> dict:
    client, identity_id = guest
    return client.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]


def test_credentials_from_get_credentials_for_identity_are_found(guest):
    credentials = _credentials(guest)

    found = find_secrets(json.dumps(credentials, default=str))

    assert any(finding.startswith("access key ASIA") for finding in found)
    assert any(finding.startswith("session token") for finding in found)
    with pytest.raises(AssertionError, match="credentials in the text"):
        assert_no_secrets(str(credentials))


def test_a_secret_key_or_session_token_alone_is_found(guest):
    credentials = _credentials(guest)

    assert find_secrets(f"SecretKey: {credentials['SecretKey']}")
    assert find_secrets(f"aws_secret_access_key={credentials['SecretKey']}")
    assert find_secrets(credentials["SessionToken"])


def test_an_open_id_token_is_found(guest):
    client, identity_id = guest
    token = client.get_open_id_token(IdentityId=identity_id)["Token"]

    assert "JWT" in [finding.split()[0] for finding in find_secrets(f"token={token}")]


def test_findings_are_masked_so_the_failure_does_not_print_the_secret(guest):
    credentials = _credentials(guest)

    with pytest.raises(AssertionError) as failure:
        assert_no_secrets(json.dumps(credentials, default=str))

    message = str(failure.value)
    assert credentials["SecretKey"] not in message
    assert credentials["SessionToken"] not in message
    assert credentials["AccessKeyId"][4:] not in message


def test_an_exact_string_such_as_a_password_can_be_looked_for():
    assert find_secrets("login failed for password=correct-horse", also=["correct-horse"])


def test_what_the_console_shows_or_logs_normally_passes(guest):
    _, identity_id = guest
    ordinary = "\n".join(
        [
            identity_id,
            "4f9c2a1e-7d3b-4c8e-9a6f-0b1d2e3f4a5b",  # a request id
            hashlib.sha256(b"body").hexdigest(),  # a SigV4 signature or payload hash
            "Zq8XwP3kLm9RtY2vBn6HcJ4dFs7GaE1uOi5QpWz0XkLm9RtY2vBn6HcJ4dFs7GaE",  # a CSRF token
            signing.dumps({"s": {"op": "ListIdentities", "pool": identity_id}, "a": 123456}),  # a NextToken
            credentials_access_key_only(guest),
            f"Credential={LOCAL_ACCESS_KEY}/20260101/us-east-1/cognito-identity/aws4_request",
            f"{LOCAL_ACCESS_KEY} {LOCAL_SECRET_KEY}",  # the embedded service's placeholder pair
            "arn:aws:iam::000000000000:role/cognito-unauthenticated",
        ]
    )

    assert_no_secrets(ordinary)


def credentials_access_key_only(guest) -> str:
    return f"issued credentials with access key {_credentials(guest)['AccessKeyId']}"


def test_forty_alphanumerics_inside_a_signed_tokens_signature_are_not_a_secret_key():
    # A signature is base64url: a run of exactly 40 alphanumerics between a "_" and a "-" is
    # chance (about one NextToken in fifty), not an AWS secret key next to the access key id.
    run = "Ab3dEf5hIj7lMn9pQr1tUv3xYz5bCd7fGh9jKl1n"
    assert len(run) == 40
    token = f"eyJzIjp7Im9wIjoiTGlzdElkZW50aXRpZXMifX0:1tAbCd:x_{run}-Q"
    assert find_secrets(f"NextToken {token} for access key ASIAEXAMPLE123456789") == []
    assert find_secrets(f"access key ASIAEXAMPLE123456789 secret {run}") != []


def test_botocore_and_urllib3_never_log_below_warning():
    # At DEBUG botocore logs whole request and response bodies: credentials, tokens.
    for name in ("botocore", "urllib3"):
        assert settings.LOGGING["loggers"][name]["level"] == "WARNING"
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING


def test_getting_credentials_through_the_console_path_logs_no_secret(guest, no_secret_logs):
    logging.getLogger("console.test").debug("debug records are captured too")

    _credentials(guest)
    client, identity_id = guest
    client.get_open_id_token(IdentityId=identity_id)

    assert "debug records are captured too" in no_secret_logs.text


def test_a_failing_emulator_call_logs_its_request_id_not_its_body(region, no_secret_logs):
    client = build_client(region, "local")
    token = _fake_jwt()

    with pytest.raises(client.exceptions.ClientError):
        client.get_id(IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000", Logins={"x": token})

    assert token not in no_secret_logs.text


def _fake_jwt() -> str:
    header = "eyJhbGciOiJSUzI1NiJ9"
    payload = "eyJzdWIiOiJzb21lb25lIn0"
    return f"{header}.{payload}.{secrets.token_urlsafe(32)}"


def test_a_logged_token_or_password_is_caught_in_arguments_and_tracebacks(caplog):
    log = logging.getLogger("console.test")
    caplog.set_level(logging.DEBUG)
    log.debug("calling with %s", {"Logins": {"accounts.google.com": _fake_jwt()}})
    try:
        raise ValueError(f"bad password {PASSWORD}")
    except ValueError:
        log.exception("sign-in failed")

    with pytest.raises(AssertionError) as failure:
        assert_no_secrets_in_records(caplog.records, also=[PASSWORD])

    assert "JWT" in str(failure.value)
    assert "the string corr" in str(failure.value)


@pytest.mark.parametrize(
    "shape",
    [
        lambda c, t: {"access_key": c["AccessKeyId"], "secret_access_key": c["SecretKey"]},
        lambda c, t: {"private_key": c["SecretKey"], "api_key": c["SessionToken"]},
        lambda c, t: {"Private-Key": c["SecretKey"], "API-KEY": c["SessionToken"]},
        lambda c, t: {"logins": {"cognito-identity.amazonaws.com": t}},
        lambda c, t: {"params": {"session-token": c["SessionToken"], "AccessKey": c["AccessKeyId"]}},
    ],
    ids=["snake", "private-and-api", "dashed-upper", "lower-case-logins", "nested"],
)
def test_the_audit_redaction_leaves_nothing_the_scanner_finds_in_these_shapes(guest, shape):
    client, identity_id = guest
    credentials = _credentials(guest)
    token = client.get_open_id_token(IdentityId=identity_id)["Token"]
    request = shape(credentials, token)

    # The shape really holds a secret the scanner sees ...
    assert find_secrets(json.dumps(request, default=str), also=[credentials["SecretKey"]])
    # ... and what the audit trail would store of it holds none.
    assert_no_secrets(
        json.dumps(redact(request), default=str), also=[credentials["SecretKey"], credentials["SessionToken"]]
    )
