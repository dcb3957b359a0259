"""State a multi-step form carries between requests (what the form started from, the reviewed
proposal), signed so that what comes back is what the console sent.

The value is readable JSON plus a timestamped signature (not compressed base64): nothing in
it is secret, and long base64 runs would look like credentials to a page scan.
"""

from __future__ import annotations

import json
from typing import Any

from django.core import signing

_SALT = "console.pools.form-state"
MAX_AGE_SECONDS = 12 * 3600  # an edit left open longer than a working day starts again


def seal(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return signing.TimestampSigner(salt=_SALT).sign(text)


def unseal(token: str | None) -> Any:
    """The sealed value, or None when the token is missing, altered or too old."""
    if not token:
        return None
    try:
        return json.loads(signing.TimestampSigner(salt=_SALT).unsign(token, max_age=MAX_AGE_SECONDS))
    except (signing.BadSignature, ValueError):
        return None
