"""`manage.py emulator` over real HTTP: boto3, the AWS CLI, curl and malformed requests."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.management import CommandError

from console.aws.clients import build_client
from console.emulator.management.commands.emulator import parse_addrport

from .http_fixtures import emulator_url  # noqa: F401 - the fixture

REGION = "us-east-1"
TARGET = "AWSCognitoIdentityService."
JSON_11 = "application/x-amz-json-1.1"
GOOGLE = "accounts.google.com"
GOOGLE_CLIENT = "client-1.apps.googleusercontent.com"


@pytest.fixture
def server(emulator_url, transactional_db) -> str:  # noqa: F811 - the imported fixture
    """The emulator's URL. The server is another process: it sees only committed rows,
    so these tests commit, and the tables are emptied after each."""
    return emulator_url


@pytest.fixture
def signed(server):
    """A boto3 client with (placeholder) credentials, as an admin script would have."""
    return build_client(REGION, server)


@pytest.fixture
def unsigned(server):
    """A boto3 client that signs nothing, as a mobile app calling GetId is."""
    return boto3.session.Session().client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=server,
        config=Config(signature_version=botocore.UNSIGNED),
    )


def _post(url: str, target: str | None, body: Any, **headers: str) -> tuple[int, dict[str, str], Any]:
    """One raw HTTP request; `body` is bytes, an iterable of bytes (sent chunked) or None."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    if target:
        headers["X-Amz-Target"] = TARGET + target
    headers.setdefault("Content-Type", JSON_11)
    method = headers.pop("method", "POST")
    chunked = body is not None and not isinstance(body, bytes)
    connection.request(method, "/", body=body, headers=headers, encode_chunked=chunked)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    answer = {name.lower(): value for name, value in response.getheaders()}
    return response.status, answer, json.loads(data) if data else None


def test_boto3_creates_describes_lists_updates_and_deletes_a_pool(signed):
    created = signed.create_identity_pool(IdentityPoolName="over http", AllowUnauthenticatedIdentities=False)
    pool_id = created["IdentityPoolId"]
    assert pool_id.startswith(f"{REGION}:")

    described = signed.describe_identity_pool(IdentityPoolId=pool_id)
    assert described["IdentityPoolName"] == "over http"
    assert described["AllowUnauthenticatedIdentities"] is False

    listed = signed.list_identity_pools(MaxResults=60)["IdentityPools"]
    assert {"IdentityPoolId": pool_id, "IdentityPoolName": "over http"} in listed

    signed.update_identity_pool(
        IdentityPoolId=pool_id, IdentityPoolName="renamed", AllowUnauthenticatedIdentities=True
    )
    described = signed.describe_identity_pool(IdentityPoolId=pool_id)
    assert (described["IdentityPoolName"], described["AllowUnauthenticatedIdentities"]) == ("renamed", True)

    signed.delete_identity_pool(IdentityPoolId=pool_id)
    assert pool_id not in [
        pool["IdentityPoolId"] for pool in signed.list_identity_pools(MaxResults=60)["IdentityPools"]
    ]


def test_unsigned_get_id_mints_a_guest_identity_in_the_pool(signed, unsigned):
    pool_id = signed.create_identity_pool(IdentityPoolName="guests", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]

    identity_id = unsigned.get_id(IdentityPoolId=pool_id)["IdentityId"]

    assert identity_id.startswith(f"{REGION}:")
    listed = signed.list_identities(IdentityPoolId=pool_id, MaxResults=10)["Identities"]
    assert [identity["IdentityId"] for identity in listed] == [identity_id]


