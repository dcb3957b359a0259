"""Who may do what: one table for every URL of the console, and the middleware that enforces it.

The middleware runs before every view, so a view cannot forget its check: a URL name missing
from MATRIX is refused (500 with DEBUG on, so the developer sees why; 403 in production), and
tests/test_permission_matrix.py fails for it. Views may still carry `permission_required`
as a second lock; that test checks the two agree.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from console.htmx import go_to

from .roles import ROLE_PERMISSIONS, denied_message, has_perm
from .sessions import SIGNED_IN_AT

log = logging.getLogger(__name__)

PUBLIC = "public"  # anyone, signed in or not
LOGIN = "login"  # any signed-in user, with or without a role

# URL name (with its namespace) -> {HTTP method: requirement}. The requirement is PUBLIC,
# LOGIN or a permission codename of ROLE_PERMISSIONS. A method not listed is answered 405;
# HEAD follows GET.
MATRIX: dict[str, dict[str, str]] = {
    # Signing in and out
    "login": {"GET": PUBLIC, "POST": PUBLIC},
    "logout": {"POST": LOGIN},
    "reauth": {"GET": LOGIN, "POST": LOGIN},
    # Single sign-on (console/sso/): to the provider and back; 404 when OIDC_ISSUER is unset.
    "oidc_authentication_init": {"GET": PUBLIC},
    "oidc_authentication_callback": {"GET": PUBLIC},
    "oidc_reauth": {"GET": LOGIN},
    "healthz": {"GET": PUBLIC},
    "readyz": {"GET": PUBLIC},
    # Pools: everyone with a role reads them; forms that change a pool are for admins only
    # (their GET too: viewers and support get no forms they cannot use).
    "pools:list": {"GET": "view_console"},
    # The all-pools dashboard: counts and growth from the inventory, for every role.
    "pools:dashboard": {"GET": "view_console"},
    # Identities: browsing is for every role; finding a user's identity and seeing its developer
    # user ids and history is support's job (lookup_identities), as is unlinking; changing the
    # pool's identities otherwise (merge, delete, registering developer users) is for admins.
    "identities:browser": {"GET": "view_console"},
    "identities:detail": {"GET": "view_console"},
    # The inventory browser's matches as CSV: reading identities in bulk, like the export job.
    "identities:export_matches": {"GET": "run_jobs"},
    # The browser's selection for a bulk delete: kept in the session, handed to the jobs' review.
    "identities:selection": {"POST": "run_jobs"},
    "identities:lookup": {"GET": "lookup_identities"},
    "identities:unlink_developer_user": {"GET": "unlink_identities", "POST": "unlink_identities"},
    "identities:unlink_login": {"GET": "unlink_identities", "POST": "unlink_identities"},
    "identities:merge": {"GET": "edit_pools", "POST": "edit_pools"},
    "identities:delete": {"GET": "edit_pools", "POST": "edit_pools"},
    "identities:register_developer": {"GET": "edit_pools", "POST": "edit_pools"},
    # Support reproduces "can't sign in"; running it creates or touches identities (audited).
    "identities:signin_tester": {"GET": "lookup_identities", "POST": "lookup_identities"},
    "pools:region": {"GET": "view_console"},
    "pools:detail": {"GET": "view_console"},
    "pools:new": {"GET": "edit_pools", "POST": "edit_pools"},
    "pools:edit": {"GET": "edit_pools", "POST": "edit_pools"},
    "pools:delete": {"GET": "edit_pools", "POST": "edit_pools"},
    "pools:roles": {"GET": "edit_pools", "POST": "edit_pools"},
    "pools:principal_tags": {"GET": "edit_pools", "POST": "edit_pools"},
    "pools:tags": {"GET": "edit_pools", "POST": "edit_pools"},
    # The role-resolution tester changes nothing; support uses it to explain a user's role.
    "pools:role_tester": {"GET": "lookup_identities", "POST": "lookup_identities"},
    # Bulk jobs: everyone with a role sees them; only run_jobs (admins) starts and cancels.
    "jobs:list": {"GET": "view_console"},
    "jobs:detail": {"GET": "view_console"},
    "jobs:progress": {"GET": "view_console"},
    # A job's results name what it touched (a merge's are developer user ids): downloads need
    # the permission that shows developer user ids on the identity page, and are audited.
    "jobs:results": {"GET": "lookup_identities"},
    "jobs:new_delete": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:new_merge": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:confirm": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:cancel": {"GET": "run_jobs", "POST": "run_jobs"},
    # Prune schedules: everyone sees them; admins (re-authenticated) save, change and delete them.
    "jobs:schedules": {"GET": "view_console"},
    "jobs:schedule_new": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:schedule_edit": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:schedule_delete": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:schedule_enabled": {"POST": "run_jobs"},
    "jobs:schedule_run_now": {"POST": "run_jobs"},
    # Prune: the filter form starts a dry run; the real run is confirmed on the dry run's page.
    "jobs:new_prune": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:prune_run": {"POST": "run_jobs"},
    # Exports read every identity of a pool: admins start them; the file (it may hold developer
    # user ids) is for the roles that see developer user ids, and each download is audited.
    "jobs:new_export": {"GET": "run_jobs", "POST": "run_jobs"},
    "jobs:export_file": {"GET": "lookup_identities"},
    # An inventory sync lists every identity of a pool at the account's ListIdentities quota:
    # admins start one (the pool page's button, a POST); everyone sees the job, and its counts
    # on the pool page.
    "jobs:new_sync": {"POST": "run_jobs"},
    # Audit trail
    "audit:list": {"GET": "view_audit"},
    # POST: a CSRF-protected form, so another site cannot make an admin's browser export.
    "audit:export": {"POST": "view_audit"},
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def known_requirements() -> set[str]:
    """Every value a MATRIX entry may hold."""
    codenames = {codename for granted in ROLE_PERMISSIONS.values() for codename in granted}
    return {PUBLIC, LOGIN} | codenames


def requirement(url_name: str, method: str) -> str | None:
    """What `method` on `url_name` needs, or None when the method is not allowed there.

    Raises KeyError for a URL name the table does not know.
    """
    rule = MATRIX[url_name]
    return rule.get("GET" if method == "HEAD" else method)


def is_public_somewhere(url_name: str) -> bool:
    return PUBLIC in MATRIX[url_name].values()


class PermissionMatrixMiddleware(LoginRequiredMiddleware):
    """Applies MATRIX to every resolved request; replaces Django's LoginRequiredMiddleware.

    Order of answers: an unlisted URL is refused; an anonymous user on a page that is not
    public for any method goes to the login page (so an anonymous visitor learns nothing about
    which methods exist); a method the table does not list gets 405; then login and the role's
    permission are checked (403 when missing).
    """

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        name = request.resolver_match.view_name
        if name not in MATRIX:
            return _refuse_unlisted(name)
        _end_session_past_its_lifetime(request)
        needed = requirement(name, request.method or "GET")
        if needed == PUBLIC:
            return None
        if not request.user.is_authenticated and not is_public_somewhere(name):
            return self.handle_no_permission(request, view_func)
        if needed is None:
            return HttpResponseNotAllowed(sorted(MATRIX[name]))
        if not request.user.is_authenticated:
            return self.handle_no_permission(request, view_func)
        if needed == LOGIN or has_perm(request.user, needed):
            return None
        raise PermissionDenied(denied_message(needed))

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> HttpResponse:
        return send_to_login(request)


def send_to_login(request: HttpRequest) -> HttpResponse:
    """Send an anonymous user (or one whose session just ended) to the login page.

    `next` is the page the user was on, never the URL of a fragment or of a POST: an
    htmx request names its page in HX-Current-URL, a form post in its Referer. A POST
    is not replayed after signing in; `unsaved=1` makes the login page say so.
    """
    unsaved = request.method not in ("GET", "HEAD", "OPTIONS")
    params = {"next": _page_to_return_to(request, unsaved)}
    if unsaved:
        params["unsaved"] = "1"
    url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode(params, safe='/')}"
    # To htmx: load the login page as a page, not as a fragment swapped into this one.
    return go_to(request, url)


def _page_to_return_to(request: HttpRequest, unsaved: bool) -> str:
    page = request.headers.get("HX-Current-URL") if getattr(request, "htmx", False) else None
    if page is None and unsaved:
        page = request.headers.get("Referer")
    if page is None:
        return request.get_full_path()
    parts = urlsplit(page)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    same_site = url_has_allowed_host_and_scheme(
        page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return path if same_site and path.startswith("/") else "/"


def _refuse_unlisted(name: str) -> HttpResponse:
    message = f"URL name {name!r} has no entry in MATRIX (console/accounts/permissions.py)."
    if settings.DEBUG:
        raise ImproperlyConfigured(message)
    log.error("%s Refusing the request.", message)
    raise PermissionDenied("This page is not open to anyone yet.")


def _end_session_past_its_lifetime(request: HttpRequest) -> None:
    # The session's own expiry slides with activity (idle timeout); this caps its whole life.
    if not request.user.is_authenticated:
        return
    signed_in_at = request.session.get(SIGNED_IN_AT)
    age = time.time() - signed_in_at if isinstance(signed_in_at, int | float) else None
    if age is not None and 0 <= age <= settings.SESSION_MAX_AGE:
        return
    logout(request)
    messages.info(request, "Your session has ended: please sign in again.")
