"""SigV4 verification (EMULATOR_ACCESS_KEYS): signed calls are checked as AWS checks them."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import botocore
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from console.aws.clients import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, build_client
from console.emulator.protocol import handle
from tests.cognito import REGION, aws_error, in_process_client, one_attempt_client

from .http_fixtures import running_emulator

KEY, SECRET = "AKIAEDGESIGNED000001", "edge-signing-secret"
OTHER_KEY, OTHER_SECRET = "AKIAEDGESIGNED000002", "edge-other-secret"
TARGET = "AWSCognitoIdentityService."
JSON_11 = "application/x-amz-json-1.1"
WRONG_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
UNKNOWN_KEY = "The security token included in the request is invalid."


@pytest.fixture
def verifying(settings) -> None:
    settings.EMULATOR_ACCESS_KEYS = {KEY: SECRET, OTHER_KEY: OTHER_SECRET}


def in_process(key: str | None = KEY, secret: str | None = SECRET) -> Any:
    """A client answered in-process, signing with `key`/`secret` (None: unsigned), one attempt."""
    return in_process_client(REGION, key, secret)


def over_http(url: str, key: str | None = KEY, secret: str | None = SECRET) -> Any:
    return one_attempt_client(url, REGION, key, secret)


class _SignsEveryHeader(SigV4Auth):
    """botocore's signer, signing every header it is given, as some SDKs do (User-Agent too)."""

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name, value in request.headers.items():
            chosen[name.lower()] = value
        return chosen


