"""Shared steps of the pool pages: the region a pool id names, errors, and htmx section answers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from console.aws import errors as aws_errors
from console.aws.ids import region_of
from console.aws.pools import Pool
from console.errorpages import busy
from console.htmx import go_to, render_page

from . import sections


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
    status = 404 if isinstance(error, aws_errors.NotFound) else 502
    if request.htmx:
        context["section_id"] = section_id or (request.htmx.target or "")
        status = 200
    elif isinstance(error, aws_errors.Throttled):
        return busy(request, error)
    return render_page(request, "pools/unavailable.html", context, partial="body", status=status)


def from_pool_page(request: HttpRequest, pool_id: str) -> bool:
    """Whether this htmx request comes from the pool's own page (so a section is swapped there)."""
    return (
        bool(request.htmx)
        and request.htmx.current_url_abs_path is not None
        and (request.htmx.current_url_abs_path.split("?")[0] == reverse("pools:detail", args=[pool_id]))
    )


def section_saved(request: HttpRequest, pool: Pool, section: str, text: str) -> HttpResponse:
    """After a section's save: the section again, saying so, in place on the pool page; or the
    pool page, with the text as a message."""
    if from_pool_page(request, pool.pool_id):
        context = sections.section_context(request, pool.pool_id, section, pool=pool)
        return render(request, f"pools/detail.html#{section}", {**context, "saved_message": text})
    messages.success(request, text)
    return back_to_pool(request, pool.pool_id)


def back_to_pool(request: HttpRequest, pool_id: str) -> HttpResponse:
    """After a change made outside the pool page: go there (a redirect, or htmx's client redirect)."""
    return go_to(request, reverse("pools:detail", args=[pool_id]))
