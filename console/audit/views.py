"""The audit trail page and its CSV export (read-only: events are never edited here)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from console.accounts.roles import permission_required
from console.htmx import render_page

from .export import csv_lines
from .listing import AuditFilterForm, Cursor, Page, iter_batches, page_of, page_url
from .models import AuditEvent
from .record import record_console_action

_USER_SUGGESTIONS = 500


@dataclass(frozen=True)
class Change:
    """One changed key of an event's before → after, as JSON text (None: absent)."""

    key: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class EventRow:
    """An event and its details, ready for the template."""

    event: AuditEvent
    request_json: str
    changes: tuple[Change, ...]
    job_id: int | None = None
    identities_named: int = 0

    @classmethod
    def of(cls, event: AuditEvent) -> EventRow:
        named = event.request.get("IdentityIdsToDelete") if isinstance(event.request, dict) else None
        return cls(
            event,
            _pretty(event.request),
            _changes(event.before, event.after),
            _job_of(event),
            len(named) if isinstance(named, list) and len(named) > 1 else 0,
        )


_JOB_ACTOR = re.compile(r"jobs:(\d{1,18})")


def _job_of(event: AuditEvent) -> int | None:
    """The job an event belongs to: recorded with it, or (events from before that) named by its
    actor, "jobs:<id>", or by a job action's request."""
    if event.job_id:
        return event.job_id
    actor = _JOB_ACTOR.fullmatch(event.actor)
    if actor:
        return int(actor[1])
    job = event.request.get("job") if isinstance(event.request, dict) else None
    if event.operation.startswith("job.") and isinstance(job, int) and not isinstance(job, bool):
        return job
    return None


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _changes(before: Any, after: Any) -> tuple[Change, ...]:
    before = before if isinstance(before, dict) else ({} if before is None else {"(value)": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"(value)": after})
    return tuple(
        Change(
            key,
            _pretty(before[key]) if key in before else None,
            _pretty(after[key]) if key in after else None,
        )
        for key in sorted({*before, *after})
    )


def _page_context(form: AuditFilterForm, request: HttpRequest) -> dict[str, Any]:
    query = form.query()
    older_than = Cursor.parse(request.GET.get("older_than"))
    newer_than = Cursor.parse(request.GET.get("newer_than"))
    page: Page = page_of(form.cleaned_data, older_than, newer_than)
    paged = bool(request.GET.get("older_than") or request.GET.get("newer_than"))
    hiding_reads = bool(form.cleaned_data["changes"] and not form.cleaned_data["operation"])
    return {
        "rows": [EventRow.of(event) for event in page.events],
        "filtering": bool(query) or hiding_reads,
        "hiding_reads": hiding_reads,
        "paged": paged,
        "first_url": page_url(query)
        if request.GET.get("older_than") or request.GET.get("newer_than")
        else None,
        "older_url": page_url(query, older_than=page.older) if page.older else None,
        "newer_url": page_url(query, newer_than=page.newer) if page.newer else None,
        # The export is a POST (CSRF-protected): a link from another site cannot start one.
        "export_filters": sorted(query.items()),
    }


@require_safe
@permission_required("view_audit")
def event_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first, filtered and paged by the query string."""
    form = AuditFilterForm(request.GET)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        context.update(_page_context(form, request))
    if not request.htmx:
        names = get_user_model().objects.order_by("username").values_list("username", flat=True)
        context["user_names"] = list(names[:_USER_SUGGESTIONS])
    return render_page(request, "audit/list.html", context, partial="table")


@require_POST
@permission_required("view_audit")
def export_csv(request: HttpRequest) -> HttpResponse:
    """Every event matching the posted filters as CSV, streamed in keyset batches.

    A POST with the page's CSRF token, not a GET: the export is itself recorded, and a link or
    image on another site must not be able to make an admin's browser record (or run) one.
    """
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        return HttpResponseBadRequest(f"Invalid filters: {problems}", content_type="text/plain")
    # Reading the trail in bulk is itself worth knowing about.
    record_console_action("console.audit_export", request=form.query())
    response = StreamingHttpResponse(
        csv_lines(iter_batches(form.cleaned_data)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
