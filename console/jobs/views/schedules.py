"""Schedule pages (prunes and inventory syncs): the list (everyone who sees jobs), new / edit /
delete / enable or disable (admins, re-auth), a prune schedule's "Run now" (admins, as a one-off
prune's dry run). `?kind=sync` on the new page makes a sync schedule."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from console.accounts.roles import has_perm, permission_required
from console.aws import errors
from console.htmx import render_page
from console.inventory import pool_names
from console.safeguards.reauth import recent_auth_required

from .. import schedules
from ..forms import ScheduleDeleteForm, ScheduleForm, ScheduleListForm, SyncScheduleForm
from ..models import Job, PruneSchedule, ScheduleKind
from ..pool import find_pool

PAGE_SIZE = 25
RECENT_RUNS = 3


def _filter_of(data: dict[str, Any]) -> schedules.ScheduleFilter:
    return schedules.ScheduleFilter(
        unauthenticated=bool(data.get("unauthenticated")),
        disabled=bool(data.get("disabled")),
        modified_days=data.get("modified_days"),
        created_days=data.get("created_days"),
    )


def _list_url() -> str:
    return reverse("jobs:schedules")


def _initial(schedule: PruneSchedule) -> dict[str, Any]:
    if schedule.is_sync:
        return {
            "pool_id": schedule.pool_id,
            "disabled": bool(schedule.filters.get("disabled")),
            "time_of_day": schedule.time_of_day,
            "enabled": schedule.enabled,
        }
    return {
        "pool_id": schedule.pool_id,
        **schedules.ScheduleFilter.from_dict(schedule.filters).to_dict(),
        "time_of_day": schedule.time_of_day,
        "max_unconfirmed": schedule.max_unconfirmed,
        "enabled": schedule.enabled,
    }


@require_safe
@permission_required("view_console")
def schedule_list(request: HttpRequest) -> HttpResponse:
    """Every prune schedule (or one pool's), with its next run and its recent runs."""
    query = ScheduleListForm(request.GET)
    # A bad filter (too long, a NUL character) is ignored: the page lists every schedule.
    pool = query.cleaned_data["pool"].strip() if query.is_valid() else ""
    found = PruneSchedule.objects.all()
    if pool:
        found = found.filter(pool_id=pool)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "schedule": schedule,
            "filter": schedules.describe(schedule),
            "recent": list(
                Job.objects.filter(schedule=schedule).order_by("-created_at", "-id")[:RECENT_RUNS]
            ),
        }
        for schedule in page.object_list
    ]

    def url(number: int) -> str:
        return "?" + urlencode({**({"pool": pool} if pool else {}), "page": number})

    return render_page(
        request,
        "jobs/schedules.html",
        {
            "rows": rows,
            "page": page,
            "pool_names": pool_names.names([pool, *(row["schedule"].pool_id for row in rows)]),
            "pool_filter": pool,
            "may_run": has_perm(request.user, "run_jobs"),
            "first_url": url(1) if page.number > 2 else None,
            "prev_url": url(page.previous_page_number()) if page.has_previous() else None,
            "next_url": url(page.next_page_number()) if page.has_next() else None,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
@recent_auth_required
def schedule_new(request: HttpRequest) -> HttpResponse:
    """Save a prune (or, with ?kind=sync, an inventory sync) to run every day; the pool must exist."""
    if request.GET.get("kind") == ScheduleKind.SYNC or request.POST.get("kind") == ScheduleKind.SYNC:
        return _new_sync_schedule(request)
    if request.method != "POST":
        initial = {"pool_id": request.GET.get("pool", "")[:55], "enabled": True, "unauthenticated": True}
        return render(request, "jobs/schedule_form.html", {"form": ScheduleForm(initial=initial)})
    form = ScheduleForm(request.POST)
    problem = ""
    if form.is_valid():
        pool, problem = find_pool(form.cleaned_data["pool_id"])
        if pool is not None:
            data = form.cleaned_data
            schedule = schedules.create(
                pool.pool_id,
                _filter_of(data),
                time_of_day=data["time_of_day"],
                max_unconfirmed=data["max_unconfirmed"],
                reason=data["reason"],
                user=request.user,
                pool_name=pool.name,
                enabled=data["enabled"],
            )
            messages.success(
                request,
                f"Schedule {schedule.pk} saved: its first run is {schedule.next_run_at:%Y-%m-%d %H:%M} UTC.",
            )
            return redirect(f"{_list_url()}?pool={schedule.pool_id}")
    return render(request, "jobs/schedule_form.html", {"form": form, "problem": problem})


def _sync_form_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "jobs/schedule_form.html", {**context, "sync": True}, status=status)


def _new_sync_schedule(request: HttpRequest) -> HttpResponse:
    """A daily sync of one pool, or of every pool of AWS_REGIONS (pool left empty)."""
    if request.method != "POST":
        initial = {"pool_id": request.GET.get("pool", "")[:55], "enabled": True}
        return _sync_form_page(request, {"form": SyncScheduleForm(initial=initial)})
    form = SyncScheduleForm(request.POST)
    problem = ""
    if form.is_valid():
        data = form.cleaned_data
        pool = None
        if data["pool_id"]:
            pool, problem = find_pool(data["pool_id"])
        if not problem:
            schedule = schedules.create_sync(
                pool.pool_id if pool else "",
                disabled=data["disabled"],
                time_of_day=data["time_of_day"],
                reason=data["reason"],
                user=request.user,
                pool_name=pool.name if pool else "",
                enabled=data["enabled"],
            )
            messages.success(
                request,
                f"Schedule {schedule.pk} saved: its first sync is {schedule.next_run_at:%Y-%m-%d %H:%M} UTC.",
            )
            return redirect(f"{_list_url()}?pool={schedule.pool_id}" if schedule.pool_id else _list_url())
    return _sync_form_page(request, {"form": form, "problem": problem})


def _edit_sync_schedule(request: HttpRequest, schedule: PruneSchedule) -> HttpResponse:
    context: dict[str, Any] = {"schedule": schedule}
    if request.method != "POST":
        return _sync_form_page(
            request, {**context, "form": SyncScheduleForm(initial=_initial(schedule), pool_fixed=True)}
        )
    # The pools of a schedule do not change: other pools are another schedule.
    form = SyncScheduleForm({**request.POST.dict(), "pool_id": schedule.pool_id}, pool_fixed=True)
    if not form.is_valid():
        return _sync_form_page(request, {**context, "form": form})
    data = form.cleaned_data
    schedule.created_by = request.user
    schedule.created_by_name = request.user.get_username()
    schedules.update(
        schedule,
        schedules.ScheduleFilter(),
        time_of_day=data["time_of_day"],
        max_unconfirmed=0,
        enabled=data["enabled"],
        reason=data["reason"],
        options={"disabled": data["disabled"]},
    )
    state = f"next sync {schedule.next_run_at:%Y-%m-%d %H:%M} UTC" if schedule.enabled else "disabled"
    messages.success(request, f"Schedule {schedule.pk} saved ({state}).")
    return redirect(f"{_list_url()}?pool={schedule.pool_id}" if schedule.pool_id else _list_url())


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
@recent_auth_required
def schedule_edit(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Change a schedule's filter, time, limit or state; saving makes you its owner."""
    schedule = get_object_or_404(PruneSchedule, pk=schedule_id)
    if schedule.is_sync:
        return _edit_sync_schedule(request, schedule)
    context: dict[str, Any] = {"schedule": schedule}
    if request.method != "POST":
        context["form"] = ScheduleForm(initial=_initial(schedule), pool_fixed=True)
        return render(request, "jobs/schedule_form.html", context)
    # The pool of a schedule does not change: a different pool is a different schedule.
    form = ScheduleForm({**request.POST.dict(), "pool_id": schedule.pool_id}, pool_fixed=True)
    if form.is_valid():
        data = form.cleaned_data
        schedule.created_by = request.user
        schedule.created_by_name = request.user.get_username()
        schedules.update(
            schedule,
            _filter_of(data),
            time_of_day=data["time_of_day"],
            max_unconfirmed=data["max_unconfirmed"],
            enabled=data["enabled"],
            reason=data["reason"],
        )
        state = f"next run {schedule.next_run_at:%Y-%m-%d %H:%M} UTC" if schedule.enabled else "disabled"
        messages.success(request, f"Schedule {schedule.pk} saved ({state}).")
        return redirect(f"{_list_url()}?pool={schedule.pool_id}")
    context["form"] = form
    return render(request, "jobs/schedule_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
@recent_auth_required
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Ask, then remove a schedule; jobs it started stay in the job list."""
    schedule = get_object_or_404(PruneSchedule, pk=schedule_id)
    form = ScheduleDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        pool_id = schedule.pool_id
        schedules.delete(schedule, reason=form.cleaned_data["reason"])
        messages.success(request, f"Schedule {schedule_id} deleted: it starts no more runs.")
        return redirect(f"{_list_url()}?pool={pool_id}")
    context = {
        "schedule": schedule,
        "form": form,
        "filter": schedules.describe(schedule),
    }
    return render(request, "jobs/schedule_delete.html", context)


def _back_to_list(schedule: PruneSchedule) -> HttpResponse:
    return redirect(f"{_list_url()}?pool={schedule.pool_id}" if schedule.pool_id else _list_url())


@require_POST
@permission_required("run_jobs")
@recent_auth_required
def schedule_enabled(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Enable (enabled=1) or disable (enabled=0) a schedule from the list; its owner stays."""
    schedule = get_object_or_404(PruneSchedule, pk=schedule_id)
    wanted = request.POST.get("enabled")
    if wanted not in ("0", "1"):
        messages.error(request, "Nothing was changed: say whether to enable or disable the schedule.")
        return _back_to_list(schedule)
    enabled = wanted == "1"
    if not schedules.set_enabled(schedule, enabled):
        messages.info(request, f"Schedule {schedule.pk} was already {'enabled' if enabled else 'disabled'}.")
    elif enabled:
        schedule.refresh_from_db()
        messages.success(
            request, f"Schedule {schedule.pk} enabled: next run {schedule.next_run_at:%Y-%m-%d %H:%M} UTC."
        )
    else:
        messages.success(request, f"Schedule {schedule.pk} disabled: it starts no runs until enabled again.")
    return _back_to_list(schedule)


@require_POST
@permission_required("run_jobs")
def schedule_run_now(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Start a schedule's run now: a sync schedule's syncs, or a prune schedule's dry run
    (deleting then needs the typed count, as a one-off prune)."""
    schedule = get_object_or_404(PruneSchedule, pk=schedule_id)
    if schedule.is_sync:
        return _run_sync_now(request, schedule)
    job = schedules.run_now(schedule, user=request.user)
    messages.success(
        request,
        f"Dry run {job.pk} of schedule {schedule.pk} started: it counts the matches and deletes nothing. "
        "To delete them, type the count back on its page.",
    )
    return redirect("jobs:detail", job_id=job.pk)


def _run_sync_now(request: HttpRequest, schedule: PruneSchedule) -> HttpResponse:
    try:
        results = schedules.run_sync_now(schedule, user=request.user)
    except errors.CognitoError as exc:
        messages.error(request, f"Nothing was started: listing the pools failed: {exc.code}: {exc.message}")
        return _back_to_list(schedule)
    started = [job.pk for _, job, new in results if new]
    running = [job.pk for _, job, new in results if not new]
    if len(results) == 1:
        job = results[0][1]
        if running:
            messages.info(
                request, f"A sync of this pool is already running (job {job.pk}): not started again."
            )
        else:
            messages.success(request, f"Sync {job.pk} of schedule {schedule.pk} started.")
        return redirect("jobs:detail", job_id=job.pk)
    words = f"{len(started)} sync(s) of schedule {schedule.pk} started"
    if running:
        words += f"; {len(running)} pool(s) were still syncing and were not started again"
    messages.success(request, f"{words}.")
    return redirect(f"{reverse('jobs:list')}?{urlencode({'kind': 'sync'})}")
