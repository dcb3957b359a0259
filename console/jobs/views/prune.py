"""Prune pages: the filter form that starts a dry run, and the real run's confirmation.

The confirmation lives on the dry run's own page (templates/jobs/_prune.html, shown by the
`prune_part` tag): admins type the dry run's count back with a reason, after entering their
password recently; everyone else sees the count, the filter and the sample.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from console.accounts.roles import has_perm, permission_required
from console.htmx import render_page
from console.inventory import pool_names
from console.safeguards.forms import DestructiveConfirmForm
from console.safeguards.reauth import password_entered_recently, recent_auth_required

from .. import prune
from ..forms import PruneForm
from ..models import Job, Kind, Status
from ..pool import find_pool
from .jobs import progress_context


def _filters(form: PruneForm) -> prune.Filters:
    return prune.Filters(
        unauthenticated=form.cleaned_data["unauthenticated"],
        disabled=form.cleaned_data["disabled"],
        modified_before=form.cleaned_data["modified_before"],
        created_before=form.cleaned_data["created_before"],
    )


def _estimate_page(request: HttpRequest) -> HttpResponse:
    """The form as posted, with the inventory's instant estimate (the "Estimate" button: the
    whole page without JavaScript, with htmx only the estimate's part); nothing starts."""
    form = PruneForm(request.POST)
    context: dict[str, Any] = {"form": form, "estimating": True}
    if form.is_valid():
        context["estimate"] = prune.estimate(form.cleaned_data["pool_id"].strip(), _filters(form))
    return render_page(request, "jobs/new_prune.html", context, partial="estimate")


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("run_jobs")
def new_prune(request: HttpRequest) -> HttpResponse:
    """The pool and the filter, with an estimate from the inventory on request; submitting starts
    the dry run (nothing is deleted yet)."""
    if request.method != "POST":
        initial = {"pool_id": request.GET.get("pool") or request.GET.get("pool_id") or ""}
        return render(request, "jobs/new_prune.html", {"form": PruneForm(initial=initial)})
    if "estimate" in request.POST:
        return _estimate_page(request)
    form = PruneForm(request.POST)
    problem = ""
    if form.is_valid():
        pool, problem = find_pool(form.cleaned_data["pool_id"])
        if pool is not None:
            filters = _filters(form)
            job = prune.start_dry_run(
                pool.pool_id, filters, user=request.user, reason=form.cleaned_data["reason"].strip()
            )
            messages.success(request, f"Dry run {job.pk} started: it counts the matches and deletes nothing.")
            return redirect("jobs:detail", job_id=job.pk)
    return render(request, "jobs/new_prune.html", {"form": form, "problem": problem})


def part_context(
    job: Job, user: Any, form: DestructiveConfirmForm | None = None, sample: list[Any] | None = None
) -> dict[str, Any]:
    """What the prune part of a job's page shows (see templatetags/prune_tags.py); `sample`: the
    dry run's first matches when the caller read them already."""
    cursor = job.cursor or {}
    dry_run = job if job.kind == Kind.PRUNE_DRY_RUN else job.dry_run
    context: dict[str, Any] = {
        "job": job,
        "filter_words": prune.filters_of(job).describe(),
        "listed": cursor.get("listed", 0),
        "pages": cursor.get("pages", 0),
        "first_pass": cursor.get("pass") == 1 and job.walk_state == "listing",
        "new_matches": cursor.get("new_matches", 0),
        "dry_run": dry_run,
    }
    if job.kind == Kind.PRUNE_DRY_RUN:
        real_run = prune.real_run_of(job)
        may_run = has_perm(user, "run_jobs")
        offer = job.status == Status.SUCCEEDED and job.total > 0 and real_run is None and may_run
        context.update(
            sample=prune.sample(job) if sample is None else sample,
            real_run=real_run,
            may_run=may_run,
            offer=offer,
            expected=prune.confirmation_text(job.total),
            changes=[
                f"Up to {job.total:,} identit{'y' if job.total == 1 else 'ies'} of pool {pool_names.name_of(job.pool_id).text} that this "
                "dry run matched will be deleted, with their linked logins. Users who sign in again will get "
                "new identity ids.",
            ],
            notes=[
                "The pool will be listed again first: an identity that changed since the dry run and no longer "
                "matches will not be deleted (it is counted as skipped, with the reason), and identities that "
                "newly match will not be deleted either.",
            ],
            form=form
            or (DestructiveConfirmForm(expected_text=prune.confirmation_text(job.total)) if offer else None),
        )
    return context


@require_POST
@permission_required("run_jobs")
@recent_auth_required
def prune_run(request: HttpRequest, job_id: int) -> HttpResponse:
    """The typed count and a reason: start the real run of this dry run."""
    dry_run = get_object_or_404(Job, pk=job_id, kind=Kind.PRUNE_DRY_RUN)
    problem = prune.refusal(dry_run)
    if problem:
        messages.warning(request, f"Nothing was started: {problem}")
        return redirect("jobs:detail", job_id=dry_run.pk)
    form = DestructiveConfirmForm(request.POST, expected_text=prune.confirmation_text(dry_run.total))
    if form.is_valid():
        try:
            job = prune.start_real_run(dry_run, user=request.user, reason=form.cleaned_data["reason"])
        except ValueError as exc:
            messages.warning(request, f"Nothing was started: {exc}")
            return redirect("jobs:detail", job_id=dry_run.pk)
        messages.success(
            request,
            f"Prune {job.pk} started: it will delete at most {dry_run.total:,} identit{'y' if dry_run.total == 1 else 'ies'}.",
        )
        return redirect("jobs:detail", job_id=job.pk)
    context = progress_context(dry_run, request.user)
    context["prune_form"] = form
    return render(request, "jobs/detail.html", context, status=400)


def reauth_needed(request: HttpRequest) -> bool:
    return not password_entered_recently(request)
