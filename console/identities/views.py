"""The identity browser, the identity page and the lookup (the header's search box)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from console.accounts.roles import has_perm, permission_required
from console.aws import identities as gateway
from console.aws.errors import CognitoError, NotAuthorized, NotFound

from . import lookup, paging
from .history import history

PAGE_SIZES = (10, 25, 60)
DEFAULT_PAGE_SIZE = 25
# An identity has at most 20 logins, so two pages of developer user ids at most.
DEVELOPER_USERS_PAGE = 10


def valid_cognito_id(value: str) -> str:
    """`value` if it is a pool or identity id of a region this console uses, else 404."""
    if not gateway.is_cognito_id(value) or gateway.region_of(value) not in settings.AWS_REGIONS:
        raise Http404("Not an id of a region this console uses.")
    return value


def pool_page_url(pool_id: str) -> str:
    """The pool's own page when it exists, else its identity browser."""
    try:
        return reverse("pools:detail", args=[pool_id])
    except NoReverseMatch:
        return reverse("identities:browser", args=[pool_id])


# --- The browser ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrowserState:
    """Everything the browser's URL says: page size, HideDisabled, position, selection."""

    size: int = DEFAULT_PAGE_SIZE
    hide: bool = False
    token: str | None = None
    back: str | None = None
    select_page: bool = False

    @classmethod
    def of(cls, query: Any) -> BrowserState:
        size = query.get("size", "")
        return cls(
            size=int(size) if size in {str(choice) for choice in PAGE_SIZES} else DEFAULT_PAGE_SIZE,
            hide=query.get("hide") == "1",
            token=query.get("token") or None,
            back=query.get("back") or None,
            select_page=query.get("select") == "page",
        )

    def url(self, **changes: Any) -> str:
        """This listing's URL (query string) with `changes`; defaults are left out."""
        state = replace(self, **changes)
        params = {
            "size": state.size if state.size != DEFAULT_PAGE_SIZE else None,
            "hide": "1" if state.hide else None,
            "token": state.token,
            "back": state.back,
            "select": "page" if state.select_page else None,
        }
        return "?" + urlencode({name: value for name, value in params.items() if value})

    def at(self, query: dict[str, str] | None) -> str | None:
        """The URL of another page of the same listing (a paging.*_query result)."""
        if query is None:
            return None
        return self.url(token=query.get("token"), back=query.get("back"), select_page=False)


def _browser_context(pool_id: str, state: BrowserState) -> dict[str, Any]:
    listing = paging.listing_key(pool_id, state.size, state.hide)
    position = paging.locate(listing, state.token, state.back)
    page = gateway.list_identities_page(pool_id, state.size, state.token, hide_disabled=state.hide)
    next_query = paging.next_query(listing, position, page.next_token) if page.next_token else None
    previous = state.at(paging.previous_query(position))
    first = state.at({}) if state.token else None
    return {
        "page": page,
        "position": position,
        "first_url": first if first != previous else None,
        "prev_url": previous,
        "next_url": state.at(next_query),
        "select_url": state.url(select_page=True),
        "clear_url": state.url(select_page=False),
    }


def _bulk_delete_url() -> str | None:
    # The jobs app builds the bulk-delete job; until it exists, the selection has nowhere to go.
    try:
        return reverse("jobs:new_delete")
    except NoReverseMatch:
        return None


@require_safe
@permission_required("view_console")
# Same URL, page or fragment: caches (and the browser's back button) must keep them apart.
@vary_on_headers("HX-Request")
def browser(request: HttpRequest, pool_id: str) -> HttpResponse:
    """A pool's identities, a page at a time; every page has its own URL."""
    pool_id = valid_cognito_id(pool_id)
    state = BrowserState.of(request.GET)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "state": state,
        "page_sizes": PAGE_SIZES,
        "selectable": has_perm(request.user, "run_jobs"),
        "bulk_delete_url": _bulk_delete_url(),
    }
    try:
        context.update(_browser_context(pool_id, state))
    except CognitoError as exc:
        context["error"] = exc
    if request.htmx:
        return render(request, "identities/browser.html#table", context)
    try:
        context["pool"] = gateway.pool_facts(pool_id)
    except CognitoError:
        pass  # only the heading misses the pool's name; the listing says what is wrong, if anything
    status = 404 if isinstance(context.get("error"), NotFound) else 200
    return render(request, "identities/browser.html", context, status=status)


# --- The identity page ----------------------------------------------------------------------


