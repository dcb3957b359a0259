"""WSGI application of the embedded service, and the server `manage.py emulator` runs it on.

The protocol does the work; this module only moves bytes between HTTP and `handle`:
it answers only allowed Host names (EMULATOR_ALLOWED_HOSTS), reads the body (Content-Length
or chunked, at most 1 MiB), answers CORS pre-flights for browser SDKs of the allowed origins
(EMULATOR_CORS_ORIGINS), and looks after the worker thread's database connection.

Why the Host and Origin checks: with EMULATOR_ACCESS_KEYS empty every operation is served
unsigned, so any web page the developer opens could otherwise call it (cross-origin, or under
a DNS-rebinding name) and read or delete pools in the database the console shares.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from cheroot.wsgi import Server
from django.conf import settings
from django.db import close_old_connections
from django.http.request import split_domain_port, validate_host

from . import discovery, errors
from .protocol import EmulatorResponse, error_response, handle

MAX_BODY = 1024 * 1024
# The request line and headers together; an SDK's are a few KiB (a session token ~1-2 KiB).
MAX_HEADERS = 64 * 1024
# Past this much we stop reading a too-large body and let the server drop the connection.
_DRAIN_LIMIT = 16 * MAX_BODY
_CHUNK = 64 * 1024

DEFAULT_THREADS = 16

# Browser SDKs (Amplify, AWS SDK for JavaScript) call the public operations cross-origin.
_EXPOSED_HEADERS = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Max-Age": "86400",
    "Content-Length": "0",
}
# The headers the AWS SDKs send, by name ("*" would not cover Authorization). Never the ones a
# pre-flight asks for: echoing them would allow anything.
ALLOWED_HEADERS = (
    "content-type, x-amz-target, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request, "
    "authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256"
)

_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class _BodyTooLarge(Exception):
    pass


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Hand the request to the protocol and write its answer back."""
    host = allowed_host(environ)
    if host is None:
        return _refuse_host(environ, start_response)
    if environ["REQUEST_METHOD"] == "OPTIONS":
        return _preflight(environ, start_response)
    if environ["REQUEST_METHOD"] in ("GET", "HEAD") and _path(environ).startswith("/.well-known/"):
        return _discovery(environ, start_response, host)
    headers = _request_headers(environ)
    try:
        body = _read_body(environ)
    except _BodyTooLarge:
        response = _too_large()
    except ValueError:
        # cheroot's chunked reader: a chunk size that is not hex, or a chunk without its CRLF.
        error = errors.SerializationError("Malformed chunked request body.")
        response = error_response(error, str(uuid.uuid4()))
    else:
        response = _handle(environ, headers, body)
    response.headers.update(cors_headers(environ))
    start_response(_STATUS_LINES[response.status], list(response.headers.items()))
    return [response.body]


def allowed_host(environ: dict[str, Any]) -> str | None:
    """The request's Host ("name" or "name:port", lower case) if EMULATOR_ALLOWED_HOSTS allows it.

    None for a missing, malformed or unlisted Host. Django's own parser and matcher, so the
    setting reads as ALLOWED_HOSTS does.
    """
    domain, port = split_domain_port(environ.get("HTTP_HOST", ""))
    if not domain or not validate_host(domain, settings.EMULATOR_ALLOWED_HOSTS):
        return None
    return f"{domain}:{port}" if port else domain


