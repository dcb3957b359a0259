"""Builds the boto3 clients the console uses, one per region, for the configured endpoint.

COGNITO_ENDPOINT decides where calls go:
- ``local``: the embedded service, in-process. A botocore ``before-send`` handler
  hands the signed request to the emulator's protocol and returns its answer, so
  botocore still serialises, signs and parses every call, with no socket.
- ``aws``: the real regional endpoints, credentials from the default chain.
- an ``http(s)://`` URL: that endpoint verbatim (another emulator, a VPC endpoint).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
import botocore.utils
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from django.conf import settings

# Placeholder credentials for endpoints that do not check them (local and other emulators);
# the embedded service owns the pair and accepts it only in-process.
from console.emulator.inprocess import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY

LOCAL_ENDPOINT = "https://cognito-identity.local.invalid"

_clients: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def client_config() -> Config:
    # Retry mode "standard" on purpose: "adaptive" keeps its token bucket per client
    # object and cannot coordinate processes; the shared Redis limiter does that.
    return Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra="cognito-identity-console",
    )


class _Body:
    """The `raw` object botocore reads a response body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def dispatch_in_process(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
    """botocore `before-send` handler: answer the request with the embedded service."""
    from console.emulator.protocol import handle

    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    headers = {name.lower(): _text(value) for name, value in request.headers.items()}
    # The Host an HTTP client would send: SigV4 signs it, and the emulator may check signatures.
    headers.setdefault("host", urlsplit(request.url).netloc)
    # in_process: the embedded service accepts the console's placeholder key pair only here.
    response = handle(request.method, urlsplit(request.url).path or "/", headers, body, in_process=True)
    return AWSResponse(request.url, response.status, response.headers, _Body(response.body))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def parse_timestamp(value: Any) -> dt.datetime:
    """A timestamp of an answer as an aware UTC datetime. Cognito's JSON protocol sends epoch
    seconds: read here directly, about thirty times faster than botocore's general parser (which
    tries several time zones), which matters at 120 timestamps a ListIdentities page. Any other
    form goes to botocore's parser."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return botocore.utils.parse_timestamp(value)


def build_client(region: str, endpoint: str | None = None, config: Config | None = None) -> Any:
    """A new cognito-identity client for `region` (use `get_client` to share one).

    `config` is merged over the gateway's defaults.
    """
    endpoint = endpoint or settings.COGNITO_ENDPOINT
    merged = client_config().merge(config) if config else client_config()
    kwargs: dict[str, Any] = {"region_name": region, "config": merged}
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_timestamp)
    session = boto3.session.Session(botocore_session=core)
    if endpoint == "local":
        kwargs.update(
            endpoint_url=LOCAL_ENDPOINT,
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
        )
    elif endpoint != "aws":
        kwargs["endpoint_url"] = endpoint
        if session.get_credentials() is None:
            kwargs.update(aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY)
    client = session.client("cognito-identity", **kwargs)
    if endpoint == "local":
        client.meta.events.register("before-send.cognito-identity", dispatch_in_process)
    return client


def get_client(region: str) -> Any:
    """The shared client for `region` (boto3 clients are thread-safe)."""
    key = (settings.COGNITO_ENDPOINT, region)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = build_client(region)
    return client


# Health probes ask once and give up within seconds: through the shared client a hung
# endpoint would hold the probe for minutes (5 attempts x 30 s read timeout) and its
# retries would drain the retry quota real pages need.
PROBE_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1, read_timeout=2
)
_probe_clients: dict[tuple[str, str], Any] = {}


def get_probe_client(region: str) -> Any:
    """A one-attempt, short-timeout client for health checks (kept per endpoint and region)."""
    key = (settings.COGNITO_ENDPOINT, region)
    with _lock:
        if key not in _probe_clients:
            _probe_clients[key] = build_client(region, config=PROBE_CONFIG)
        return _probe_clients[key]


# Bulk jobs make one attempt per call and do their own retrying (console/aws/jobs_calls.py):
# botocore's retries of a throttled call would go around the shared rate limiter and out of
# the job's count of throttled calls. Pages keep the shared client, whose few retries with
# botocore's backoff suit one person's click.
JOB_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1})
_job_clients: dict[tuple[str, str], Any] = {}


def get_job_client(region: str) -> Any:
    """A one-attempt client for bulk jobs (kept per endpoint and region)."""
    key = (settings.COGNITO_ENDPOINT, region)
    with _lock:
        if key not in _job_clients:
            _job_clients[key] = build_client(region, config=JOB_CONFIG)
        return _job_clients[key]


def reset_clients() -> None:
    """Forget cached clients (tests that change COGNITO_ENDPOINT call this)."""
    with _lock:
        _clients.clear()
        _probe_clients.clear()
        _job_clients.clear()
