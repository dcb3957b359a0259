"""The console's error pages (400, 403, 429, 500 and a CSRF failure), in the console's layout.

Each also carries a one-line explanation in the X-Console-Message header: an htmx request
that fails is not swapped into the page, and static/js/console.js shows that line in the
page's alert region instead. 404 uses Django's own handler with templates/404.html; with DEBUG
on, ConsoleNotFoundMiddleware shows that page too unless SHOW_TECHNICAL_404 asks for Django's.

429 is the answer of any page whose Cognito call could not get its turn: the account's quota
is shared by every page and job (console/aws/limiter.py), so a busy quota is not the
console's failure and never a 5xx. A page waits for its turn only briefly
(COGNITO_RATE_LIMIT_WAIT), then answers at once with a page that tries again by itself when
the turn is due (Retry-After, and a meta refresh that needs no JavaScript): a request never
holds a web thread for long while it queues for the quota.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from .aws import errors as aws_errors
from .requestid import current_request_id

MESSAGE_HEADER = "X-Console-Message"


def _with_message(response: HttpResponse, message: str) -> HttpResponse:
    # Header values must be latin-1; our messages are plain English, but never fail on one.
    response[MESSAGE_HEADER] = message.encode("ascii", "replace").decode("ascii")
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: the request could not be understood (a malformed header, form or query)."""
    message = "The console could not understand this request. Go back, reload the page and try again."
    response = render(request, "400.html", {"message": message}, status=400)
    return _with_message(response, message)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the role does not allow it; the message says which role would."""
    message = str(exception or "") or "Your role does not allow this."
    response = render(request, "403.html", {"exception": message}, status=403)
    return _with_message(response, message)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: rendered with the request id only — no database, no context processors."""
    request_id = current_request_id()
    body = loader.get_template("500.html").render({"request_id": request_id})
    message = f"Something went wrong on the console's side. Try again; if it keeps failing, quote request id {request_id}."
    return _with_message(HttpResponseServerError(body), message)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's security token expired or is missing."""
    message = (
        "This form has expired, so nothing was saved. Reload the page (sign in again if asked) "
        "and submit it once more."
    )
    response = render(request, "csrf_failure.html", {"message": message}, status=403)
    return _with_message(response, message)


def retry_after(error: aws_errors.Throttled) -> int:
    """Whole seconds until a throttled call is worth trying again (at least one)."""
    wait = getattr(error, "retry_after", 1.0)
    return max(1, math.ceil(wait))


def busy(request: HttpRequest, error: aws_errors.Throttled) -> HttpResponse:
    """429: the account's Cognito quota for this call is busy; the page tries again by itself."""
    seconds = retry_after(error)
    operation = error.operation or "This"
    explanation = (
        f"{operation} calls are limited per AWS account and region, and the console shares that "
        "quota between every page and every bulk job."
    )
    context = {
        "error": error,
        "explanation": explanation,
        "retry_after": seconds,
        "retry": request.method in ("GET", "HEAD") and not getattr(request, "htmx", False),
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return _with_message(response, f"{explanation} Nothing was changed; try again in {seconds} s.")


class ThrottledMiddleware:
    """Any view whose Cognito call was throttled (by AWS or by our limiter) answers `busy`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, aws_errors.Throttled):
            return busy(request, exception)
        return None


class ConsoleNotFoundMiddleware:
    """With DEBUG on, "not found" shows the console's 404 page, not Django's list of URL patterns.

    Django answers a Http404 with its technical page whenever DEBUG is on, before any handler404
    is asked; `make run` runs with DEBUG on, so a mistyped address there looked like a crash.
    SHOW_TECHNICAL_404=true brings Django's page back. With DEBUG off this does nothing: the
    handler404 (templates/404.html) already answers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _active(self) -> bool:
        return settings.DEBUG and not settings.SHOW_TECHNICAL_404

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            # An address no URL pattern matches fails before any view runs, where
            # process_exception cannot see it: resolve it here first.
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and self._active():
            return defaults.page_not_found(request, exception)
        return None
