"""The lookup (the header's search box): an identity id, a pool id or a developer user id."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from console.accounts.roles import permission_required
from console.aws.catalog import catalog
from console.aws.errors import CognitoError

from .. import lookup
from ..links import identity_url, pool_page_url


def _go(request: HttpRequest, url: str) -> HttpResponse:
    # An htmx search lands on the found page as a whole page, not inside the results box.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _find_id(request: HttpRequest, query: lookup.Query, context: dict[str, Any]) -> HttpResponse | None:
    try:
        found = lookup.find_id(query.text)
    except CognitoError as exc:
        context["error"] = exc
        return None
    if found is None:
        context["not_found"] = True
        return None
    if found.kind == "identity":
        return _go(request, identity_url(query.text, found.pool_id))
    return _go(request, pool_page_url(query.text))


def _search_developer_user(
    request: HttpRequest, query: lookup.Query, context: dict[str, Any]
) -> HttpResponse | None:
    pools = catalog(refresh=request.GET.get("refresh") == "1")
    context["catalog"] = pools
    result = context["search"] = lookup.search_developer_user(query.text, pools, context["only_pool"])
    if len(result.matches) == 1 and not result.failures:
        match = result.matches[0]
        return _go(request, identity_url(match.identity_id, match.pool.pool_id))
    return None


@require_safe
@permission_required("lookup_identities")
@vary_on_headers("HX-Request")
def lookup_view(request: HttpRequest) -> HttpResponse:
    """Find an identity by identity id, pool id or developer user id, in one search."""
    query = lookup.parse(request.GET.get("q", ""))
    context: dict[str, Any] = {"query": query, "only_pool": request.GET.get("pool", "")}
    answer = None
    if query.kind == "id":
        answer = _find_id(request, query, context)
    elif query.kind == "developer_user":
        answer = _search_developer_user(request, query, context)
    if answer is not None:
        return answer
    if "catalog" not in context and not request.htmx:
        # The narrowing selector offers the pools a developer-user search would ask.
        context["catalog"] = catalog()
    template = "identities/lookup.html#results" if request.htmx else "identities/lookup.html"
    return render(request, template, context)
