"""Bulk-job pages: the list, a job's live progress, cancel, results, and starting a job."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from console.accounts.roles import has_perm, permission_required
from console.audit.export import streaming_writer
from console.audit.record import record_console_action
from console.aws import errors, limiter
from console.htmx import render_page
from console.inventory import pool_names
from console.safeguards.forms import DestructiveConfirmForm
from console.safeguards.reauth import recent_auth_required

from .. import export, intake, membership, prune, runner
from ..forms import DeleteInputForm, JobFilterForm, MergeInputForm
from ..models import DRAFT_LIFETIME, CheckStatus, Draft, Item, Job, Kind, Outcome, Status
from ..numbers import cancel_effects, numbers_of

PAGE_SIZE = 25
LAST_ERRORS = 10
SAMPLE_SIZE = 10
RESULT_BATCH = 2000
# Refused and missing ids named one by one on the review page before "and N more".
SHOWN_ENTRIES = 50
# Kinds whose total grows as the pool is listed: no time left can be told.
WALK_TOTAL_UNKNOWN = (Kind.PRUNE_DRY_RUN, Kind.EXPORT, Kind.SYNC)


# ---------------------------------------------------------------------------------------
# The list


def _filtered(filters: dict[str, str]) -> QuerySet[Job]:
    jobs = Job.objects.all()
    if filters.get("pool"):
        jobs = jobs.filter(pool_id=filters["pool"].strip())
    if filters.get("kind"):
        jobs = jobs.filter(kind=filters["kind"])
    if filters.get("status"):
        jobs = jobs.filter(status=filters["status"])
    if filters.get("who"):
        jobs = jobs.filter(created_by_name=filters["who"].strip())
    return jobs


def _page_url(query: dict[str, str], page: int | None = None) -> str:
    params = dict(query, page=str(page)) if page and page > 1 else query
    return f"?{urlencode(params)}" if params else "?"


@require_safe
@permission_required("view_console")
def job_list(request: HttpRequest) -> HttpResponse:
    """Jobs, newest first, filtered by pool, kind, status and who started them."""
    form = JobFilterForm(request.GET)
    context: dict[str, Any] = {"form": form, "may_run": has_perm(request.user, "run_jobs")}
    if form.is_valid():
        query = form.query()
        page = Paginator(_filtered(form.cleaned_data), PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            # Every pool's name in one query, for {% pool_label %} (templatetags/pool_tags.py).
            pool_names=pool_names.names([job.pool_id for job in page.object_list]),
            filtering=bool(query),
            pool_filter=form.cleaned_data.get("pool", ""),
            first_url=_page_url(query) if page.number > 2 else None,
            prev_url=_page_url(query, page.previous_page_number()) if page.has_previous() else None,
            next_url=_page_url(query, page.next_page_number()) if page.has_next() else None,
        )
    return render_page(request, "jobs/list.html", context, partial="table")


# ---------------------------------------------------------------------------------------
# One job


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def progress_context(job: Job, user: Any, *, polled: bool = False) -> dict[str, Any]:
    """What the progress fragment shows: the numbers in words, the bar, rate, ETA, last errors,
    the end (when it ended) and what may be done next."""
    sample = None
    if job.kind == Kind.PRUNE_DRY_RUN:
        # The matches shown first, then the counters: a match is committed with its count, so
        # read in this order the count is never below the table under it.
        sample = prune.sample(job)
        job.refresh_from_db()
    now = timezone.now()
    numbers = numbers_of(job)
    elapsed = ((job.finished_at or now) - job.started_at).total_seconds() if job.started_at else 0.0
    rate = numbers.progressed / elapsed if elapsed > 0 and numbers.progressed else None
    # Only a job given its items knows how many are left; a walk learns its total as it lists.
    left = job.total - job.processed if job.kind not in WALK_TOTAL_UNKNOWN else 0
    cursor = job.cursor or {}
    errors = Item.objects.filter(job=job, outcome=Outcome.FAILED).order_by("-finished_at", "-id")
    return {
        "job": job,
        "numbers": numbers,
        "percent": round(100 * job.processed / job.total) if job.total else 100,
        "rate": (f"{rate:,.1f}" if rate >= 0.1 else f"{rate:.2g}") if rate else None,
        "elapsed": _duration(elapsed) if elapsed else None,
        "eta": _duration(left / rate) if rate and left and job.is_active else None,
        "last_errors": list(errors[:LAST_ERRORS]),
        "may_cancel": has_perm(user, "run_jobs") and job.status in (Status.QUEUED, Status.RUNNING),
        "prune_sample": sample,
        # A sync's end: the time the inventory is as of.
        "sync_as_of": parse_datetime(cursor["as_of"]) if cursor.get("as_of") else None,
        "refreshed_at": now,
        # The polled fragment (not the page): it also clears an open cancel confirmation at the end.
        "polled": polled,
    }


@require_safe
@permission_required("view_console")
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job: what it does, its live progress, the last errors, Cancel, and its results."""
    job = get_object_or_404(Job, pk=job_id)
    return render(request, "jobs/detail.html", progress_context(job, request.user))


