"""Opaque NextToken values for the paginated operations.

A token is a keyset position: the BigAutoField id of the last row a page showed,
plus what the listing was (operation, pool, filters). Continuing with `id > anchor`
means a token survives its anchor row being deleted (the listing continues after
it, it never restarts) and rows added or removed between pages are never repeated.

Tokens are base64url JSON signed with an HMAC keyed by SECRET_KEY (django.core.signing),
so a garbled or forged token is refused instead of being trusted.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

from .. import errors

_SALT = "console.emulator.next-token"


def make_token(scope: dict[str, Any], after: int) -> str:
    """A NextToken continuing the listing `scope` after row id `after`."""
    return signing.dumps({"s": scope, "a": after}, salt=_SALT, compress=False)


def read_token(token: str | None, scope: dict[str, Any]) -> int:
    """The row id to continue after (0 for the first page).

    `scope` must equal the one the token was made for: a token from another pool,
    operation or filter is an InvalidParameterException, like a garbled one.
    """
    if token is None:
        return 0
    try:
        payload = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise errors.InvalidParameter("Invalid NextToken.") from None
    if not isinstance(payload, dict) or payload.get("s") != scope:
        raise errors.InvalidParameter("NextToken does not belong to this request.")
    after = payload.get("a")
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise errors.InvalidParameter("Invalid NextToken.")
    return after


def page(rows: list[Any], limit: int, scope: dict[str, Any], anchor_of: Any) -> tuple[list[Any], str | None]:
    """Split a `limit + 1` fetch into the page and its NextToken (None on the last page)."""
    if len(rows) <= limit:
        return rows, None
    shown = rows[:limit]
    return shown, make_token(scope, anchor_of(shown[-1]))
