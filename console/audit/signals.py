"""Sign-in, failed sign-in and sign-out, from django.contrib.auth's signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from .actor import ANONYMOUS, Actor, actor_from_request
from .record import record_console_action

_USERNAME_LENGTH = 150


def _actor(request: HttpRequest | None, user: Any = None) -> Actor:
    if request is None:
        return Actor(user.get_username() if user else ANONYMOUS, getattr(user, "pk", None))
    return actor_from_request(request, user)


def on_login(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    # A single sign-on adds the provider's subject, the person's name and the role it granted
    # (console/sso/backends.py puts them on the request).
    details = getattr(request, "audit_sign_in_details", None) if request is not None else None
    record_console_action("console.login", request=details or {}, actor=_actor(request, user))


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    if user is not None:
        record_console_action("console.logout", actor=_actor(request, user))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    # The attempted name only: Django has already masked the password in `credentials`,
    # and nothing else from them is kept.
    field = get_user_model().USERNAME_FIELD
    if "code_verifier" in credentials:
        return  # a single sign-on's refusal: console/sso/backends.py records it, with its reason
    attempted = str(credentials.get(field) or credentials.get("username") or "")[:_USERNAME_LENGTH]
    actor = _actor(request)
    record_console_action(
        "console.login_failed",
        request={"username": attempted},
        outcome="error",
        error_code="InvalidCredentials",
        actor=Actor(ANONYMOUS, None, actor.ip),
    )


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="audit.login")
    user_logged_out.connect(on_logout, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
