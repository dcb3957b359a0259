"""WSGI application of the embedded service (served by `manage.py emulator`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from .protocol import handle

_MAX_BODY = 1024 * 1024


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Hand the request to the protocol and write its answer back."""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(min(length, _MAX_BODY)) if length > 0 else b""
    response = handle(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/"), headers, body)
    status = f"{response.status} {HTTPStatus(response.status).phrase}"
    start_response(status, list(response.headers.items()))
    return [response.body]
