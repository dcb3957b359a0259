"""The lookup (the header's search box): an identity id, a pool id or a developer user id."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from console.accounts.roles import permission_required
from console.aws.catalog import catalog
from console.aws.errors import CognitoError, Throttled
from console.htmx import go_to, render_page

from .. import lookup, trail
from ..forms import LookupForm
from ..links import identity_url, pool_page_url


def _find_id(request: HttpRequest, query: lookup.Query, context: dict[str, Any]) -> HttpResponse | None:
    try:
        found = lookup.find_id(query.text)
    except CognitoError as exc:
        context["error"] = exc
        return None
    return _answer_id(request, query.text, found, context)


def _answer_id(
    request: HttpRequest, cognito_id: str, found: lookup.IdFound | None, context: dict[str, Any]
) -> HttpResponse | None:
    if found is not None and found.kind == "identity":
        return go_to(request, identity_url(cognito_id, found.pool_id))
    if found is not None and found.kind == "pool":
        return go_to(request, pool_page_url(cognito_id))
    # Not "not found" when the console knows what happened to it: the inventory says where it
    # was and when and how it went, the audit trail who did it, why, and in which job.
    context["gone"] = found.known if found is not None else None
    context["trail"] = trail.about_identity(cognito_id)
    context["not_found"] = not context["gone"] and not context["trail"]
    return None


def _find_guid(request: HttpRequest, query: lookup.Query, context: dict[str, Any]) -> HttpResponse | None:
    try:
        answer = lookup.find_guid(query.text)
    except CognitoError as exc:
        context["error"] = exc
        return None
    if answer.cognito_id is None:
        context["regions"] = settings.AWS_REGIONS
        if answer.errors:
            context["error"] = answer.errors[0]
        context["not_found"] = True
        return None
    # From here on the page speaks of the id the GUID turned out to be.
    context["query"] = replace(query, text=answer.cognito_id, kind="id", pasted=query.pasted or query.text)
    return _answer_id(request, answer.cognito_id, answer.found, context)


def _search_developer_user(
    request: HttpRequest, query: lookup.Query, context: dict[str, Any]
) -> HttpResponse | None:
    refresh = request.GET.get("refresh") == "1"
    if refresh and not lookup.may_read_pools_again(request.user.pk):
        # The catalog is at most a minute old anyway; the page says why it was not read again.
        context["read_again_refused"] = lookup.READ_AGAIN_SECONDS
        refresh = False
    pools = catalog(refresh=refresh)
    context["catalog"] = pools
    result = context["search"] = lookup.search_developer_user(query.text, pools, context["only_pool"])
    # What the console did to this developer user id: unlinked, merged (one pair or a bulk job's
    # item), registered. With any of it, even one match is listed rather than opened.
    recorded = context["trail"] = trail.about_developer_user(query.text)
    merges = context["merge_items"] = trail.merge_items(query.text)
    busy = [failure.error for failure in result.failures if isinstance(failure.error, Throttled)]
    if not result.matches and busy and len(busy) == len(result.failures):
        # Nothing found only because the quota is busy: the busy page, which searches again by
        # itself when the turn is due, rather than an answer that looks final.
        raise busy[0]
    if len(result.matches) == 1 and not result.failures and not recorded and not merges:
        match = result.matches[0]
        return go_to(request, identity_url(match.identity_id, match.pool.pool_id))
    return None


@require_safe
@permission_required("lookup_identities")
def lookup_view(request: HttpRequest) -> HttpResponse:
    """Find an identity by identity id, pool id or developer user id, in one search."""
    query = lookup.parse(request.GET.get("q", ""))
    context: dict[str, Any] = {"query": query, "only_pool": request.GET.get("pool", "")}
    answer = None
    if query.kind == "id":
        answer = _find_id(request, query, context)
    elif query.kind == "guid":
        answer = _find_guid(request, query, context)
    elif query.kind == "developer_user":
        answer = _search_developer_user(request, query, context)
    if answer is not None:
        return answer
    if "catalog" not in context and not request.htmx:
        # The narrowing selector offers the pools a developer-user search would ask.
        context["catalog"] = catalog()
    pools = context["catalog"].pools if "catalog" in context else ()
    query = context["query"]
    context["form"] = LookupForm(text=query.text, only_pool=context["only_pool"], pools=pools)
    return render_page(request, "identities/lookup.html", context, partial="results")
