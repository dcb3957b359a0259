"""Reading an OpenID token's claims for display, without verifying it.

The console shows what a token says (identity, audience, amr, expiry, principal tags); it
never trusts it for anything, so the signature is not checked.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

_TIME_CLAIMS = ("iat", "exp", "nbf", "auth_time")


def claims(token: str) -> dict[str, Any] | None:
    """The token's payload as a dict, or None if it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    return decoded if isinstance(decoded, dict) else None


def readable_claims(token: str) -> list[tuple[str, str]]:
    """(name, value) pairs for a table: times as UTC dates, lists and maps as JSON."""
    payload = claims(token) or {}
    rows = []
    for name, value in payload.items():
        if name in _TIME_CLAIMS and isinstance(value, int | float) and not isinstance(value, bool):
            text = f"{datetime.fromtimestamp(value, UTC):%Y-%m-%d %H:%M:%S} UTC ({int(value)})"
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        rows.append((name, text))
    return rows
