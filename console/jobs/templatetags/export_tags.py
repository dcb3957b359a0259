"""`{% export_form pool_id %}`: the export form of a pool's page (templates/jobs/_export_form.html)."""

from __future__ import annotations

from typing import Any

from django import template

from console.jobs.views.export import pool_page_form

register = template.Library()


@register.inclusion_tag("jobs/_export_form.html", takes_context=True)
def export_form(context: template.Context, pool_id: str) -> dict[str, Any]:
    return {"form": pool_page_form(pool_id), "csrf_token": context.get("csrf_token")}
