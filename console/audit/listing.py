"""The audit list's filters and its keyset pages (newest first, never OFFSET)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.http import QueryDict

from .models import AuditEvent, AuditEventIdentity, Outcome
from .record import CONSOLE_ACTIONS, MUTATING_OPERATIONS, READ_ONLY_ACTIONS

PAGE_SIZE = 50

KNOWN_OPERATIONS = (*sorted(MUTATING_OPERATIONS), *CONSOLE_ACTIONS)
_OPERATION_NAME = re.compile(r"[A-Za-z][\w.:-]{0,63}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# The filter fields, in the order they appear in URLs ("changes" only when it is off: on is
# the default, so the plain URL shows changes only).
FILTERS = ("user", "operation", "pool", "identity", "outcome", "date_from", "date_to")
# The operations the trail holds are read again after this long (a new one shows up in the
# select within a minute of its first event).
RECORDED_SECONDS = 60
_RECORDED_KEY = "audit:recorded-operations"
# The smallest name, then the smallest above it, and so on: each step one probe of the
# operation index (audit_op_time_idx), on SQLite and PostgreSQL alike.
_RECORDED_SQL = (
    "WITH RECURSIVE ops(name) AS ("
    " SELECT MIN(operation) FROM audit_auditevent"
    " UNION ALL SELECT (SELECT MIN(operation) FROM audit_auditevent WHERE operation > ops.name)"
    " FROM ops WHERE ops.name IS NOT NULL"
    ") SELECT name FROM ops WHERE name IS NOT NULL"
)


def recorded_operations() -> list[str]:
    """Every operation name the trail holds, read off the operation index one name at a time
    (a loose index scan: one probe per distinct name, whatever the size of the trail)."""
    names = cache.get(_RECORDED_KEY)
    if names is None:
        with connection.cursor() as cursor:
            cursor.execute(_RECORDED_SQL)
            names = [row[0] for row in cursor.fetchall()]
        cache.set(_RECORDED_KEY, names, RECORDED_SECONDS)
    return names


def _on_unless_zero(data: Any, name: str) -> bool:
    values = data.getlist(name) if isinstance(data, QueryDict) else [data.get(name)]
    values = [value for value in values if value is not None]
    return not values or values[-1] != "0"


class OnUnlessZeroCheckbox(forms.CheckboxInput):
    """A box that is on unless the query says `name=0`: on by default, bookmarkable both ways.

    The form sends a hidden `name=0` before the box's `name=1`, so that an unticked box (which
    browsers leave out) still says so without JavaScript: the last value counts.
    """

    def value_from_datadict(self, data: Any, files: Any, name: str) -> bool:
        return _on_unless_zero(data, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class AuditFilterForm(forms.Form):
    """The list's filters, read from the query string."""

    user = forms.CharField(
        required=False,
        max_length=200,
        label="User",
        widget=forms.TextInput(attrs={"list": "audit-users", "autocomplete": "off"}),
    )
    operation = forms.CharField(required=False, max_length=64, label="Operation", widget=forms.Select)
    pool = forms.CharField(
        required=False, max_length=64, label="Pool id", widget=forms.TextInput(attrs={"size": 30})
    )
    identity = forms.CharField(
        required=False, max_length=64, label="Identity id", widget=forms.TextInput(attrs={"size": 30})
    )
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any outcome"), *Outcome.choices], label="Outcome"
    )
    date_from = forms.DateField(
        required=False, label="From (UTC)", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To (UTC)", widget=forms.DateInput(attrs={"type": "date"})
    )
    changes = forms.BooleanField(
        required=False,
        label="Changes only",
        widget=OnUnlessZeroCheckbox(attrs={"value": "1"}),
        help_text="Hides sign-ins, sign-outs, refused sign-ins, downloads and other events that change nothing. A chosen operation is always shown.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A select of the operations, keeping one asked for by a link that the list does not name.
        names = self.operation_choices()
        self.fields["operation"].widget.choices = [
            ("", "Any operation"),
            ("Changes", [(name, name) for name in names if name not in READ_ONLY_ACTIONS]),
            (
                "Sign-ins, downloads and other reads",
                [(name, name) for name in names if name in READ_ONLY_ACTIONS],
            ),
        ]

    def clean_date_from(self) -> date | None:
        return _within_range(self.cleaned_data["date_from"])

    def clean_date_to(self) -> date | None:
        return _within_range(self.cleaned_data["date_to"])

    def clean_operation(self) -> str:
        # Any well-formed name filters: events of an operation the page does not know yet
        # (a newer console action) must still be findable from a link.
        operation = self.cleaned_data["operation"]
        if operation and not _OPERATION_NAME.fullmatch(operation):
            raise forms.ValidationError("Not an operation name.")
        return operation

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def operation_choices(self) -> list[str]:
        """The operations the select offers: those the console records (the gateway's mutating
        calls, its own actions), those the trail holds (older or newer names), the one asked for."""
        known = dict.fromkeys([*KNOWN_OPERATIONS, *sorted(recorded_operations())])
        asked = self.data.get("operation", "")
        if asked and _OPERATION_NAME.fullmatch(asked):
            known.setdefault(asked)
        return list(known)

    def query(self) -> dict[str, str]:
        """The valid, non-empty filters as query-string values (changes=0 when the box is off)."""
        query = {name: str(self.cleaned_data[name]) for name in FILTERS if self.cleaned_data.get(name)}
        if not self.cleaned_data.get("changes"):
            query["changes"] = "0"
        return query


# The range a date filter may take: the day after the last one must still be a date (date_to
# is inclusive, so the query runs to its next midnight), and no event is older than 1970.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date.max - timedelta(days=1)


def _within_range(day: date | None) -> date | None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise forms.ValidationError(f"Enter a date between {FIRST_DAY:%Y-%m-%d} and {LAST_DAY:%Y-%m-%d}.")
    return day


def filtered(
    data: dict[str, Any], *, older_than: Cursor | None = None, newer_than: Cursor | None = None
) -> QuerySet[AuditEvent]:
    """The events matching the form's cleaned filters, newest first.

    With `older_than`, only the events older than that cursor; with `newer_than`, only those
    newer than it, oldest first (the ones nearest the cursor first).
    """
    exact = {"user": "actor", "operation": "operation", "pool": "pool_id"}
    events = AuditEvent.objects.filter(
        **{column: data[name] for name, column in exact.items() if data.get(name)}
    )
    if data.get("identity"):
        # Through the identity index, as the identity page's history reads it: it also holds
        # every id a bulk DeleteIdentities named and both identities of a merge, which the
        # event's own identity_id column does not.
        named = AuditEventIdentity.objects.filter(identity_id=data["identity"]).values("event_id")
        events = events.filter(id__in=named)
    if data.get("outcome"):
        events = events.filter(outcome=data["outcome"])
    if data.get("changes") and not data.get("operation"):
        events = events.exclude(operation__in=sorted(READ_ONLY_ACTIONS))
    start = _midnight(data["date_from"]) if data.get("date_from") else None
    # Inclusive: the whole of the last day.
    end = _midnight(data["date_to"] + timedelta(days=1)) if data.get("date_to") else None
    # SQLite ranges over an index with one bound per side: a date bound that the cursor
    # already implies is left out, so that the tighter cursor bound is the one it uses.
    if older_than is not None:
        end = end if end is not None and end <= older_than.created_at else None
        events = events.filter(created_at__lte=older_than.created_at).exclude(
            created_at=older_than.created_at, id__gte=older_than.id
        )
    if newer_than is not None:
        start = start if start is not None and start > newer_than.created_at else None
        events = events.filter(created_at__gte=newer_than.created_at).exclude(
            created_at=newer_than.created_at, id__lte=newer_than.id
        )
    if start is not None:
        events = events.filter(created_at__gte=start)
    if end is not None:
        events = events.filter(created_at__lt=end)
    if newer_than is not None:
        return events.order_by("created_at", "id")
    return events.order_by("-created_at", "-id")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


@dataclass(frozen=True)
class Cursor:
    """A position in the (created_at, id) order: the row a page continues from."""

    created_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{(self.created_at - _EPOCH) // _MICROSECOND}-{self.id}"

    @classmethod
    def of(cls, event: AuditEvent) -> Cursor:
        return cls(event.created_at, event.id)

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor written by str(), or None for anything else."""
        match = re.fullmatch(r"(\d{1,17})-(\d{1,18})", text or "")
        if not match:
            return None
        try:
            return cls(_EPOCH + int(match[1]) * _MICROSECOND, int(match[2]))
        except OverflowError:
            return None


@dataclass(frozen=True)
class Page:
    """One page of events, newest first, and the cursors of its neighbours."""

    events: tuple[AuditEvent, ...]
    older: Cursor | None
    newer: Cursor | None


def page_of(data: dict[str, Any], older_than: Cursor | None, newer_than: Cursor | None) -> Page:
    """The page of filtered events older than `older_than`, newer than `newer_than`, or the newest page."""
    if newer_than is not None:
        rows = list(filtered(data, newer_than=newer_than)[: PAGE_SIZE + 1])
        if len(rows) <= PAGE_SIZE:
            # Back at the top: show the newest page whole rather than a short one.
            return page_of(data, None, None)
        rows = rows[:PAGE_SIZE][::-1]
        return Page(tuple(rows), Cursor.of(rows[-1]), Cursor.of(rows[0]))
    rows = list(filtered(data, older_than=older_than)[: PAGE_SIZE + 1])
    more_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    newer = Cursor.of(rows[0]) if older_than is not None and rows else None
    return Page(tuple(rows), Cursor.of(rows[-1]) if more_older else None, newer)


def page_url(query: dict[str, str], **cursor: Cursor | None) -> str:
    """`?filters&older_than=...` (or newer_than=): a link to a neighbour page keeping the filters."""
    params = dict(query)
    params.update({name: str(value) for name, value in cursor.items() if value is not None})
    return "?" + urlencode(params)


def iter_batches(data: dict[str, Any], size: int = 1000) -> Iterator[AuditEvent]:
    """Every filtered event, newest first, read in keyset batches (for the CSV export)."""
    batch = list(filtered(data)[:size])
    while batch:
        yield from batch
        if len(batch) < size:
            return
        batch = list(filtered(data, older_than=Cursor.of(batch[-1]))[:size])