def _identity_pool(
    request: HttpRequest, identity_id: str
) -> tuple[str | None, gateway.DeveloperUsersPage | None]:
    """The identity's pool: the one the link named, if the service agrees, else found by asking.

    Asking the named pool for the identity's developer users is the check; its answer is the
    first page of them, which the page then shows without asking again.
    """
    named = request.GET.get("pool", "")
    if gateway.is_cognito_id(named) and gateway.region_of(named) == gateway.region_of(identity_id):
        try:
            return named, gateway.developer_users_of(named, identity_id, page_size=DEVELOPER_USERS_PAGE)
        except (NotAuthorized, NotFound):
            pass
    return lookup.pool_of_identity(identity_id), None


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 19 else None


def _identity_context(request: HttpRequest, identity_id: str, identity: gateway.Identity) -> dict[str, Any]:
    context: dict[str, Any] = {"identity": identity, "identity_id": identity_id}
    pool_id, first_users = _identity_pool(request, identity_id)
    context["pool_id"] = pool_id
    if pool_id is None:
        return context
    context["pool_url"] = pool_page_url(pool_id)
    try:
        pool = context["pool"] = gateway.pool_facts(pool_id)
    except CognitoError as exc:
        context["pool_error"] = exc
        return context
    context["other_logins"] = tuple(name for name in identity.logins if name != pool.developer_provider)
    if has_perm(request.user, "lookup_identities"):
        context.update(_developer_users_context(request, pool, identity_id, first_users))
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
    identity_id: str,
    first: gateway.DeveloperUsersPage | None,
) -> dict[str, Any]:
    token = request.GET.get("users_token") or None
    try:
        users = (
            first
            if first and not token
            else gateway.developer_users_of(pool.pool_id, identity_id, token, DEVELOPER_USERS_PAGE)
        )
    except CognitoError as exc:
        return {"users_error": exc}
    query = {"pool": pool.pool_id}
    return {
        "developer_users": users,
        "users_more_url": "?" + urlencode({**query, "users_token": users.next_token})
        if users.next_token
        else None,
        "users_first_url": "?" + urlencode(query) if token else None,
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
    except CognitoError as exc:
        # A deleted identity's history still says who deleted it, and why.
        context = {"identity_id": identity_id, "error": exc, **_history_context(request, identity_id, None)}
        return render(
            request, "identities/detail.html", context, status=404 if isinstance(exc, NotFound) else 200
        )
    context = _identity_context(request, identity_id, identity)
    context.update(_history_context(request, identity_id, context.get("pool_id")))
    partial = _IDENTITY_PARTIALS.get(request.htmx.target or "") if request.htmx else None
    template = f"identities/detail.html#{partial}" if partial else "identities/detail.html"
    return render(request, template, context)


def identity_url(identity_id: str, pool_id: str | None) -> str:
    url = reverse("identities:detail", args=[identity_id])
    return f"{url}?{urlencode({'pool': pool_id})}" if pool_id else url


# --- Lookup ---------------------------------------------------------------------------------


def _go(request: HttpRequest, url: str) -> HttpResponse:
    # An htmx search lands on the found page as a whole page, not inside the results box.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _find_id(request: HttpRequest, query: lookup.Query, context: dict[str, Any]) -> HttpResponse | None:
    try:
        found = lookup.find_id(query.text)
    except CognitoError as exc:
        context["error"] = exc
        return None
    if found is None:
        context["not_found"] = True
        return None
    if found.kind == "identity":
        return _go(request, identity_url(query.text, found.pool_id))
    return _go(request, pool_page_url(query.text))


def _search_developer_user(
    request: HttpRequest, query: lookup.Query, context: dict[str, Any]
) -> HttpResponse | None:
    catalog = lookup.catalog(refresh=request.GET.get("refresh") == "1")
    context["catalog"] = catalog
    result = context["search"] = lookup.search_developer_user(query.text, catalog, context["only_pool"])
    if len(result.matches) == 1 and not result.failures:
        match = result.matches[0]
        return _go(request, identity_url(match.identity_id, match.pool.pool_id))
    return None


@require_safe
@permission_required("lookup_identities")
@vary_on_headers("HX-Request")
def lookup_view(request: HttpRequest) -> HttpResponse:
    """Find an identity by identity id, pool id or developer user id, in one search."""
    query = lookup.parse(request.GET.get("q", ""))
    context: dict[str, Any] = {"query": query, "only_pool": request.GET.get("pool", "")}
    answer = None
    if query.kind == "id":
        answer = _find_id(request, query, context)
    elif query.kind == "developer_user":
        answer = _search_developer_user(request, query, context)
    if answer is not None:
        return answer
    if "catalog" not in context and not request.htmx:
        # The narrowing selector offers the pools a developer-user search would ask.
        context["catalog"] = lookup.catalog()
    template = "identities/lookup.html#results" if request.htmx else "identities/lookup.html"
    return render(request, template, context)
