"""Where an identity or a pool is shown, and which ids the identity pages accept."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.urls import NoReverseMatch, reverse

from console.aws.ids import is_cognito_id, region_of


def valid_cognito_id(value: str) -> str:
    """`value` if it is a pool or identity id of a region this console uses, else 404."""
    if not is_cognito_id(value) or region_of(value) not in settings.AWS_REGIONS:
        raise Http404("Not an id of a region this console uses.")
    return value


def pool_page_url(pool_id: str) -> str:
    """The pool's own page when it exists, else its identity browser."""
    try:
        return reverse("pools:detail", args=[pool_id])
    except NoReverseMatch:
        return reverse("identities:browser", args=[pool_id])


def identity_url(identity_id: str, pool_id: str | None) -> str:
    url = reverse("identities:detail", args=[identity_id])
    return f"{url}?{urlencode({'pool': pool_id})}" if pool_id else url
