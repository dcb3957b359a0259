"""Pool pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from console.accounts.regions import current_region
from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws.pools import list_pools_page

PAGE_SIZE = 25


@require_safe
@permission_required("view_console")
# Same URL, page or fragment: caches (and the browser's back button) must keep them apart.
@vary_on_headers("HX-Request")
def pool_list(request: HttpRequest) -> HttpResponse:
    """The region's identity pools, a page at a time (token in the URL)."""
    region = current_region(request)
    token = request.GET.get("token") or None
    context: dict[str, object] = {"region": region, "token": token}
    try:
        page = context["page"] = list_pools_page(region, PAGE_SIZE, token)
        context["first_url"] = "?" if token else None
        context["next_url"] = f"?{urlencode({'token': page.next_token})}" if page.next_token else None
    except aws_errors.CognitoError as exc:
        context["error"] = exc
    template = "pools/list.html#table" if request.htmx else "pools/list.html"
    return render(request, template, context)
