"""A search's filters and order as query-string pairs, and back.

One spelling shared by every page that hands a search on (the browser's bookmarkable URLs, its
"select all N matches" link to the bulk delete, its export of the matches), so a filter means
the same thing wherever it travels. Dates are UTC days: "from" includes its day, "before"
excludes it (the half-open ranges of queries.Filters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .queries import Filters, Sort

GUESTS = "guests"  # the provider choice meaning "no linked login"
SIGNED_IN = "signed-in"  # the provider choice meaning "any linked login"
DATE_FIELDS = ("created_from", "created_before", "modified_from", "modified_before")
NAMES = ("provider", *DATE_FIELDS, "disabled", "id", "sort")
ID_CONTAINS_MAX = 55


@dataclass(frozen=True)
class Parsed:
    """The filters and order a query string asked for; `problems` names what was set aside."""

    filters: Filters
    sort: Sort
    problems: tuple[str, ...] = field(default=())


def _day(text: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.UTC)


def parse(query: Mapping[str, str]) -> Parsed:
    """The filters of `query` (a request's GET); a value that is not valid is left out, and said."""
    problems: list[str] = []
    values: dict[str, object] = {}
    provider = (query.get("provider") or "").strip()
    if provider == GUESTS:
        values["guests"] = True
    elif provider == SIGNED_IN:
        values["guests"] = False
    elif provider:
        values["provider"] = provider[:128]
    for name in DATE_FIELDS:
        text = (query.get(name) or "").strip()
        if not text:
            continue
        try:
            values[name] = _day(text)
        except ValueError:
            problems.append(f"“{text[:20]}” is not a date (YYYY-MM-DD): that filter was left out.")
    disabled = query.get("disabled") or ""
    if disabled in ("yes", "no"):
        values["disabled"] = disabled == "yes"
    contains = (query.get("id") or "").strip()[:ID_CONTAINS_MAX]
    if contains:
        values["id_contains"] = contains
    try:
        sort = Sort(query.get("sort") or Sort.CREATED_DESC.value)
    except ValueError:
        sort = Sort.CREATED_DESC
        problems.append("That order is not one of the choices: newest first is shown.")
    return Parsed(Filters(**values), sort, tuple(problems))  # type: ignore[arg-type]


def encode(filters: Filters, sort: Sort = Sort.CREATED_DESC) -> dict[str, str]:
    """The query-string pairs of `filters` and `sort` (defaults left out); `parse` reads them back."""
    pairs: dict[str, str] = {}
    if filters.provider:
        pairs["provider"] = filters.provider
    elif filters.guests is not None:
        pairs["provider"] = GUESTS if filters.guests else SIGNED_IN
    for name in DATE_FIELDS:
        value: dt.datetime | None = getattr(filters, name)
        if value is not None:
            pairs[name] = value.astimezone(dt.UTC).date().isoformat()
    if filters.disabled is not None:
        pairs["disabled"] = "yes" if filters.disabled else "no"
    if filters.id_contains:
        pairs["id"] = filters.id_contains
    if sort is not Sort.CREATED_DESC:
        pairs["sort"] = sort.value
    return pairs


def describe(filters: Filters) -> str:
    """The filters in words, e.g. "guests, created before 2026-03-01" ("every identity" if none)."""
    parts: list[str] = []
    if filters.provider:
        parts.append(f"linked to {filters.provider}")
    elif filters.guests is not None:
        parts.append("guests" if filters.guests else "signed in")
    words = {
        "created_from": "created from",
        "created_before": "created before",
        "modified_from": "last modified from",
        "modified_before": "last modified before",
    }
    for name, label in words.items():
        value: dt.datetime | None = getattr(filters, name)
        if value is not None:
            parts.append(f"{label} {value.astimezone(dt.UTC).date().isoformat()}")
    if filters.disabled is not None:
        parts.append("disabled" if filters.disabled else "enabled")
    if filters.id_contains:
        parts.append(f"id containing “{filters.id_contains}”")
    return ", ".join(parts) or "every identity"
