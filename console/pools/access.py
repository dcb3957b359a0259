"""Shared steps of the pool pages: the region a pool id names, errors, and htmx section answers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from console.aws import errors as aws_errors
from console.aws.ids import region_of
from console.errorpages import busy


def region_problem(region: str) -> str:
    configured = ", ".join(settings.AWS_REGIONS)
    return f"Region “{region}” is not one of this console's regions (AWS_REGIONS: {configured})."


def pool_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: refuse a pool id whose region the console is not configured for."""

    @wraps(view)
    def wrapper(request: HttpRequest, pool_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        region = region_of(pool_id)
        # The header's region selector shows the pool's region (accounts/context_processors.py).
        request.console_region = region  # type: ignore[attr-defined]
        if region not in settings.AWS_REGIONS:
            context = {"pool_id": pool_id, "problem": region_problem(region)}
            return render(request, "pools/unavailable.html", context, status=404)
        return view(request, pool_id, *args, **kwargs)

    return wrapper


def gateway_error_page(
    request: HttpRequest, pool_id: str, error: aws_errors.CognitoError, section_id: str = ""
) -> HttpResponse:
    """The pool could not be read: a page saying why (404 for a pool that does not exist, the
    console's busy page when the account's quota is busy: never a 5xx for that).

    To htmx, the error as a section (status 200: htmx swaps only successful answers), in
    place of the section `section_id` (by default the one the request targets).
    """
    context = {"pool_id": pool_id, "error": error}
    if request.htmx:
        context["section_id"] = section_id or (request.htmx.target or "")
        return render(request, "pools/unavailable.html#body", context)
    if isinstance(error, aws_errors.Throttled):
        return busy(request, error)
    status = 404 if isinstance(error, aws_errors.NotFound) else 502
    return render(request, "pools/unavailable.html", context, status=status)


def from_pool_page(request: HttpRequest, pool_id: str) -> bool:
    """Whether this htmx request comes from the pool's own page (so a section is swapped there)."""
    return (
        bool(request.htmx)
        and request.htmx.current_url_abs_path is not None
        and (request.htmx.current_url_abs_path.split("?")[0] == reverse("pools:detail", args=[pool_id]))
    )


def back_to_pool(request: HttpRequest, pool_id: str) -> HttpResponse:
    """After a change made outside the pool page: go there (a redirect, or htmx's client redirect)."""
    url = reverse("pools:detail", args=[pool_id])
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)
