"""The pool list: one region's pools, or every region's."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from console.accounts.regions import current_region
from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws.pools import list_pools_page, search_pools
from console.htmx import render_page
from console.inventory import pool_names

from ..access import region_problem
from ..forms import PoolFilterForm

PAGE_SIZE = 25
SEARCH_PAGES = 10  # ListIdentityPools pages (of 60) one name search walks per request
ALL_REGIONS = "all"


def list_url(region: str, **params: Any) -> str:
    query = {"region": region, **{key: value for key, value in params.items() if value}}
    return f"{reverse('pools:list')}?{urlencode(query)}"


def _results(region: str, query: str, token: str | None, pages_before: int) -> dict[str, Any]:
    """One region's pools: a page of the listing, or the matches of a name search."""
    context: dict[str, Any] = {"region": region, "q": query, "token": token}
    context.update(first_url=None, next_url=None, further_url=None)
    if token:
        context["first_url"] = list_url(region, q=query)
    started = timezone.now()
    try:
        if query:
            search = search_pools(region, query, token, max_pages=SEARCH_PAGES, enough=PAGE_SIZE)
            pages = pages_before + search.pages
            context.update(search=search, pools=search.pools, pages_searched=pages)
            if search.next_token:
                context["further_url"] = list_url(region, q=query, token=search.next_token, pages=pages)
        else:
            page = list_pools_page(region, PAGE_SIZE, token)
            context["pools"] = page.pools
            if page.next_token:
                context["next_url"] = list_url(region, token=page.next_token)
    except aws_errors.CognitoError as exc:
        context["error"] = exc
        return context
    whole = not query and not token and not context["next_url"]
    _remember_names(region, context["pools"], whole=whole, started=started)
    return context


def _remember_names(region: str, pools: Any, *, whole: bool, started: datetime) -> None:
    """The names the jobs pages show their pools by (console/inventory/pool_names.py); a region
    listed whole on one page also tells which pools it no longer has."""
    pairs = [(pool.pool_id, pool.name) for pool in pools]
    if whole:
        pool_names.listed(region, pairs, started=started)
    else:
        pool_names.seen(pairs)


def _pages_before(request: HttpRequest) -> int:
    pages = request.GET.get("pages", "")
    return int(pages) if pages.isdigit() and len(pages) < 7 else 0


@require_safe
@permission_required("view_console")
# Same URL, page or fragment: caches (and the browser's back button) must keep them apart.
@vary_on_headers("HX-Request")
def pool_list(request: HttpRequest) -> HttpResponse:
    """Identity pools of the region in the URL (or the session's), or of every region."""
    asked = request.GET.get("region") or current_region(request)
    # The header's region selector (accounts' context processor) shows the list's region.
    request.console_region = asked  # type: ignore[attr-defined]
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {
        "q": query,
        "form": PoolFilterForm(initial={"q": query}),
        "regions": settings.AWS_REGIONS,
        "console_region": asked,
    }
    if asked == ALL_REGIONS:
        context["all_regions"] = True
        return render(request, "pools/list.html", context)
    if asked not in settings.AWS_REGIONS:
        request.console_region = current_region(request)  # type: ignore[attr-defined]
        context.update(region_error=region_problem(asked), console_region=request.console_region)
        return render(request, "pools/list.html", context, status=400)
    if request.session.get("region") != asked:
        request.session["region"] = asked  # the default for the next visit without ?region=
    context.update(_results(asked, query, request.GET.get("token") or None, _pages_before(request)))
    return render_page(request, "pools/list.html", context, partial="table")


@require_safe
@permission_required("view_console")
@vary_on_headers("HX-Request")
def region_pools(request: HttpRequest, region: str) -> HttpResponse:
    """One region's section of the all-regions list (loaded by its own htmx request)."""
    query = request.GET.get("q", "").strip()
    if not request.htmx:
        return redirect(list_url(region, q=query))
    if region not in settings.AWS_REGIONS:
        return render(
            request, "pools/_region.html", {"region": region, "region_error": region_problem(region)}
        )
    context = _results(region, query, None, 0)
    return render(request, "pools/_region.html", context)
