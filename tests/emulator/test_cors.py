"""CORS over HTTP: a browser app (Amplify, AWS SDK for JavaScript) can call the emulator cross-origin."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from .http_fixtures import emulator_url  # noqa: F401 - the fixture

ORIGIN = "http://localhost:3000"
TARGET = "AWSCognitoIdentityService."
JSON_11 = "application/x-amz-json-1.1"
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
SDK_HEADERS = [
    "content-type",
    "x-amz-target",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
]


@pytest.fixture
def server(emulator_url, transactional_db) -> str:  # noqa: F811 - the imported fixture
    return emulator_url


def request(
    url: str, method: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    """One raw HTTP request, as a browser sends it; header names of the answer lower-cased."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(method, "/", body=body, headers={"Origin": ORIGIN, **headers})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    answer = {name.lower(): value for name, value in response.getheaders()}
    return response.status, answer, json.loads(data) if data else None


def call(url: str, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    return request(
        url,
        "POST",
        json.dumps(params).encode(),
        **{"Content-Type": JSON_11, "X-Amz-Target": TARGET + operation},
    )


def preflight(url: str, requested_headers: str | None) -> tuple[int, dict[str, str], Any]:
    headers = {"Access-Control-Request-Method": "POST"}
    if requested_headers is not None:
        headers["Access-Control-Request-Headers"] = requested_headers
    return request(url, "OPTIONS", **headers)


def test_a_preflight_allows_post_and_every_header_the_sdk_asks_for(server):
    status, headers, _ = preflight(server, ",".join(SDK_HEADERS))

    assert status == 200
    assert headers["access-control-allow-origin"] in ("*", ORIGIN)
    assert {method.strip() for method in headers["access-control-allow-methods"].split(",")} >= {
        "POST",
        "OPTIONS",
    }
    allowed = {name.strip().lower() for name in headers["access-control-allow-headers"].split(",")}
    assert allowed >= set(SDK_HEADERS)
    assert int(headers["access-control-max-age"]) > 0


def test_a_preflight_naming_no_headers_still_allows_the_sdk_headers(server):
    status, headers, _ = preflight(server, None)

    assert status == 200
    allowed = {name.strip().lower() for name in headers["access-control-allow-headers"].split(",")}
    # Listed by name: the "*" wildcard would not cover Authorization.
    assert allowed >= set(SDK_HEADERS)


def test_a_successful_answer_is_readable_cross_origin(server):
    status, _, created = call(
        server, "CreateIdentityPool", {"IdentityPoolName": "browser", "AllowUnauthenticatedIdentities": True}
    )
    assert status == 200

    status, headers, answer = call(server, "GetId", {"IdentityPoolId": created["IdentityPoolId"]})

    assert status == 200
    assert answer["IdentityId"].startswith("us-east-1:")
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-expose-headers"] == EXPOSED


def test_an_error_answer_is_readable_cross_origin_with_its_error_headers(server):
    missing = "us-east-1:00000000-0000-0000-0000-000000000000"

    status, headers, answer = call(server, "GetId", {"IdentityPoolId": missing})

    assert status == 400
    assert answer["__type"] == "ResourceNotFoundException"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-expose-headers"] == EXPOSED
    # What the exposed names point at is there for the browser to read.
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException:"
    assert headers["x-amzn-requestid"]


def test_a_malformed_request_is_answered_with_cors_headers_too(server):
    status, headers, answer = request(
        server, "POST", b"{not json", **{"Content-Type": JSON_11, "X-Amz-Target": TARGET + "GetId"}
    )

    assert status == 400
    assert answer["__type"] == "SerializationException"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["access-control-expose-headers"] == EXPOSED