@require_safe
@permission_required("view_console")
@vary_on_headers("HX-Request")
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress fragment, polled every second; 286 once the job has ended stops the polling.

    The fragment holds everything that changes when the job ends (its status, the Ended line,
    the final numbers, the downloads and the prune offer), so the last poll shows the end."""
    job = get_object_or_404(Job, pk=job_id)
    if not request.htmx:
        return redirect("jobs:detail", job_id=job.pk)
    context = progress_context(job, request.user, polled=True)
    response = render(request, "jobs/detail.html#progress", context)
    if not job.is_active:
        response.status_code = 286
    return response


def _cancel_context(job: Job) -> dict[str, Any]:
    partial_of = export.pool_size(job.pool_id) if job.kind == Kind.EXPORT else None
    return {
        "job": job,
        "numbers": numbers_of(job),
        "effects": cancel_effects(job, partial_of=partial_of),
        "cancellable": job.status in (Status.QUEUED, Status.RUNNING),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
@vary_on_headers("HX-Request")
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    """GET: what cancelling the job does, asked once; POST: ask the job to stop (chunks already
    running finish, the others are skipped)."""
    job = get_object_or_404(Job, pk=job_id)
    if request.method != "POST":
        return render_page(request, "jobs/cancel.html", _cancel_context(job), partial="confirm")
    if runner.cancel_job(job.pk, by=request.user.get_username()):
        messages.success(
            request, f"Job {job.pk} is being cancelled: running chunks finish, the rest are skipped."
        )
    else:
        messages.info(request, f"Job {job.pk} had already ended or was already being cancelled.")
    return redirect("jobs:detail", job_id=job.pk)


def _result_header(job: Job) -> list[str]:
    if job.kind == Kind.MERGE:
        return ["line", "source_user_identifier", "destination_user_identifier", "outcome", "identity_id"]
    return ["line", "identity_id", "outcome"]


def _result_row(job: Job, item: Item) -> list[str]:
    if job.kind == Kind.MERGE:
        values = [item.line, item.target, item.destination, item.outcome, item.result]
    else:
        values = [item.line, item.target, item.outcome]
    return [*values, item.error_code, item.message]


def _result_lines(job: Job) -> Iterator[str]:
    writer = streaming_writer()
    yield writer.writerow([*_result_header(job), "error_code", "message"])
    after = (0, 0)
    while True:
        # Keyset over (line, id): a job of a million items streams in constant memory.
        batch = list(
            Item.objects.filter(job=job, line__gte=after[0])
            .exclude(line=after[0], id__lte=after[1])
            .order_by("line", "id")[:RESULT_BATCH]
        )
        for item in batch:
            yield writer.writerow(_result_row(job, item))
        if len(batch) < RESULT_BATCH:
            return
        after = (batch[-1].line, batch[-1].id)


@require_safe
# The results name what the job touched (a merge's are developer user ids): the identity
# page shows those only with lookup_identities, and so does this download.
@permission_required("lookup_identities")
def job_results(request: HttpRequest, job_id: int) -> HttpResponse:
    """Every input item of the job with its outcome, as CSV; every download is audited."""
    job = get_object_or_404(Job, pk=job_id)
    if request.method == "GET":  # HEAD sends no results
        _audit_results_download(job)
    response = StreamingHttpResponse(_result_lines(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-{job.kind}-results.csv"'
    return response


def _audit_results_download(job: Job) -> None:
    record_console_action(
        "job.results_download",
        pool_id=job.pool_id,
        region=job.region,
        request={"job": job.pk, "kind": job.kind, "items": job.total},
        reason=job.reason,
    )


# ---------------------------------------------------------------------------------------
# Starting a job: the input (step 1), then the typed confirmation (step 2)


def _selection(request: HttpRequest) -> dict[str, str]:
    """Initial values from the identity browser's selection (a POST) or the query string."""
    source = request.POST if request.method == "POST" else request.GET
    ids = source.getlist("identity_ids") + source.getlist("identity_id")
    initial = {"pool_id": source.get("pool_id") or source.get("pool") or "", "text": "\n".join(ids)}
    if source.get("inventory_filter"):
        # The inventory browser's "select all N matches": its filter, expanded at the review.
        initial["inventory_filter"] = source["inventory_filter"]
    return initial


