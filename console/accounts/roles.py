"""The three console roles, what each may do, and the checks views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

ADMIN = "admin"
SUPPORT = "support"
VIEWER = "viewer"
ROLES = (ADMIN, SUPPORT, VIEWER)

# Role -> permission codenames of accounts.ConsolePermission.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ADMIN: (
        "view_console",
        "lookup_identities",
        "unlink_identities",
        "edit_pools",
        "run_jobs",
        "view_audit",
        "manage_users",
    ),
    SUPPORT: ("view_console", "lookup_identities", "unlink_identities"),
    VIEWER: ("view_console",),
}


def roles_granting(codename: str) -> tuple[str, ...]:
    """The roles whose permissions include `codename`, strongest first."""
    return tuple(role for role in ROLES if codename in ROLE_PERMISSIONS[role])


def denied_message(codename: str) -> str:
    """What a 403 says: which role the action needs (shown on the page and in htmx alerts)."""
    roles = roles_granting(codename)
    if not roles:
        return f"No console role may do this ({codename})."
    weakest_first = sorted(roles, key=ROLES.index, reverse=True)
    names = " or ".join([", ".join(weakest_first[:-1]), weakest_first[-1]] if len(roles) > 1 else roles)
    return f"This needs the {names} role ({codename.replace('_', ' ')})."


def role_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The user's console role (the strongest group they are in), or None."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    return next((role for role in ROLES if role in names), None)


def has_perm(user: AbstractBaseUser | AnonymousUser, codename: str) -> bool:
    return user.is_authenticated and user.has_perm(f"accounts.{codename}")


def permission_required(
    codename: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: 403 unless the signed-in user's role grants `codename`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_perm(request.user, codename):
                raise PermissionDenied(denied_message(codename))
            return view(request, *args, **kwargs)

        wrapper.required_permission = codename  # type: ignore[attr-defined]
        return wrapper

    return decorator
