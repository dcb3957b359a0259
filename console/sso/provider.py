"""The identity provider's discovery document, fetched when first needed and kept for an hour.

Nothing here runs at start-up: with the provider down the console still starts, and the
break-glass accounts still sign in with their password. Only "Sign in with ..." needs it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests
from django.conf import settings

log = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"
CACHE_SECONDS = 3600
TIMEOUT_SECONDS = 5
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")

_lock = threading.Lock()
_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read (down, unreachable, or not OIDC)."""


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + WELL_KNOWN


def discovery() -> dict[str, Any]:
    """The configured issuer's discovery document (cached); ProviderUnavailable when it cannot be read."""
    issuer = settings.OIDC_ISSUER
    with _lock:
        cached = _cache.get(issuer)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    document = _fetch(issuer)
    with _lock:
        _cache[issuer] = (time.monotonic(), document)
    return document


def forget() -> None:
    """Drop the cached documents (tests; a provider that moved its endpoints)."""
    with _lock:
        _cache.clear()


def endpoint(name: str) -> str | None:
    value = discovery().get(name)
    return value if isinstance(value, str) and value else None


def _fetch(issuer: str) -> dict[str, Any]:
    url = discovery_url(issuer)
    try:
        response = requests.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("OIDC discovery at %s failed: %s", url, type(error).__name__)
        raise ProviderUnavailable(f"{url} did not answer with a discovery document") from error
    if not isinstance(document, dict) or any(not document.get(key) for key in REQUIRED):
        raise ProviderUnavailable(f"{url} is missing one of {', '.join(REQUIRED)}")
    # The document must be the configured issuer's own (OpenID Connect Discovery 1.0, 4.3).
    if str(document["issuer"]).rstrip("/") != issuer.rstrip("/"):
        raise ProviderUnavailable(f"{url} names another issuer: {document['issuer']}")
    return document
