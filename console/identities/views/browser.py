"""The identity browser: a pool's identities, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from console.accounts.roles import has_perm, permission_required
from console.aws import identities as gateway
from console.aws.errors import CognitoError, NotFound
from console.htmx import render_page
from console.inventory import queries

from .. import inventory_mode, paging
from ..forms import BrowserFilterForm, InventoryFilterForm
from ..links import valid_cognito_id

PAGE_SIZES = (10, 25, 60)
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class BrowserState:
    """Everything the browser's URL says: page size, HideDisabled, position, selection."""

    size: int = DEFAULT_PAGE_SIZE
    hide: bool = False
    token: str | None = None
    back: str | None = None
    select_page: bool = False
    # "live" when the URL chose the live listing (a synced pool's default is the inventory).
    source: str | None = None

    @classmethod
    def of(cls, query: Any) -> BrowserState:
        size = query.get("size", "")
        return cls(
            size=int(size) if size in {str(choice) for choice in PAGE_SIZES} else DEFAULT_PAGE_SIZE,
            hide=query.get("hide") == "1",
            token=query.get("token") or None,
            back=query.get("back") or None,
            select_page=query.get("select") == "page",
            source="live" if query.get("source") == "live" else None,
        )

    def url(self, **changes: Any) -> str:
        """This listing's URL (query string) with `changes`; defaults are left out."""
        state = replace(self, **changes)
        params = {
            "source": state.source,
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


def _sync_url(request: HttpRequest) -> str | None:
    """Where "Sync now" posts (admins), when the sync job is part of this build."""
    if not has_perm(request.user, "run_jobs"):
        return None
    try:
        return reverse("jobs:new_sync")
    except NoReverseMatch:
        return None


def _inventory_page(request: HttpRequest, pool_id: str, stats: queries.PoolStats) -> HttpResponse:
    """The inventory mode: filters, order, the number of matches, keyset pages (no Cognito call
    but the pool's name in the heading)."""
    state = inventory_mode.InventoryState.of(request.GET)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "selectable": has_perm(request.user, "run_jobs"),
        "sync_url": _sync_url(request),
        "as_of_words": inventory_mode.as_of_words(stats.as_of),
        **inventory_mode.inventory_context(pool_id, state, stats),
    }
    context["form"] = InventoryFilterForm(context)
    if not request.htmx:
        try:
            context["pool"] = gateway.pool_facts(pool_id)
        except CognitoError:
            pass  # only the heading misses the pool's name
    return render_page(request, "identities/browser_inventory.html", context, partial="table")


@require_safe
@permission_required("view_console")
def browser(request: HttpRequest, pool_id: str) -> HttpResponse:
    """A pool's identities: from the inventory once the pool was synced, else (or when the URL
    says `source=live`) listed live a page at a time; every page has its own URL."""
    pool_id = valid_cognito_id(pool_id)
    stats = queries.stats(pool_id)
    if inventory_mode.source_of(request.GET, stats) == "inventory":
        return _inventory_page(request, pool_id, stats)
    return _live_page(request, pool_id, stats)


def _live_page(request: HttpRequest, pool_id: str, stats: queries.PoolStats) -> HttpResponse:
    state = BrowserState.of(request.GET)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "state": state,
        "page_sizes": PAGE_SIZES,
        "selectable": has_perm(request.user, "run_jobs"),
        "bulk_delete_url": _bulk_delete_url(),
        "inventory_as_of": stats.as_of,
        "form": BrowserFilterForm(size=state.size, hide=state.hide, sizes=PAGE_SIZES),
    }
    try:
        context.update(_browser_context(pool_id, state))
    except CognitoError as exc:
        context["error"] = exc
    status = 200
    if not request.htmx:
        try:
            context["pool"] = gateway.pool_facts(pool_id)
        except CognitoError:
            pass  # only the heading misses the pool's name; the listing says what is wrong, if anything
        status = 404 if isinstance(context.get("error"), NotFound) else 200
    return render_page(request, "identities/browser.html", context, partial="table", status=status)
