"""`{% sync_section pool_id %}`: the pool page's "Sync inventory" section (templates/jobs/_sync_section.html)."""

from __future__ import annotations

from typing import Any

from django import template

from console.jobs.views.sync import section_context

register = template.Library()


@register.inclusion_tag("jobs/_sync_section.html", takes_context=True)
def sync_section(context: template.Context, pool_id: str) -> dict[str, Any]:
    part = section_context(pool_id)
    part.update(csrf_token=context.get("csrf_token"), perms=context.get("perms"))
    return part
