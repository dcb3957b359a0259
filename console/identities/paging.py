"""Paging the identity browser backwards, which ListIdentities cannot do.

ListIdentities hands out forward tokens only. A page's URL carries:

- ``token``: the NextToken that opens the page (absent on the first page), so reloading,
  bookmarking or sharing the URL shows that same page, trail or no trail;
- ``back``: the key of the PageTrail row of the page before it (absent when the page before
  is the first one).

A PageTrail row holds a page's token and the key of the row of the page before it: a linked
list in the database, one row per page, written when the page is shown with a Next link. The
URL stays one token and one 22-character key whether the page is the 2nd or the 2,000th, and
Previous walks the list back one row at a time, as far back as the first page. A row's key is
a hash of its listing, parent and token, so reloading or sharing a page reuses its row (a
new walk from the first page gets fresh tokens, from AWS as from the embedded service, and
writes new rows). Rows older than TRAIL_DAYS are pruned now and then; a page whose trail was
pruned still loads from its token, and offers First page instead of Previous.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .models import PageTrail

TRAIL_DAYS = 30
# About one insert in this many also deletes the rows older than TRAIL_DAYS.
PRUNE_ONE_IN = 500
# `back` value of a page whose trail was lost: Previous is not offered.
LOST = "lost"


def listing_key(pool_id: str, page_size: int, hide_disabled: bool) -> str:
    """What a token belongs to: tokens and trails of another listing are never mixed."""
    return f"{pool_id}|{page_size}|{'hide' if hide_disabled else 'all'}"


@dataclass(frozen=True)
class Position:
    """Where a page is: its token, the trail row of the page before, and its page number.

    `number` counts from 1 (the first page); None when the trail was lost.
    """

    token: str | None
    back: PageTrail | None
    number: int | None


def locate(listing: str, token: str | None, back: str | None) -> Position:
    """The position of the page a URL names."""
    if not token:
        return Position(None, None, 1)
    if not back:
        return Position(token, None, 2)
    row = PageTrail.objects.filter(key=back, listing=listing).first() if back != LOST else None
    if row is None:
        return Position(token, None, None)
    return Position(token, row, row.depth + 1 if row.depth else None)


def previous_query(position: Position) -> dict[str, str] | None:
    """The query string of the page before (empty dict: the first page), or None if unknown."""
    if position.token is None:
        return None
    if position.back is None:
        return {} if position.number == 2 else None
    row = position.back
    if row.parent == "":
        return {"token": row.token}
    return {"token": row.token, "back": row.parent}  # a row's key, or LOST


def next_query(listing: str, position: Position, next_token: str) -> dict[str, str]:
    """The query string of the page after this one; remembers this page for its Previous link."""
    if position.token is None:
        return {"token": next_token}
    return {"token": next_token, "back": remember(listing, position).key}


def remember(listing: str, position: Position) -> PageTrail:
    """The trail row of the page at `position` (which is not the first page), stored once."""
    assert position.token is not None
    if position.back is not None:
        parent = position.back.key
    elif position.number == 2:
        parent = ""  # the page before is the first page
    else:
        parent = LOST
    key = _key(listing, parent, position.token)
    row, created = PageTrail.objects.get_or_create(
        key=key,
        defaults={"listing": listing, "token": position.token, "parent": parent, "depth": position.number},
    )
    if created and random.randrange(PRUNE_ONE_IN) == 0:  # noqa: S311 - scheduling, not a secret
        prune()
    return row


def prune(days: int = TRAIL_DAYS) -> int:
    """Delete trail rows older than `days`; how many went."""
    deleted, _ = PageTrail.objects.filter(created_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted


def _key(listing: str, parent: str, token: str) -> str:
    material = "\n".join((listing, parent, token)).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(material).digest()[:16]).decode().rstrip("=")
