"""The two htmx answers every page gives: the page or one of its partials, and "go to this URL".

Every view works without htmx first; to htmx it answers a named partial of the same template
(`template#partial`, django-template-partials). Both answers share one URL, so the response
always varies on `HX-Request`: a cache must never hand the fragment to a plain visit (or the
full page to htmx).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int | None = None,
) -> HttpResponse:
    """The full `template`, or to htmx its `partial` (when given); varies on `HX-Request`."""
    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: htmx's client redirect (`HX-Redirect`), a plain redirect otherwise.

    To htmx the new page loads as a whole page, not swapped into the element that asked.
    """
    # getattr: the login and password checks can run before django-htmx's middleware has.
    response = HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)
    patch_vary_headers(response, ("HX-Request",))
    return response
