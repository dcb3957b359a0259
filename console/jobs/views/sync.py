"""Starting an inventory sync from the pool page (admins: run_jobs), and what that page shows of it.

The pool page's "Sync inventory" section (templatetags/sync_tags.py) says, before anything
starts, how long a sync should take at the current ListIdentities quota, from the pool's size at
its last sync ("unknown size: about N s per 300 identities" when it was never synced), and links
a sync that is running. A second start while one runs goes to the running one's page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from console.accounts.roles import permission_required
from console.inventory.models import PoolState
from console.safeguards.forms import REASON_MAX_LENGTH

from .. import sync
from ..models import ACTIVE, Job, Kind
from ..pool import find_pool


class SyncForm(forms.Form):
    pool_id = forms.CharField(max_length=55, widget=forms.HiddenInput)
    disabled = forms.BooleanField(required=False, label="Also find disabled identities")
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        label="Reason (optional, kept in the audit trail)",
        widget=forms.TextInput(attrs={"size": 60}),
    )


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def section_context(pool_id: str) -> dict[str, Any]:
    """What the pool page's sync section shows: the estimate (with and without the disabled
    pass), the last complete sync, and the running sync if any."""
    plain, twice = sync.estimate(pool_id), sync.estimate(pool_id, disabled=True)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "running": sync.running_sync(pool_id),
        "last": Job.objects.filter(kind=Kind.SYNC, pool_id=pool_id).exclude(status__in=ACTIVE).first(),
        "state": PoolState.objects.filter(pk=pool_id).first(),
        "rate": f"{1 / sync.seconds_per_page():g}",
        "size": plain["size"],
    }
    if plain["size"] is None:
        context.update(
            unit=plain["unit"],
            per_unit=_duration(plain["seconds_per_unit"]),
            per_unit_disabled=_duration(twice["seconds_per_unit"]),
        )
        doubled = f"about {context['per_unit_disabled']} per {plain['unit']} identities"
    else:
        context.update(
            size_as_of=plain["as_of"],
            takes=_duration(plain["seconds"]),
            takes_disabled=_duration(twice["seconds"]),
        )
        doubled = f"about {context['takes_disabled']}"
    form = context["form"] = SyncForm(initial={"pool_id": pool_id}, auto_id="sync-%s")
    form.fields[
        "disabled"
    ].help_text = f"Lists the pool a second time, with HideDisabled: it doubles the listing ({doubled})."
    return context


@require_POST
@permission_required("run_jobs")
def new_sync(request: HttpRequest) -> HttpResponse:
    """Start a sync of the pool (the pool page's button); a running one is linked instead."""
    form = SyncForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was started: give the pool id (and a reason under the limit).")
        return redirect("pools:list")
    pool, problem = find_pool(form.cleaned_data["pool_id"])
    if pool is None:
        messages.error(request, f"Nothing was started: {problem}")
        return redirect("pools:list")
    try:
        job = sync.start_sync(
            pool.pool_id,
            user=request.user,
            disabled=form.cleaned_data["disabled"],
            reason=form.cleaned_data["reason"],
        )
    except sync.SyncRunning as running:
        messages.info(request, f"{running} It was not started again: this is the running one.")
        return redirect("jobs:detail", job_id=running.job.pk)
    messages.success(request, f"Sync of pool {pool.name} started (job {job.pk}).")
    return redirect(reverse("jobs:detail", args=[job.pk]))
