"""A request id for every request: in the X-Request-ID header, on every log line, on error pages.

A person who hits an error quotes the id; an operator finds every log line of that request.
The id is ours (a fresh uuid4): an id sent by the client is not trusted for this.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
NO_REQUEST = "-"

_current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served in this thread, or "-" outside one."""
    return _current.get()


class RequestIdMiddleware:
    """Gives the request an id (request.request_id) and sends it back in X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs a 4xx/5xx answer ("Not Found: /x") after the
        # middleware has returned. request_finished (end of the response) clears it.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget_request_id(**_: object) -> None:
    _current.set(NO_REQUEST)


request_finished.connect(_forget_request_id, dispatch_uid="console.requestid.forget")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record (the formatter prints it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
