"""Recent re-authentication for destructive actions.

The session remembers when the user last typed their password (signing in counts). A view
decorated with `recent_auth_required` runs only if that was at most REAUTH_MAX_AGE_SECONDS
ago; otherwise the user is sent to /accounts/reauth/ (`reauth` below) and comes back to the page they were on.

A POST is never replayed after re-authentication: the user returns to the confirmation page
(a GET) and submits again. Decorate that confirmation page as well, so the password is asked
before the user types the confirmation, not after.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from console.htmx import go_to

PASSWORD_AT = "console_password_at"  # noqa: S105 - a session key, not a password


def record_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: signing in counts as typing the password."""
    record_password_entered(request)


def record_password_entered(request: HttpRequest) -> None:
    request.session[PASSWORD_AT] = time.time()


def password_entered_recently(request: HttpRequest) -> bool:
    entered_at = request.session.get(PASSWORD_AT)
    if not isinstance(entered_at, int | float):
        return False
    return 0 <= time.time() - entered_at <= settings.REAUTH_MAX_AGE_SECONDS


def safe_next(request: HttpRequest, target: str | None, fallback: str = "/") -> str:
    """`target` if it is a path on this site (never another host, never http from https)."""
    safe = target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else fallback


def _return_address(request: HttpRequest) -> str:
    # A GET comes back to itself. A POST cannot be replayed: come back to the page that
    # sent it (the confirmation page), or, failing that, to a GET of the same URL.
    if request.method == "GET":
        return request.get_full_path()
    referer = safe_next(request, request.headers.get("referer"), "")
    if not referer:
        return request.get_full_path()
    parts = urlsplit(referer)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def ask_for_password(request: HttpRequest) -> HttpResponse:
    """Send the user to type their password, then back (for a view that asks only for some actions)."""
    url = f"{reverse('reauth')}?{urlencode({'next': _return_address(request)})}"
    if request.method != "GET":
        messages.warning(request, "Nothing was changed yet: enter your password, then submit again.")
    # To htmx: load the password page as a whole page, not as a fragment swapped into this one.
    return go_to(request, url)


def recent_auth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: the user must have typed their password in the last REAUTH_MAX_AGE_SECONDS."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if password_entered_recently(request):
            return view(request, *args, **kwargs)
        return ask_for_password(request)

    wrapper.requires_recent_auth = True  # type: ignore[attr-defined]
    return wrapper
