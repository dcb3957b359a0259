"""The pool page: settings, roles and mappings, principal-tag maps, tags, the role tester."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from console.accounts.roles import permission_required
from console.htmx import render_page

from .. import sections
from ..access import gateway_error_page, pool_page


@require_safe
@permission_required("view_console")
@pool_page
@vary_on_headers("HX-Request")
def pool_detail(request: HttpRequest, pool_id: str) -> HttpResponse:
    """The pool page: settings, roles and mappings, principal-tag maps, tags, the role tester."""
    section = request.GET.get("section", "")
    if request.htmx and section in sections.SECTIONS:
        # One section again (after "Cancel" in an in-place edit), without the others' calls.
        context = sections.section_context(request, pool_id, section)
        if "error" in context:
            return gateway_error_page(
                request, pool_id, context["error"], section_id=f"section-{section.replace('_', '-')}"
            )
        return render_page(request, "pools/detail.html", context, partial=section)
    context = sections.page_context(request, pool_id)
    if "error" in context:
        return gateway_error_page(request, pool_id, context["error"])
    return render(request, "pools/detail.html", context)