def signed_request(
    host: str,
    operation: str,
    params: dict[str, Any],
    *,
    at: dt.datetime | None = None,
    secret: str = SECRET,
    **extra: str,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a call signed by KEY with `secret` at `at` (default now), over
    every header (plus `extra`)."""
    at = at or dt.datetime.now(dt.UTC)
    body = json.dumps(params).encode()
    headers = {"Host": host, "Content-Type": JSON_11, "X-Amz-Target": TARGET + operation, **extra}
    request = AWSRequest(method="POST", url=f"http://{host}/", headers=headers, data=body)
    timestamp = at.strftime("%Y%m%dT%H%M%SZ")
    request.headers["X-Amz-Date"] = timestamp
    request.context["timestamp"] = timestamp
    signer = _SignsEveryHeader(Credentials(KEY, secret), "cognito-identity", REGION)
    signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    signed_names = signer.signed_headers(signer.headers_to_sign(request))
    request.headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={KEY}/{signer.credential_scope(request)}, "
        f"SignedHeaders={signed_names}, Signature={signature}"
    )
    return dict(request.headers.items()), body


def answer_in_process(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    response = handle("POST", "/", {name.lower(): value for name, value in headers.items()}, body)
    return {"status": response.status, **json.loads(response.body)}


def _pool(client: Any) -> str:
    return client.create_identity_pool(IdentityPoolName="signed", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]


# --- in-process, verification on ------------------------------------------------------------


@pytest.mark.django_db
def test_a_call_signed_with_a_configured_key_is_served(verifying):
    pool_id = _pool(in_process())

    assert in_process(OTHER_KEY, OTHER_SECRET).describe_identity_pool(IdentityPoolId=pool_id)[
        "IdentityPoolId"
    ]


@pytest.mark.django_db
def test_a_wrong_secret_is_an_invalid_signature(verifying):
    client = in_process(KEY, "not-the-secret")

    assert aws_error(client.list_identity_pools, MaxResults=10) == (
        "InvalidSignatureException",
        WRONG_SIGNATURE,
    )


@pytest.mark.django_db
def test_an_unknown_access_key_is_an_unrecognized_client(verifying):
    client = in_process("AKIAEDGEUNKNOWN00000", SECRET)

    assert aws_error(client.list_identity_pools, MaxResults=10) == (
        "UnrecognizedClientException",
        UNKNOWN_KEY,
    )


@pytest.mark.django_db
def test_an_unsigned_call_to_a_signed_operation_is_missing_an_authentication_token(verifying):
    client = in_process(None, None)

    assert aws_error(client.list_identity_pools, MaxResults=10) == (
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )


@pytest.mark.django_db
def test_the_public_operations_are_served_unsigned(verifying):
    pool_id = _pool(in_process())
    guest = in_process(None, None)

    identity_id = guest.get_id(IdentityPoolId=pool_id)["IdentityId"]

    assert guest.get_open_id_token(IdentityId=identity_id)["IdentityId"] == identity_id


@pytest.mark.django_db
def test_a_signed_call_to_a_public_operation_is_still_verified(verifying):
    pool_id = _pool(in_process())

    params = {"IdentityPoolId": pool_id}

    # botocore never signs GetId, so these are signed by hand, as another SDK may.
    good = answer_in_process(*signed_request("x.invalid", "GetId", params))
    bad = answer_in_process(*signed_request("x.invalid", "GetId", params, secret="not-the-secret"))

    assert good["status"] == 200
    assert (bad["__type"], bad["message"]) == ("InvalidSignatureException", WRONG_SIGNATURE)


@pytest.mark.django_db
def test_the_console_in_process_client_keeps_working_with_verification_on(verifying, cognito):
    pool_id = cognito.create_identity_pool(IdentityPoolName="console", AllowUnauthenticatedIdentities=False)[
        "IdentityPoolId"
    ]

    assert build_client(REGION, "local").describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolId"]


@pytest.mark.django_db
def test_a_signature_made_more_than_15_minutes_ago_has_expired(verifying):
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)

    answer = answer_in_process(*signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5}, at=at))

    assert answer["__type"] == "InvalidSignatureException"
    assert answer["message"].startswith(f"Signature expired: {at:%Y%m%dT%H%M%SZ} is now earlier than ")
    assert answer["message"].endswith(" - 15 min.)")


@pytest.mark.django_db
def test_a_signature_dated_more_than_15_minutes_ahead_is_not_yet_current(verifying):
    at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)

    answer = answer_in_process(*signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5}, at=at))

    assert answer["__type"] == "InvalidSignatureException"
    assert answer["message"].startswith(
        f"Signature not yet current: {at:%Y%m%dT%H%M%SZ} is still later than "
    )


@pytest.mark.django_db
def test_a_signature_a_few_minutes_old_is_still_accepted(verifying):
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    answer = answer_in_process(*signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5}, at=at))

    assert answer == {"status": 200, "IdentityPools": []}


@pytest.mark.django_db
def test_a_signature_over_a_different_host_does_not_match(verifying):
    headers, body = signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5})
    headers["Host"] = "y.invalid"

    assert answer_in_process(headers, body)["__type"] == "InvalidSignatureException"


@pytest.mark.django_db
def test_a_credential_scoped_to_another_service_is_refused(verifying):
    headers, body = signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5})
    headers["Authorization"] = headers["Authorization"].replace("/cognito-identity/", "/cognito-idp/")

    answer = answer_in_process(headers, body)

    assert answer["__type"] == "InvalidSignatureException"
    assert answer["message"] == "Credential should be scoped to correct service: 'cognito-identity'. "


@pytest.mark.django_db
def test_a_credential_scoped_to_something_that_is_no_region_is_refused(verifying):
    headers, body = signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5})
    headers["Authorization"] = headers["Authorization"].replace(f"/{REGION}/", "/moon-base/")

    answer = answer_in_process(headers, body)

    assert (answer["__type"], answer["message"]) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region. ",
    )


@pytest.mark.django_db
def test_an_authorization_header_without_a_signature_is_incomplete(verifying):
    headers = {
        "x-amz-target": TARGET + "ListIdentityPools",
        "content-type": JSON_11,
        "authorization": f"AWS4-HMAC-SHA256 Credential={KEY}/20240101/{REGION}/cognito-identity/aws4_request",
    }

    response = handle("POST", "/", headers, b'{"MaxResults": 5}')

    answer = json.loads(response.body)
    assert answer["__type"] == "IncompleteSignatureException"
    assert "Authorization header requires 'Signature' parameter." in answer["message"]


def _signed_with_body_hash(claimed: str | None, body_params: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    """A ListIdentityPools call that signs X-Amz-Content-SHA256 (`claimed`; None: the body's real hash)."""
    body = json.dumps(body_params).encode()
    real = hashlib.sha256(body).hexdigest()
    return signed_request(
        "x.invalid", "ListIdentityPools", body_params, **{"X-Amz-Content-SHA256": claimed or real}
    )


@pytest.mark.django_db
def test_a_signed_body_hash_that_matches_the_body_is_served(verifying):
    headers, body = _signed_with_body_hash(None, {"MaxResults": 5})

    assert answer_in_process(headers, body) == {"status": 200, "IdentityPools": []}


@pytest.mark.django_db
def test_a_body_swapped_under_a_signed_body_hash_is_refused(verifying, cognito):
    # Signed over a harmless body; sent with another. The hash header is what was signed.
    headers, _ = _signed_with_body_hash(None, {"MaxResults": 5})
    pool_id = cognito.create_identity_pool(IdentityPoolName="victim", AllowUnauthenticatedIdentities=False)[
        "IdentityPoolId"
    ]
    swapped = json.dumps({"IdentityPoolId": pool_id}).encode()
    headers["X-Amz-Target"] = TARGET + "ListIdentityPools"

    answer = answer_in_process(headers, swapped)

    assert (answer["status"], answer["__type"]) == (400, "InvalidSignatureException")
    assert answer["message"] == "The provided 'x-amz-content-sha256' header does not match what was computed."


@pytest.mark.django_db
def test_a_signature_over_a_claimed_hash_that_is_not_the_body_s_is_refused(verifying):
    # The client signs a made-up hash: the signature is right for what it signed, not for the body.
    headers, body = _signed_with_body_hash("0" * 64, {"MaxResults": 5})

    answer = answer_in_process(headers, body)

    assert answer["__type"] == "InvalidSignatureException"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "claimed", ["UNSIGNED-PAYLOAD", "unsigned-payload", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"]
)
def test_an_unsigned_payload_is_refused(verifying, claimed):
    headers, body = _signed_with_body_hash(claimed, {"MaxResults": 5})

    answer = answer_in_process(headers, body)

    assert answer["__type"] == "InvalidSignatureException"
    assert "UNSIGNED-PAYLOAD" in answer["message"]


@pytest.mark.django_db
def test_the_placeholder_key_pair_is_accepted_in_process_only(verifying):
    # The console's local client reaches the service through the in-process hook only.
    client = in_process(LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY)
    assert client.list_identity_pools(MaxResults=10)["IdentityPools"] == []

    # The same request handed to the protocol as the HTTP server hands it over is refused.
    headers, body = signed_request("x.invalid", "ListIdentityPools", {"MaxResults": 5})
    forged = {name.lower(): value for name, value in headers.items()}
    forged["authorization"] = forged["authorization"].replace(KEY, LOCAL_ACCESS_KEY)
    response = handle("POST", "/", forged, body)
    assert json.loads(response.body)["__type"] == "UnrecognizedClientException"


# --- in-process, verification off (the default) -----------------------------------------------


@pytest.mark.django_db
def test_without_configured_keys_any_signature_or_none_is_accepted(settings):
    settings.EMULATOR_ACCESS_KEYS = {}
    pool_id = _pool(in_process("AKIAEDGEUNKNOWN00000", "anything"))

    assert in_process(KEY, "not-the-secret").describe_identity_pool(IdentityPoolId=pool_id)
    assert in_process(None, None).list_identity_pools(MaxResults=10)["IdentityPools"]


# --- over HTTP: `manage.py emulator` with EMULATOR_ACCESS_KEYS in its environment --------------


@pytest.fixture(scope="module")
def verifying_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    env = {"EMULATOR_ACCESS_KEYS": f"{KEY}:{SECRET},{OTHER_KEY}:{OTHER_SECRET}"}
    with running_emulator(django_db_blocker, tmp_path_factory.mktemp("verifying"), env) as url:
        yield url


@pytest.fixture
def server(verifying_server, transactional_db) -> str:
    return verifying_server


def test_over_http_a_good_signature_is_served(server):
    pool_id = _pool(over_http(server))

    assert over_http(server).describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "signed"


def test_over_http_a_wrong_secret_is_an_invalid_signature(server):
    client = over_http(server, KEY, "not-the-secret")

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.list_identity_pools(MaxResults=10)

    error = caught.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (
        "InvalidSignatureException",
        WRONG_SIGNATURE,
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_over_http_an_unknown_key_and_a_missing_signature_are_refused(server):
    unknown = over_http(server, "AKIAEDGEUNKNOWN00000", SECRET)
    unsigned = over_http(server, None, None)

    assert aws_error(unknown.list_identity_pools, MaxResults=10)[0] == "UnrecognizedClientException"
    assert aws_error(unsigned.list_identity_pools, MaxResults=10)[0] == "MissingAuthenticationTokenException"


def test_over_http_the_console_s_published_placeholder_key_pair_is_refused(server):
    client = over_http(server, LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY)

    assert aws_error(client.list_identity_pools, MaxResults=10) == (
        "UnrecognizedClientException",
        UNKNOWN_KEY,
    )


def test_over_http_a_body_swapped_under_its_signed_hash_is_refused(server):
    parts = urlsplit(server)
    headers, _ = signed_request(
        parts.netloc,
        "ListIdentityPools",
        {"MaxResults": 5},
        **{"X-Amz-Content-SHA256": hashlib.sha256(json.dumps({"MaxResults": 5}).encode()).hexdigest()},
    )
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("POST", "/", body=b'{"MaxResults": 60}', headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()

    assert (response.status, answer["__type"]) == (400, "InvalidSignatureException")


def test_over_http_an_unsigned_get_id_is_served(server):
    pool_id = _pool(over_http(server))

    assert over_http(server, None, None).get_id(IdentityPoolId=pool_id)["IdentityId"].startswith(REGION)


def test_over_http_a_client_that_signs_user_agent_and_content_length_is_served(server):
    # What the JavaScript and Java SDKs sign, unlike botocore.
    parts = urlsplit(server)
    body_text = json.dumps({"MaxResults": 5})
    headers, body = signed_request(
        parts.netloc,
        "ListIdentityPools",
        {"MaxResults": 5},
        **{"User-Agent": "aws-sdk-js/3.0.0", "Content-Length": str(len(body_text))},
    )
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()

    assert (response.status, answer) == (200, {"IdentityPools": []})