def _refuse_host(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    shown = environ.get("HTTP_HOST", "")[:200]
    error = errors.AwsError(
        f"Host '{shown}' is not served here; add it to EMULATOR_ALLOWED_HOSTS to allow it.",
        code="InvalidHostHeaderException",
    )
    response = error_response(error, str(uuid.uuid4()))
    start_response(_STATUS_LINES[response.status], list(response.headers.items()))
    return [response.body]


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether `origin` matches an entry: exactly, "*" for any, or "scheme://host:*" for any port."""
    origin = origin.strip().lower()
    for entry in (item.strip().lower() for item in allowed):
        if entry == "*" or entry == origin:
            return True
        if entry.endswith(":*"):
            base = entry[:-2]
            port = origin[len(base) + 1 :] if origin.startswith(base + ":") else None
            if origin == base or (port is not None and port.isdigit()):
                return True
    return False


def cors_headers(environ: dict[str, Any]) -> dict[str, str]:
    """CORS headers for an answer: the origin's, if EMULATOR_CORS_ORIGINS allows it; else none."""
    # The answer depends on Origin: caches must keep one answer per origin.
    headers = {"Vary": "Origin"}
    origin = environ.get("HTTP_ORIGIN", "")
    if origin and origin_allowed(origin, settings.EMULATOR_CORS_ORIGINS):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = _EXPOSED_HEADERS
    return headers


def _handle(environ: dict[str, Any], headers: dict[str, str], body: bytes) -> EmulatorResponse:
    # What Django's request_started/request_finished signals do for its own views: drop a
    # connection that broke or outlived CONN_MAX_AGE, so this worker thread reconnects.
    close_old_connections()
    try:
        return handle(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", headers, body)
    finally:
        close_old_connections()


def _path(environ: dict[str, Any]) -> str:
    return environ.get("PATH_INFO") or "/"


def _discovery(environ: dict[str, Any], start_response: Callable[..., Any], host: str) -> Iterable[bytes]:
    # The OpenID discovery document and key set of the service's tokens (discovery.py). The
    # document's jwks_uri names the allowed, parsed Host, never the raw header.
    close_old_connections()
    try:
        status, headers, body = discovery.get(_path(environ), f"{environ['wsgi.url_scheme']}://{host}")
    finally:
        close_old_connections()
    headers.update(cors_headers(environ))
    start_response(_STATUS_LINES[status], list(headers.items()))
    return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        # Some SDKs (JavaScript v3, Java v1) sign it, so signature checks need it.
        headers["content-length"] = environ["CONTENT_LENGTH"]
    return headers


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        # Chunked body: no length up front, the stream ends where the body does.
        body = stream.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            _drain(stream, _DRAIN_LIMIT)
            raise _BodyTooLarge
        return body
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        _drain(stream, min(length, _DRAIN_LIMIT))
        raise _BodyTooLarge
    return stream.read(length) if length > 0 else b""


def _drain(stream: Any, limit: int) -> None:
    # Reading what the client is still sending lets it see our answer instead of a reset.
    read = 0
    while read < limit:
        chunk = stream.read(min(_CHUNK, limit - read))
        if not chunk:
            return
        read += len(chunk)


def _too_large() -> EmulatorResponse:
    error = errors.SerializationError(
        f"Request body is larger than the {MAX_BODY} bytes this service accepts.", status=413
    )
    return error_response(error, str(uuid.uuid4()))


def _preflight(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    cors = cors_headers(environ)
    if "Access-Control-Allow-Origin" not in cors:
        error = errors.AwsError(
            f"Origin '{environ.get('HTTP_ORIGIN', '')[:200]}' may not call this service; "
            "add it to EMULATOR_CORS_ORIGINS to allow it.",
            code="AccessDeniedException",
            status=403,
        )
        response = error_response(error, str(uuid.uuid4()))
        response.headers.update(cors)
        start_response(_STATUS_LINES[response.status], list(response.headers.items()))
        return [response.body]
    headers = {**cors, **_PREFLIGHT_HEADERS, "Access-Control-Allow-Headers": ALLOWED_HEADERS}
    start_response(_STATUS_LINES[200], list(headers.items()))
    return [b""]


def make_server(
    host: str, port: int, app: Callable[..., Any] = application, threads: int = DEFAULT_THREADS
) -> Server:
    """The cheroot server `manage.py emulator` runs (the benchmark reuses it for its baseline)."""
    server = Server((host, port), app, numthreads=threads, server_name="cognito-identity-emulator")
    # Keep-alive connections are idle between a client's calls; don't cut them too soon.
    server.timeout = 60
    # Without it cheroot reads a header of any size into memory (413 past it; 414 for a long
    # request line). The body has its own limit, MAX_BODY, read by the app.
    server.max_request_header_size = MAX_HEADERS
    return server
