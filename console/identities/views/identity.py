"""The identity page: logins, developer user ids, pool, history and actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from console.accounts.roles import has_perm, permission_required
from console.aws import identities as gateway
from console.aws.errors import CognitoError, NotAuthorized, NotFound, Throttled
from console.aws.ids import is_cognito_id, region_of
from console.errorpages import busy
from console.htmx import render_page
from console.inventory import queries

from .. import developer_users, lookup
from ..history import history
from ..links import pool_page_url, valid_cognito_id

# An identity has at most 20 logins, so two pages of developer user ids at most.
DEVELOPER_USERS_PAGE = 10


def _identity_pool(
    request: HttpRequest, identity_id: str, found: developer_users.Found | None
) -> tuple[lookup.PoolOfIdentity, gateway.DeveloperUsersPage | None]:
    """The identity's pool: the inventory's (no call: an identity never changes pool), else the
    one a search just found it in, else the one the link named if the service agrees, else
    found by asking.

    Asking the named pool for the identity's developer users is the check; its answer is the
    first page of them, which the page then shows without asking again.
    """
    known = queries.pool_of(identity_id)
    if known is not None:
        return lookup.PoolOfIdentity(known.pool_id), None
    if found is not None:
        return lookup.PoolOfIdentity(found.pool_id), None
    named = request.GET.get("pool", "")
    if is_cognito_id(named) and region_of(named) == region_of(identity_id):
        try:
            first = gateway.developer_users_of(named, identity_id, page_size=DEVELOPER_USERS_PAGE)
        except (NotAuthorized, NotFound):
            pass
        else:
            lookup.remember_pool(identity_id, named)
            return lookup.PoolOfIdentity(named), first
    return lookup.pool_of_identity(identity_id), None


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


def _identity_context(request: HttpRequest, identity_id: str, identity: gateway.Identity) -> dict[str, Any]:
    context: dict[str, Any] = {"identity": identity, "identity_id": identity_id}
    found_by_search = developer_users.recall(identity_id)
    found, first_users = _identity_pool(request, identity_id, found_by_search)
    pool_id = context["pool_id"] = found.pool_id
    if pool_id is None:
        # Why it is unknown: every pool answered "not mine", or some could not be asked now.
        context["pool_search"] = found
        return context
    context["pool_url"] = pool_page_url(pool_id)
    try:
        pool = context["pool"] = gateway.pool_facts(pool_id)
    except CognitoError as exc:
        context["pool_error"] = exc
        return context
    context["other_logins"] = tuple(name for name in identity.logins if name != pool.developer_provider)
    if has_perm(request.user, "lookup_identities"):
        context.update(_developer_users_context(request, pool, identity, first_users, found_by_search))
    return context


def _history_context(request: HttpRequest, identity_id: str, pool_id: str | None) -> dict[str, Any]:
    """The identity's audit events, for roles that may look identities up."""
    if not has_perm(request.user, "lookup_identities"):
        return {}
    before = _int_or_none(request.GET.get("history_before"))
    events = history(identity_id, before)
    query = {"pool": pool_id} if pool_id else {}
    context: dict[str, Any] = {"history": events}
    if events.older_than:
        context["history_older_url"] = "?" + urlencode({**query, "history_before": events.older_than})
    if before is not None:
        context["history_newest_url"] = "?" + urlencode(query)
    return context


def _developer_users_context(
    request: HttpRequest,
    pool: gateway.PoolFacts,
    identity: gateway.Identity,
    first: gateway.DeveloperUsersPage | None,
    found: developer_users.Found | None,
) -> dict[str, Any]:
    """The identity's developer user ids, asking LookupDeveloperIdentity only when nothing
    else says them (developer_users.py): `?users=all` and the pager's links always ask."""
    if not pool.developer_provider:
        return {}  # no developer users to ask for (the page says so)
    identity_id = identity.identity_id
    token = request.GET.get("users_token") or None
    query = {"pool": pool.pool_id}
    if not token and request.GET.get("users") != "all":
        if not developer_users.may_have_any(identity, pool.developer_provider):
            return {"developer_users": gateway.DeveloperUsersPage(identity_id, (), None)}
        if first is None and found is not None and found.pool_id == pool.pool_id:
            return {
                "developer_users": gateway.DeveloperUsersPage(identity_id, found.users, None),
                "users_found_at": found.as_of,
                "users_all_url": "?" + urlencode({**query, "users": "all"}),
            }
    try:
        users = (
            first
            if first and not token
            else gateway.developer_users_of(pool.pool_id, identity_id, token, DEVELOPER_USERS_PAGE)
        )
    except CognitoError as exc:
        return {"users_error": exc}
    return {
        "developer_users": users,
        "users_more_url": "?" + urlencode({**query, "users_token": users.next_token})
        if users.next_token
        else None,
        # Back to the first page the service gives, not to what a search found.
        "users_first_url": "?" + urlencode({**query, "users": "all"}) if token else None,
    }


# Fragments of the identity page htmx may ask for, by the id of the element they replace.
_IDENTITY_PARTIALS = {"developer-users": "developer_users", "identity-history": "history"}


@require_safe
@permission_required("view_console")
@vary_on_headers("HX-Request", "HX-Target")
def detail(request: HttpRequest, identity_id: str) -> HttpResponse:
    """One identity: its logins, developer user ids, pool, history and actions."""
    identity_id = valid_cognito_id(identity_id)
    try:
        identity = gateway.describe_identity(identity_id)
    except Throttled as exc:
        return busy(request, exc)
    except CognitoError as exc:
        # A deleted identity's history still says who deleted it, and why.
        context = {
            "identity_id": identity_id,
            "error": exc,
            "gone": queries.pool_of(identity_id) if isinstance(exc, NotFound) else None,
            **_history_context(request, identity_id, None),
        }
        return render(
            request, "identities/detail.html", context, status=404 if isinstance(exc, NotFound) else 200
        )
    context = _identity_context(request, identity_id, identity)
    context.update(_history_context(request, identity_id, context.get("pool_id")))
    partial = _IDENTITY_PARTIALS.get(request.htmx.target or "") if request.htmx else None
    return render_page(request, "identities/detail.html", context, partial=partial)
