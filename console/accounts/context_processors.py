"""Adds the signed-in user's role and the region selector to every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .forms import HeaderSearchForm, RegionForm
from .permissions import LOGIN, MATRIX, PUBLIC, requirement
from .regions import current_region
from .roles import has_perm, role_of

# Main navigation after "Pools": (label, URL name). A page that does not exist yet
# is shown greyed out rather than as a link to nowhere; a page the user's role may
# not open (per the permission matrix) is left out.
NAV = (
    ("Dashboard", "pools:dashboard"),
    ("Lookup", "identities:lookup"),
    ("Jobs", "jobs:list"),
    ("Audit", "audit:list"),
)


def _may_open(request: HttpRequest, url_name: str) -> bool:
    if url_name not in MATRIX:
        return True  # not built yet: shown greyed out
    needed = requirement(url_name, "GET")
    if needed is None:
        return False
    return needed in (PUBLIC, LOGIN) or has_perm(request.user, needed)


def _nav(request: HttpRequest) -> list[dict[str, Any]]:
    items = []
    for label, name in NAV:
        if not _may_open(request, name):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            url = None
        current = url is not None and request.path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return items


def console(request: HttpRequest) -> dict[str, Any]:
    if not hasattr(request, "user"):
        # An error page for a request refused before authentication ran (e.g. a bad Host).
        return {"console_nav": [], "console_regions": settings.AWS_REGIONS}
    region = getattr(request, "console_region", None) or current_region(request)
    on_lookup = request.resolver_match is not None and request.resolver_match.view_name == "identities:lookup"
    return {
        "console_nav": _nav(request),
        "console_role": role_of(request.user),
        "console_regions": settings.AWS_REGIONS,
        # A pool page shows its pool's region; elsewhere the session's.
        "console_region": region,
        # The header's search box repeats the lookup page's query; elsewhere it is empty.
        "header_search": HeaderSearchForm(initial={"q": request.GET.get("q", "") if on_lookup else ""}),
        "region_form": RegionForm(regions=settings.AWS_REGIONS, current=region),
        "cognito_endpoint_mode": settings.COGNITO_ENDPOINT
        if settings.COGNITO_ENDPOINT in ("local", "aws")
        else "url",
    }
