"""CORS over HTTP: a browser app (Amplify, AWS SDK for JavaScript) on an allowed origin can call the
emulator cross-origin (by default any port of http://localhost and http://127.0.0.1); a page
from anywhere else cannot."""

from __future__ import annotations

import http.client
import io
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from console.emulator.wsgi import application, origin_allowed

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
    url: str, method: str, body: bytes | None = None, origin: str = ORIGIN, **headers: str
) -> tuple[int, dict[str, str], Any]:
    """One raw HTTP request, as a browser sends it; header names of the answer lower-cased."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(method, "/", body=body, headers={"Origin": origin, **headers})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    answer = {name.lower(): value for name, value in response.getheaders()}
    return response.status, answer, json.loads(data) if data else None


def call(
    url: str, operation: str, params: dict[str, Any], origin: str = ORIGIN
) -> tuple[int, dict[str, str], Any]:
    return request(
        url,
        "POST",
        json.dumps(params).encode(),
        origin,
        **{"Content-Type": JSON_11, "X-Amz-Target": TARGET + operation},
    )


def preflight(
    url: str, requested_headers: str | None, origin: str = ORIGIN
) -> tuple[int, dict[str, str], Any]:
    headers = {"Access-Control-Request-Method": "POST"}
    if requested_headers is not None:
        headers["Access-Control-Request-Headers"] = requested_headers
    return request(url, "OPTIONS", None, origin, **headers)


def test_a_preflight_allows_post_and_every_header_the_sdk_asks_for(server):
    status, headers, _ = preflight(server, ",".join(SDK_HEADERS))

    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN
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
    assert headers["access-control-allow-origin"] == ORIGIN
    assert "Origin" in headers["vary"]
    assert headers["access-control-expose-headers"] == EXPOSED


def test_an_error_answer_is_readable_cross_origin_with_its_error_headers(server):
    missing = "us-east-1:00000000-0000-0000-0000-000000000000"

    status, headers, answer = call(server, "GetId", {"IdentityPoolId": missing})

    assert status == 400
    assert answer["__type"] == "ResourceNotFoundException"
    assert headers["access-control-allow-origin"] == ORIGIN
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
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-expose-headers"] == EXPOSED


# --- origins that are not allowed ----------------------------------------------------------------

EVIL = "https://evil.example"


def test_a_preflight_from_another_site_is_refused_and_allows_nothing(server):
    status, headers, answer = preflight(server, "x-amz-target,content-type", origin=EVIL)

    assert status == 403
    assert answer["__type"] == "AccessDeniedException"
    assert not [name for name in headers if name.startswith("access-control-allow")]


def test_an_answer_to_another_site_carries_no_cors_headers(server):
    # Whatever a page of another site gets sent, its browser must not let it read the answer.
    status, headers, _ = call(server, "ListIdentityPools", {"MaxResults": 60}, origin=EVIL)

    assert status == 200  # served: a plain client has no Origin rule to break (Host is checked)
    assert "access-control-allow-origin" not in headers
    assert "access-control-expose-headers" not in headers


def test_a_preflight_never_echoes_a_header_it_was_asked_for(server):
    status, headers, _ = preflight(server, "x-amz-target,x-anything-goes")

    assert status == 200
    allowed = {name.strip().lower() for name in headers["access-control-allow-headers"].split(",")}
    assert "x-anything-goes" not in allowed
    assert allowed == set(SDK_HEADERS)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://localhost:5173", True),
        ("http://localhost", True),
        ("http://127.0.0.1:8080", True),
        ("HTTP://LOCALHOST:3000", True),
        ("https://localhost:3000", False),  # another scheme is another origin
        ("http://localhost.evil.example", False),
        ("http://localhost:3000.evil.example", False),
        ("http://127.0.0.1.nip.io:80", False),
        ("null", False),
        ("", False),
    ],
)
def test_the_default_origins_are_any_port_of_localhost_and_127_0_0_1(origin, allowed):
    assert origin_allowed(origin, ["http://localhost:*", "http://127.0.0.1:*"]) is allowed


def test_listed_origins_match_exactly_and_star_matches_any():
    assert origin_allowed("https://app.example.com", ["https://app.example.com"])
    assert not origin_allowed("https://app.example.com:8443", ["https://app.example.com"])
    assert origin_allowed("https://anything.example", ["*"])


# --- the WSGI app itself, without a server (no database: these requests never reach one) --------


def _wsgi(host: str | None, method: str = "POST", **extra: str) -> tuple[str, dict[str, str], Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/",
        "wsgi.input": io.BytesIO(b"{}"),
        "wsgi.url_scheme": "http",
        "CONTENT_LENGTH": "2",
        "CONTENT_TYPE": JSON_11,
        "HTTP_X_AMZ_TARGET": TARGET + "NoSuchOperation",
        **extra,
    }
    if host is not None:
        environ["HTTP_HOST"] = host
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, {name.lower(): value for name, value in headers}

    body = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], json.loads(body) if body else None


@pytest.mark.parametrize("host", ["emulator:9229", "evil.example", "127.0.0.1.nip.io:9229", "", None])
def test_by_default_only_loopback_names_are_served(host):
    status, headers, answer = _wsgi(host)

    assert status.startswith("400")
    assert answer["__type"] == "InvalidHostHeaderException"
    assert headers["x-amzn-requestid"]


def test_allowed_hosts_widen_the_list_for_a_compose_network(settings):
    settings.EMULATOR_ALLOWED_HOSTS = ["localhost", "emulator"]

    _, _, answer = _wsgi("emulator:9229")

    # Past the Host check: the protocol answers (no such operation).
    assert answer["__type"] == "UnknownOperationException"
    assert _wsgi("other:9229")[2]["__type"] == "InvalidHostHeaderException"


def test_configured_origins_replace_the_default_ones(settings):
    settings.EMULATOR_CORS_ORIGINS = ["https://app.example.com"]

    _, mine, _ = _wsgi("localhost", HTTP_ORIGIN="https://app.example.com")
    _, local, _ = _wsgi("localhost", HTTP_ORIGIN="http://localhost:3000")

    assert mine["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in local