def test_list_identities_walks_every_identity_once_through_next_token(signed, unsigned):
    pool_id = signed.create_identity_pool(IdentityPoolName="pages", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    minted = [unsigned.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(7)]

    seen: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"IdentityPoolId": pool_id, "MaxResults": 3}
    while True:
        page = signed.list_identities(**kwargs)
        pages += 1
        seen += [identity["IdentityId"] for identity in page["Identities"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]

    assert seen == minted
    assert pages == 3


def test_unknown_pool_is_a_resource_not_found_error_with_aws_headers(signed):
    missing = f"{REGION}:00000000-0000-0000-0000-000000000000"

    with pytest.raises(ClientError) as caught:
        signed.describe_identity_pool(IdentityPoolId=missing)

    error = caught.value.response
    assert error["Error"]["Code"] == "ResourceNotFoundException"
    assert error["Error"]["Message"] == f"IdentityPool '{missing}' not found."
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    headers = error["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException:"
    assert headers["x-amzn-requestid"] == error["ResponseMetadata"]["RequestId"]


def _aws(url: str, *args: str) -> subprocess.CompletedProcess:
    """The AWS CLI from this virtualenv, with placeholder credentials and no user config."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIACLITEST000000000",
        "AWS_SECRET_ACCESS_KEY": "cli-test-secret",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    }
    aws = Path(sys.executable).parent / "aws"
    command = [str(aws), "--endpoint-url", url, "--output", "json", "cognito-identity", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


def _aws_json(url: str, *args: str) -> Any:
    result = _aws(url, *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_aws_cli_creates_lists_describes_updates_and_deletes_a_pool(server):
    created = _aws_json(
        server,
        "create-identity-pool",
        "--identity-pool-name",
        "from the cli",
        "--no-allow-unauthenticated-identities",
        "--supported-login-providers",
        "accounts.google.com=client-1.apps.googleusercontent.com",
    )
    pool_id = created["IdentityPoolId"]
    assert created["SupportedLoginProviders"] == {
        "accounts.google.com": "client-1.apps.googleusercontent.com"
    }

    listed = _aws_json(server, "list-identity-pools", "--max-results", "10")
    assert {"IdentityPoolId": pool_id, "IdentityPoolName": "from the cli"} in listed["IdentityPools"]

    updated = _aws_json(
        server,
        "update-identity-pool",
        "--identity-pool-id",
        pool_id,
        "--identity-pool-name",
        "renamed by the cli",
        "--allow-unauthenticated-identities",
    )
    assert updated["IdentityPoolName"] == "renamed by the cli"
    described = _aws_json(server, "describe-identity-pool", "--identity-pool-id", pool_id)
    assert described["AllowUnauthenticatedIdentities"] is True

    assert _aws_json(server, "delete-identity-pool", "--identity-pool-id", pool_id) is None
    gone = _aws(server, "describe-identity-pool", "--identity-pool-id", pool_id)
    assert gone.returncode != 0
    assert "ResourceNotFoundException" in gone.stderr


def test_a_plain_http_post_gets_a_json_answer(server, signed):
    pool_id = signed.create_identity_pool(IdentityPoolName="curl", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    body = json.dumps({"IdentityPoolId": pool_id})
    curl = shutil.which("curl")
    if curl:
        command = [curl, "-s", "-X", "POST", server, "-w", "\n%{http_code}", "--data", body]
        command += ["-H", f"X-Amz-Target: {TARGET}GetId", "-H", f"Content-Type: {JSON_11}"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
        text, status = result.stdout.rsplit("\n", 1)
        status, answer = int(status), json.loads(text)
    else:
        status, _, answer = _post(server, "GetId", body.encode())

    assert status == 200
    assert answer["IdentityId"].startswith(f"{REGION}:")


def test_a_chunked_body_without_content_length_is_read(server, signed):
    pool_id = signed.create_identity_pool(IdentityPoolName="chunks", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    pieces = [b'{"IdentityPool', b'Id": "', pool_id.encode(), b'"}']

    status, _, answer = _post(server, "GetId", iter(pieces))

    assert status == 200
    assert answer["IdentityId"].startswith(f"{REGION}:")


def test_a_body_that_is_not_json_is_a_serialization_error(server):
    status, headers, answer = _post(server, "ListIdentityPools", b"{not json")

    assert status == 400
    assert answer["__type"] == "SerializationException"
    assert headers["x-amzn-errortype"] == "SerializationException:"


def test_an_unknown_target_is_an_unknown_operation_error(server):
    status, _, answer = _post(server, "StealEverything", b"{}")

    assert status == 400
    assert answer["__type"] == "UnknownOperationException"


def test_a_get_request_is_answered_with_an_aws_style_error(server):
    status, headers, answer = _post(server, None, None, method="GET")

    assert 400 <= status < 500
    assert answer["__type"].endswith("Exception")
    assert headers["content-type"] == JSON_11
    assert headers["x-amzn-requestid"]


def test_a_body_over_one_mebibyte_is_refused_with_413(server):
    status, _, answer = _post(server, "GetId", b"{" + b" " * (1024 * 1024) + b"}")

    assert status == 413
    assert answer["__type"] == "SerializationException"


def test_a_browser_preflight_is_allowed_from_a_local_origin(server):
    status, headers, _ = _post(
        server,
        None,
        None,
        method="OPTIONS",
        Origin="http://localhost:3000",
        **{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-amz-target"},
    )

    assert status == 200
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "x-amz-target" in headers["access-control-allow-headers"]
    assert "POST" in headers["access-control-allow-methods"]


@pytest.mark.parametrize("method", ["POST", "GET", "OPTIONS"])
def test_a_request_under_another_host_name_is_refused_as_dns_rebinding_would_send_it(server, method):
    # A page on attacker.example re-pointed at 127.0.0.1 still sends its own name as Host.
    port = urlsplit(server).port
    status, headers, answer = _post(
        server, "ListIdentityPools", b'{"MaxResults": 60}', method=method, Host=f"attacker.example:{port}"
    )

    assert status == 400
    assert answer["__type"] == "InvalidHostHeaderException"
    assert "EMULATOR_ALLOWED_HOSTS" in answer["message"]
    assert headers["x-amzn-requestid"]
    assert "IdentityPools" not in answer


def test_localhost_and_loopback_addresses_are_served(server):
    port = urlsplit(server).port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost"):
        status, _, answer = _post(server, "ListIdentityPools", b'{"MaxResults": 60}', Host=host)

        assert (status, answer) == (200, {"IdentityPools": []}), host


def test_headers_over_64_kib_are_refused_without_being_read_whole(server):
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ")
        # Up to 1 MiB more: the server must answer (and close) long before reading it all.
        sent = 0
        try:
            while sent < 1024 * 1024:
                sock.sendall(b"a" * 16384)
                sent += 16384
        except OSError:
            pass  # the server closed the connection: it stopped reading
        reply = sock.recv(4096)

    assert reply.startswith(b"HTTP/1.1 413"), reply[:80]
    # And it goes on serving.
    assert _post(server, "ListIdentityPools", b'{"MaxResults": 60}')[0] == 200


@pytest.mark.parametrize(
    ("addrport", "expected"),
    [
        ("9229", ("127.0.0.1", 9229)),
        ("0.0.0.0:8080", ("0.0.0.0", 8080)),
        ("[::1]:9000", ("::1", 9000)),
    ],
)
def test_the_command_accepts_a_port_or_host_and_port(addrport, expected):
    assert parse_addrport(addrport) == expected


@pytest.mark.parametrize("addrport", ["localhost", "127.0.0.1:http", "70000"])
def test_the_command_refuses_an_address_without_a_valid_port(addrport):
    with pytest.raises(CommandError):
        parse_addrport(addrport)