def _review(
    request: HttpRequest, form: DeleteInputForm | MergeInputForm, check: Callable[[str, str], intake.Checked]
) -> HttpResponse | dict[str, Any]:
    """A redirect to the confirmation when the input is good; else what the form page shows."""
    if not form.is_valid():
        return {"form": form}
    checked = check(form.cleaned_data["pool_id"], form.cleaned_data["text"])
    if not checked.ok:
        return {"form": form, "problems": checked.problems, "notes": checked.parsed.notes}
    draft = intake.save_draft(checked, request.user)
    return redirect("jobs:confirm", draft_id=draft.pk)


def _input_page(
    request: HttpRequest,
    form_class: type[DeleteInputForm | MergeInputForm],
    check: Callable[[str, str], intake.Checked],
    template: str,
) -> HttpResponse:
    # Only the form's own "Review" button submits it; any other POST (the identity browser's
    # selection) fills the form in, so a selection can never start a job by itself.
    if request.method == "GET" or "review" not in request.POST:
        initial = _selection(request)
        context: dict[str, Any] = {"form": form_class(initial=initial)}
        if initial.get("inventory_filter") and initial["pool_id"]:
            context["matches_note"] = intake.describe_matches(initial["pool_id"], initial["inventory_filter"])
        return render(request, template, context)
    outcome = _review(request, form_class(request.POST, request.FILES), check)
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, template, outcome)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
def new_delete(request: HttpRequest) -> HttpResponse:
    """Step 1 of a bulk delete: the pool and the identity ids (pasted, uploaded or selected)."""
    matches = request.POST.get("inventory_filter", "") if request.method == "POST" else ""
    check = partial(intake.check_delete, matches=matches) if matches else intake.check_delete
    return _input_page(request, DeleteInputForm, check, "jobs/new_delete.html")


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
def new_merge(request: HttpRequest) -> HttpResponse:
    """Step 1 of a batch merge: the pool and a CSV of source,destination developer user ids."""
    return _input_page(request, MergeInputForm, intake.check_merge, "jobs/new_merge.html")


def _changes(draft: Draft) -> list[str]:
    """What cannot be undone, for the danger box (the draft's notes are shown above it)."""
    pool = f"“{draft.pool_name}” ({draft.pool_id})" if draft.pool_name else draft.pool_id
    if draft.kind == Kind.MERGE:
        merges = ngettext("%(count)s merge", "%(count)s merges", draft.count) % {"count": f"{draft.count:,}"}
        return [
            f"{merges} in pool {pool}: each source developer user, with every login of its identity, "
            "will be merged into the destination's identity; the source's old identity will be disabled.",
        ]
    identities = ngettext("%(count)s identity", "%(count)s identities", draft.count) % {
        "count": f"{draft.count:,}"
    }
    return [
        f"{identities} of pool {pool} will be deleted, with their linked logins. "
        "Users who sign in again will get new identity ids.",
    ]


def _own_draft(request: HttpRequest, draft_id: int) -> Draft | None:
    """The user's draft, while it is being checked or was checked less than DRAFT_LIFETIME ago."""
    fresh = timezone.now() - DRAFT_LIFETIME
    return (
        Draft.objects.filter(pk=draft_id, created_by=request.user)
        .filter(Q(check_status=CheckStatus.CHECKING) | Q(checked_at__gte=fresh))
        .first()
    )


def _shown(entries: list[list[Any]]) -> tuple[list[list[Any]], int]:
    """The first entries of a list of refusals (by line), and how many more there are."""
    return entries[:SHOWN_ENTRIES], max(0, len(entries) - SHOWN_ENTRIES)


