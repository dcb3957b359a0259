"""State a multi-step form carries between requests (what the form started from, the reviewed
proposal), signed so that what comes back is what the console sent."""

from __future__ import annotations

from typing import Any

from django.core import signing

_SALT = "console.pools.form-state"
MAX_AGE_SECONDS = 12 * 3600  # an edit left open longer than a working day starts again


def seal(value: Any) -> str:
    return signing.dumps(value, salt=_SALT, compress=True)


def unseal(token: str | None) -> Any:
    """The sealed value, or None when the token is missing, altered or too old."""
    if not token:
        return None
    try:
        return signing.loads(token, salt=_SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
