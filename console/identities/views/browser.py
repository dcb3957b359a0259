"""The identity browser: a pool's identities, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
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

from .. import inventory_mode, paging, selection
from ..forms import BrowserFilterForm, InventoryFilterForm
from ..links import valid_cognito_id

PAGE_SIZES = (10, 25, 60)
DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class BrowserState:
    """Everything the live listing's URL says: page size, HideDisabled, position."""

    size: int = DEFAULT_PAGE_SIZE
    hide: bool = False
    token: str | None = None
    back: str | None = None
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
        }
        return "?" + urlencode({name: value for name, value in params.items() if value})

    def at(self, query: dict[str, str] | None) -> str | None:
        """The URL of another page of the same listing (a paging.*_query result)."""
        if query is None:
            return None
        return self.url(token=query.get("token"), back=query.get("back"))


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
    }


@dataclass(frozen=True)
class Row:
    """A row of either mode: the identity, whether it is known disabled (None: not known) and
    whether it is in the selection."""

    identity: Any
    disabled: bool | None
    selected: bool

    @property
    def providers(self) -> Sequence[str]:
        """Its linked login providers, as either mode holds them (an inventory row's `providers`,
        a listed identity's `logins`)."""
        held = getattr(self.identity, "providers", None)
        return held if held is not None else self.identity.logins


def _sync_url(request: HttpRequest) -> str | None:
    """Where "Sync now" posts (admins), when the sync job is part of this build."""
    if not has_perm(request.user, "run_jobs"):
        return None
    try:
        return reverse("jobs:new_sync")
    except NoReverseMatch:
        return None


def _selection_context(request: HttpRequest, pool_id: str, notes: Sequence[str]) -> dict[str, Any]:
    """The selection bar's facts, for those who may delete (run_jobs); others select nothing."""
    if not has_perm(request.user, "run_jobs"):
        return {"selectable": False}
    notes = list(notes)
    started = selection.settle(request, pool_id, request.user)
    if started is not None:
        notes.append(f"Job {started} was started with the selected identities: the selection is cleared.")
    return {
        "selectable": True,
        "selection": selection.current(request, pool_id),
        "selection_url": reverse("identities:selection", args=[pool_id]),
        "selection_notes": notes,
    }


def _rows(identities: Sequence[Any], disabled: dict[str, bool], context: dict[str, Any]) -> list[Row]:
    chosen = context.get("selection")
    return [
        Row(each, disabled.get(each.identity_id), bool(chosen and chosen.has(each.identity_id)))
        for each in identities
    ]


def _with_rows(context: dict[str, Any], rows: list[Row]) -> None:
    context["rows"] = rows
    chosen = context.get("selection")
    if chosen is not None:
        # The ids selected on other pages: the page's script adds the ticks it sees to them.
        context["selected_elsewhere"] = chosen.others(row.identity.identity_id for row in rows)


def _inventory_page(
    request: HttpRequest, pool_id: str, stats: queries.PoolStats, query: Any, extra: dict[str, Any]
) -> HttpResponse:
    """The inventory mode: filters, order, the number of matches, keyset pages (no Cognito call
    but the pool's name in the heading)."""
    state = inventory_mode.InventoryState.of(query)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "sync_url": _sync_url(request),
        "as_of_words": inventory_mode.as_of_words(stats.as_of),
        "here": state.here(),
        **extra,
        **inventory_mode.inventory_context(pool_id, state, stats),
    }
    context["form"] = InventoryFilterForm(context)
    identities = context["page"].identities if context.get("page") else ()
    _with_rows(context, _rows(identities, {i.identity_id: i.disabled for i in identities}, context))
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
    return show(request, valid_cognito_id(pool_id), request.GET)


def show(request: HttpRequest, pool_id: str, query: Any, notes: Sequence[str] = ()) -> HttpResponse:
    """The browser's page (or its table, to htmx) for `query`, a page's query string, with
    `notes` on the selection; the selection view answers with it too."""
    stats = queries.stats(pool_id)
    extra = _selection_context(request, pool_id, notes)
    if inventory_mode.source_of(query, stats) == "inventory":
        return _inventory_page(request, pool_id, stats, query, extra)
    return _live_page(request, pool_id, stats, query, extra)


def _live_disabled(
    pool_id: str, state: BrowserState, page: gateway.IdentityPage, stats: queries.PoolStats
) -> dict[str, bool]:
    """What is known of the rows' being disabled, without a call per row: with HideDisabled the
    listing itself says none is; else the inventory, when a sync checked it (one read)."""
    ids = [each.identity_id for each in page.identities]
    if state.hide:
        return dict.fromkeys(ids, False)
    if stats.disabled_as_of is None:
        return {}
    return {
        identity_id: known.disabled
        for identity_id, known in queries.pools_of(ids).items()
        if known.pool_id == pool_id and known.disabled is not None and known.gone is None
    }


def _live_page(
    request: HttpRequest, pool_id: str, stats: queries.PoolStats, query: Any, extra: dict[str, Any]
) -> HttpResponse:
    state = BrowserState.of(query)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "state": state,
        "here": state.url(),
        "page_sizes": PAGE_SIZES,
        "inventory_as_of": stats.as_of,
        "disabled_as_of": stats.disabled_as_of,
        "form": BrowserFilterForm(size=state.size, hide=state.hide, sizes=PAGE_SIZES),
        **extra,
    }
    try:
        context.update(_browser_context(pool_id, state))
    except CognitoError as exc:
        context["error"] = exc
    else:
        page = context["page"]
        _with_rows(context, _rows(page.identities, _live_disabled(pool_id, state, page, stats), context))
    status = 200
    if not request.htmx:
        try:
            context["pool"] = gateway.pool_facts(pool_id)
        except CognitoError:
            pass  # only the heading misses the pool's name; the listing says what is wrong, if anything
        status = 404 if isinstance(context.get("error"), NotFound) else 200
    return render_page(request, "identities/browser.html", context, partial="table", status=status)