def _time_left(seconds: float) -> str:
    return f"about {_duration(seconds)}" if seconds >= 1 else "under a second"


def _check_context(draft: Draft) -> dict[str, Any]:
    """What the review shows of the membership check: progress, refusals, missing ids, error."""
    refused, more_refused = _shown(sorted(draft.refused))
    missing, more_missing = _shown(sorted(draft.missing))
    rate = limiter.rate("LookupDeveloperIdentity")
    left = draft.count - draft.checked if draft.is_checking else 0
    context: dict[str, Any] = {
        "refused": refused,
        "more_refused": more_refused,
        "missing": missing,
        "more_missing": more_missing,
        "percent": round(100 * draft.checked / draft.count) if draft.is_checking and draft.count else 100,
        "eta": _time_left(left / rate) if left and rate > 0 else None,
        "lookup_rate": f"{rate:g}",
        "asked_service": draft.checked - draft.inventory_confirmed,
        "refreshed_at": timezone.now(),
    }
    if draft.check_status == CheckStatus.FAILED:
        context["error_hint"] = errors.error_for_code(draft.check_error_code, draft.check_error).hint
    return context


def _input_url(draft: Draft) -> str:
    """The input page of the draft's kind, for its pool."""
    back = reverse("jobs:new_merge" if draft.kind == Kind.MERGE else "jobs:new_delete")
    return f"{back}?{urlencode({'pool': draft.pool_id})}"


def _review_context(draft: Draft, form: DestructiveConfirmForm) -> dict[str, Any]:
    return {
        "draft": draft,
        "form": form,
        "changes": _changes(draft),
        "notes": draft.notes,
        "sample": draft.targets[:SAMPLE_SIZE],
        "button_label": "Merge"
        if draft.kind == Kind.MERGE
        else f"Delete {draft.count:,} identit{'y' if draft.count == 1 else 'ies'}",
        "cancel_url": _input_url(draft),
        "expires_at": draft.expires_at,
        **_check_context(draft),
    }


def _not_startable(request: HttpRequest, draft: Draft) -> HttpResponse:
    merge = draft.kind == Kind.MERGE
    what = "source developer users" if merge else "ids"
    if draft.is_checking:
        messages.error(request, f"The {what} are still being checked against the pool: nothing was started.")
    elif draft.check_status == CheckStatus.FAILED:
        messages.error(request, f"The check of the {what} stopped with an error: nothing was started.")
    else:
        left = "pair is left to merge" if merge else "id is left to delete"
        messages.error(request, f"No {left}: nothing was started.")
    return redirect("jobs:confirm", draft_id=draft.pk)


def _draft_action(request: HttpRequest, draft: Draft) -> HttpResponse | None:
    """The review page's other buttons: discard the draft, or run its failed check again."""
    if "discard" in request.POST:
        Draft.objects.filter(pk=draft.pk).delete()
        messages.info(request, "The list was discarded: nothing was started.")
        return redirect(_input_url(draft))
    if "check_again" in request.POST:
        if membership.check_again(draft):
            messages.info(request, "The check goes on from where it stopped.")
        return redirect("jobs:confirm", draft_id=draft.pk)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
@recent_auth_required
@vary_on_headers("HX-Request")
def confirm(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Step 2: the ids' check against the pool, then the password recently, the typed count and a reason."""
    draft = _own_draft(request, draft_id)
    if draft is None:
        messages.warning(request, "That confirmation has expired or was already used: nothing was started.")
        return redirect("jobs:list")
    if request.method == "POST":
        action = _draft_action(request, draft)
        if action is not None:
            return action
        if not draft.startable:
            return _not_startable(request, draft)
    form = DestructiveConfirmForm(
        request.POST if request.method == "POST" else None,
        expected_text=intake.confirmation_text(draft.kind, draft.count),
    )
    if request.method == "POST" and form.is_valid():
        job = intake.start_draft(draft, reason=form.cleaned_data["reason"], user=request.user)
        if job is None:
            return _not_startable(request, draft)
        messages.success(request, f"Job {job.pk} started.")
        return redirect("jobs:detail", job_id=job.pk)
    response = render_page(request, "jobs/confirm.html", _review_context(draft, form), partial="review")
    if request.htmx and not draft.is_checking:
        # The review polls itself while the ids are checked; 286 once the check ended stops it.
        response.status_code = 286
    return response
