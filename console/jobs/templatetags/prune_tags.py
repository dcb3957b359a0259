"""`{% prune_part job %}`: the prune part of a job's page (templates/jobs/_prune.html)."""

from __future__ import annotations

from typing import Any

from django import template

from console.accounts.roles import has_perm
from console.jobs.models import Kind
from console.jobs.views.prune import part_context, reauth_needed

register = template.Library()


@register.inclusion_tag("jobs/_prune.html", takes_context=True)
def prune_part(context: template.Context, job: Any) -> dict[str, Any]:
    if job.kind not in (Kind.PRUNE_DRY_RUN, Kind.PRUNE):
        return {"shown": False}
    request = context["request"]
    part = part_context(job, request.user, context.get("prune_form"), context.get("prune_sample"))
    part.update(
        shown=True,
        request=request,
        csrf_token=context.get("csrf_token"),
        reauth=reauth_needed(request),
        may_download=has_perm(request.user, "lookup_identities"),
    )
    return part
