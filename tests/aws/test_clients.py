"""The gateway reaches the configured endpoint: in-process for `local`, HTTP for a URL."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from console.aws import clients, errors
from console.aws.clients import get_client
from console.aws.pools import list_pools_page


class _Recorder(BaseHTTPRequestHandler):
    calls: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.calls.append({"target": self.headers["X-Amz-Target"], "body": json.loads(body)})
        payload = json.dumps(
            {"IdentityPools": [{"IdentityPoolId": "us-east-1:abc", "IdentityPoolName": "remote"}]}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "r-1")
        self.end_headers()
        self.wfile.write(payload.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_endpoint():
    _Recorder.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_endpoint_sends_calls_to_that_url(settings, recording_endpoint, region):
    settings.COGNITO_ENDPOINT = recording_endpoint
    page = list_pools_page(region, 10)
    assert [pool.name for pool in page.pools] == ["remote"]
    assert _Recorder.calls == [
        {"target": "AWSCognitoIdentityService.ListIdentityPools", "body": {"MaxResults": 10}}
    ]


@pytest.mark.django_db
def test_local_endpoint_answers_in_process_without_a_socket(settings, region, monkeypatch):
    settings.COGNITO_ENDPOINT = "local"

    def no_sockets(*args, **kwargs):
        raise AssertionError("local mode opened a socket")

    monkeypatch.setattr(socket.socket, "connect", no_sockets)
    client = get_client(region)
    created = client.create_identity_pool(IdentityPoolName="in process", AllowUnauthenticatedIdentities=False)
    page = list_pools_page(region, 60)
    assert created["IdentityPoolId"] in [pool.pool_id for pool in page.pools]


@pytest.mark.django_db
def test_local_errors_become_typed_gateway_errors_with_a_hint(settings, region):
    settings.COGNITO_ENDPOINT = "local"
    from console.aws.calls import call

    missing = f"{region}:00000000-0000-0000-0000-000000000000"
    with pytest.raises(errors.NotFound) as caught:
        call(region, "describe_identity_pool", IdentityPoolId=missing)
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.message == f"IdentityPool '{missing}' not found."
    assert caught.value.operation == "DescribeIdentityPool"
    assert "deleted" in caught.value.hint


def test_unreachable_endpoint_is_reported_as_unavailable(settings, region):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{port}"
    with pytest.raises(errors.Unavailable) as caught:
        list_pools_page(region, 1)
    assert "COGNITO_ENDPOINT" in caught.value.hint


@pytest.mark.django_db
def test_listed_dates_are_the_instants_the_service_sent_as_aware_utc_datetimes(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]

    listed = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"][0]
    described = cognito.describe_identity(IdentityId=identity_id)

    created = listed["CreationDate"]
    assert created.utcoffset() == dt.timedelta(0)
    assert created == described["CreationDate"]
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, dt.datetime(1970, 1, 1, tzinfo=dt.UTC)),
        (1700000000.5, dt.datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=dt.UTC)),
        ("2023-11-14T22:13:20Z", dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.UTC)),
    ],
)
def test_timestamps_in_epoch_seconds_or_iso_form_are_read_alike(value, expected):
    assert clients.parse_timestamp(value) == expected
