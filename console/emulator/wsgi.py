"""WSGI application of the embedded service, and the server `manage.py emulator` runs it on.

The protocol does the work; this module only moves bytes between HTTP and `handle`:
it reads the body (Content-Length or chunked, at most 1 MiB), answers CORS pre-flights
for browser SDKs, and looks after the worker thread's database connection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from wsgiref.util import application_uri

from cheroot.wsgi import Server
from django.db import close_old_connections

from . import discovery, errors
from .protocol import EmulatorResponse, error_response, handle

MAX_BODY = 1024 * 1024
# Past this much we stop reading a too-large body and let the server drop the connection.
_DRAIN_LIMIT = 16 * MAX_BODY
_CHUNK = 64 * 1024

DEFAULT_THREADS = 16

# Browser SDKs (Amplify, AWS SDK for JavaScript) call the public operations cross-origin.
_CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date",
}
_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Max-Age": "86400",
    "Content-Length": "0",
}
# Allowed when a pre-flight names none; "*" would not cover Authorization.
_ALLOWED_HEADERS = (
    "content-type, x-amz-target, x-amz-user-agent, amz-sdk-invocation-id, amz-sdk-request, "
    "authorization, x-amz-date, x-amz-security-token, x-amz-content-sha256"
)

_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class _BodyTooLarge(Exception):
    pass


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Hand the request to the protocol and write its answer back."""
    if environ["REQUEST_METHOD"] == "OPTIONS":
        return _preflight(environ, start_response)
    if environ["REQUEST_METHOD"] in ("GET", "HEAD") and _path(environ).startswith("/.well-known/"):
        return _discovery(environ, start_response)
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
    response.headers.update(_CORS_HEADERS)
    start_response(_STATUS_LINES[response.status], list(response.headers.items()))
    return [response.body]


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


def _discovery(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    # The OpenID discovery document and key set of the service's tokens (discovery.py).
    close_old_connections()
    try:
        status, headers, body = discovery.get(_path(environ), application_uri(environ))
    finally:
        close_old_connections()
    headers.update(_CORS_HEADERS)
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
    headers = {**_CORS_HEADERS, **_PREFLIGHT_HEADERS}
    # Echo what the browser asks to send (x-amz-target, x-amz-user-agent, ...).
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    headers["Access-Control-Allow-Headers"] = requested or _ALLOWED_HEADERS
    start_response(_STATUS_LINES[200], list(headers.items()))
    return [b""]


def make_server(
    host: str, port: int, app: Callable[..., Any] = application, threads: int = DEFAULT_THREADS
) -> Server:
    """The cheroot server `manage.py emulator` runs (the benchmark reuses it for its baseline)."""
    server = Server((host, port), app, numthreads=threads, server_name="cognito-identity-emulator")
    # Keep-alive connections are idle between a client's calls; don't cut them too soon.
    server.timeout = 60
    return server
