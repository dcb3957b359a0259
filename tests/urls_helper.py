"""Every URL of the project, from its URLconf, with sample values filled into the parameters.

Used by the tests that must cover every page (login required, permission matrix), so a view
added later joins them without anyone remembering to list it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# Values tried, in order, for each URL parameter: the first one the converter (or the
# regex group) accepts is used. Cognito ids first, since most parameters are those.
SAMPLES = (
    "us-east-1:0a1b2c3d-0000-4000-8000-000000000001",
    "1",
    "sample",
    "0a1b2c3d-0000-4000-8000-000000000001",
    "a/b",
)

_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>[^)]*)\)")


@dataclass(frozen=True)
class Page:
    """A URL name (with its namespace, as `resolve(url).view_name` gives it) and a sample URL."""

    name: str
    url: str


def _sample_for(regex: str, where: str) -> str:
    for value in SAMPLES:
        if re.fullmatch(regex, value):
            return value
    raise AssertionError(f"no sample value matches {regex!r} in {where}: add one to SAMPLES")


def _fill_route(pattern: RoutePattern) -> str:
    route = str(pattern)

    def fill(match: re.Match[str]) -> str:
        converter = pattern.converters[match["name"]]
        return converter.to_url(converter.to_python(_sample_for(converter.regex, route)))

    return _ROUTE_PARAMETER.sub(fill, route)


def _fill_regex(pattern: RegexPattern) -> str:
    regex = str(pattern).removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    filled = _REGEX_GROUP.sub(lambda match: _sample_for(match["regex"], regex), regex)
    return filled.replace("\\", "")


def _fill(pattern: RoutePattern | RegexPattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _fill_route(pattern)
    return _fill_regex(pattern)


def _walk(patterns: list, prefix: str = "/", namespace: str = "") -> list[Page]:
    pages: list[Page] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            pages += _walk(entry.url_patterns, prefix + _fill(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pages.append(Page(f"{namespace}{entry.name or entry.lookup_str}", prefix + _fill(entry.pattern)))
    return pages


def all_pages(urlconf: str | None = None) -> list[Page]:
    """Every URL pattern of `urlconf` (default: the project's), as a Page."""
    return _walk(get_resolver(urlconf).url_patterns)
