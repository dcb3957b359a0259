"""The identity browser's inventory mode: filters, order, counts and keyset pages, no Cognito call.

The inventory (console/inventory/) answers from the pool's last listing: the page says "as of"
when, and every link keeps the whole state in its query string (filters, order, page size, the
keyset cursor), so a page can be bookmarked, reloaded and shared. Deleting the matches goes
through the bulk delete's review, which checks them against the live pool (DESIGN.md
invariant 7): the inventory only chooses which ids to propose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from console.inventory import queries, querystring

SOURCES = ("live", "inventory")
PAGE_SIZES = (10, 25, 60, 100)
DEFAULT_PAGE_SIZE = 25
SORT_CHOICES = (
    (queries.Sort.CREATED_DESC, "Created, newest first"),
    (queries.Sort.CREATED, "Created, oldest first"),
    (queries.Sort.MODIFIED_DESC, "Last modified, newest first"),
    (queries.Sort.MODIFIED, "Last modified, oldest first"),
)


def source_of(query: Any, stats: queries.PoolStats) -> str:
    """The mode the URL asks for; without one, the inventory once the pool has been synced."""
    asked = query.get("source", "")
    if asked in SOURCES:
        return asked
    return "inventory" if stats.as_of is not None else "live"


@dataclass(frozen=True)
class InventoryState:
    """Everything the inventory mode's URL says."""

    parsed: querystring.Parsed
    size: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    # The page that ends just before this position (Previous page); `after` wins if both are set.
    before: str | None = None

    @classmethod
    def of(cls, query: Any) -> InventoryState:
        size = query.get("size", "")
        after = query.get("after") or None
        return cls(
            querystring.parse(query),
            int(size) if size in {str(choice) for choice in PAGE_SIZES} else DEFAULT_PAGE_SIZE,
            after,
            None if after else query.get("before") or None,
        )

    def search_query(self) -> dict[str, str]:
        """The filters and order only: what "select all matches" and the export hand on."""
        return querystring.encode(self.parsed.filters, self.parsed.sort)

    def url(self, *, after: str | None = None, before: str | None = None) -> str:
        params = {"source": "inventory", **self.search_query()}
        if self.size != DEFAULT_PAGE_SIZE:
            params["size"] = str(self.size)
        if after:
            params["after"] = after
        elif before:
            params["before"] = before
        return "?" + urlencode(params)

    def here(self) -> str:
        """This page's own URL (query string)."""
        return self.url(after=self.after, before=self.before)


def _optional_url(name: str, *args: Any) -> str | None:
    # Pages of other apps (the bulk delete, the sync) may not be installed in every build.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _providers(stats: queries.PoolStats, chosen: str | None) -> list[str]:
    names = set(stats.providers)
    if chosen:
        names.add(chosen)
    return sorted(names)


def _unknowable(filters: queries.Filters, stats: queries.PoolStats) -> tuple[str, ...]:
    """Why a filter cannot match yet, if it cannot (instead of a silent "0 matches")."""
    if filters.disabled is not None and stats.disabled_as_of is None:
        return (
            "The inventory does not know which identities are disabled yet: that takes a sync "
            "with the disabled option (it lists the pool twice).",
        )
    return ()


def _selection_urls(pool_id: str, state: InventoryState) -> dict[str, str | None]:
    search = urlencode(state.search_query())
    delete = _optional_url("jobs:new_delete")
    export = _optional_url("identities:export_matches", pool_id)
    return {
        "delete_matches_url": f"{delete}?{urlencode({'pool': pool_id, 'inventory_filter': search or 'all'})}"
        if delete
        else None,
        "export_matches_url": f"{export}?{search}" if export else None,
    }


def inventory_context(pool_id: str, state: InventoryState, stats: queries.PoolStats) -> dict[str, Any]:
    """What the inventory mode shows: the form's choices, the matches' count, one keyset page."""
    filters = state.parsed.filters
    context: dict[str, Any] = {
        "inv": state,
        "stats": stats,
        "as_of": stats.as_of,
        "sort_choices": SORT_CHOICES,
        "page_sizes": PAGE_SIZES,
        "providers": _providers(stats, filters.provider),
        "provider_value": state.search_query().get("provider", ""),
        "dates": {name: state.search_query().get(name, "") for name in querystring.DATE_FIELDS},
        "described": querystring.describe(filters),
        "problems": (*state.parsed.problems, *_unknowable(filters, stats)),
        "live_url": "?source=live",
        **_selection_urls(pool_id, state),
    }
    try:
        page = queries.search(
            pool_id, filters, state.parsed.sort, state.after, before=state.before, limit=state.size
        )
    except queries.InvalidCursor as exc:
        context.update(cursor_error=str(exc), first_url=state.url())
        return context
    previous = state.url(before=page.previous_cursor) if page.previous_cursor else None
    # A Previous that seeks back to fewer than a page shows the first page: no First link there.
    not_first = bool(state.after or state.before) and (previous or not page.identities)
    context.update(
        page=page,
        matches=page.matches,
        next_url=state.url(after=page.next_cursor) if page.next_cursor else None,
        prev_url=previous,
        first_url=state.url() if not_first else None,
    )
    return context


def as_of_words(when: dt.datetime | None) -> str:
    """ "2026-03-01 12:00 UTC", or "never synced"."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "never synced"
