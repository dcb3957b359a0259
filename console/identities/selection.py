"""The identity browser's selection for a bulk delete: kept in the session, one per pool.

A page's checkboxes only say what is ticked on that page, so the selection lives on the server:
each POST of a page (its ticks, with the page navigation) adds the ticked ids and removes the
unticked ones of that page, and leaves the other pages' ids alone. Pools never mix: every pool
has its own list, and only that list is handed to that pool's bulk delete.

The session is written on every request (SESSION_SAVE_EVERY_REQUEST), so the list has a limit,
IDENTITY_SELECTION_MAX ids; more go through the inventory's "select all N matches" or a list
pasted or uploaded into the bulk delete, which have none.

Handed over, the selection becomes a bulk-delete draft (console/jobs/intake.py); it is cleared
once a delete job of that pool is started by the same person after the hand-over, and kept when
the draft is discarded or expires, so nothing is lost on the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

from console.aws.ids import is_cognito_id, region_of
from console.jobs.models import Draft, Job, Kind

SESSION_KEY = "identity_selection"


@dataclass(frozen=True)
class Selection:
    """A pool's selected identity ids, in the order they were ticked."""

    pool_id: str
    ids: tuple[str, ...]
    limit: int

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def limit_words(self) -> str:
        return f"{self.limit:,}"

    def has(self, identity_id: str) -> bool:
        return identity_id in self._set

    @cached_property
    def _set(self) -> frozenset[str]:
        return frozenset(self.ids)

    def others(self, shown: Iterable[str]) -> int:
        """How many of the selected ids are not among `shown` (the rest of the pool's pages)."""
        return len(self._set - set(shown))


def limit() -> int:
    return settings.IDENTITY_SELECTION_MAX


def _entries(request: HttpRequest) -> dict[str, dict]:
    entries = request.session.get(SESSION_KEY)
    return entries if isinstance(entries, dict) else {}


def _entry(request: HttpRequest, pool_id: str) -> dict:
    entry = _entries(request).get(pool_id)
    return entry if isinstance(entry, dict) else {}


def _save(request: HttpRequest, pool_id: str, entry: dict | None) -> None:
    entries = dict(_entries(request))
    if entry and entry.get("ids"):
        entries[pool_id] = entry
    else:
        entries.pop(pool_id, None)
    request.session[SESSION_KEY] = entries


def current(request: HttpRequest, pool_id: str) -> Selection:
    ids = _entry(request, pool_id).get("ids") or []
    return Selection(pool_id, tuple(each for each in ids if isinstance(each, str)), limit())


def change(request: HttpRequest, pool_id: str, *, shown: list[str], ticked: list[str]) -> list[str]:
    """Make the selection hold exactly the `ticked` ones of the page's `shown` ids (the ids of
    other pages stay); what could not be done is returned as sentences, and the rest is done."""
    notes: list[str] = []
    region = region_of(pool_id)
    valid = [each for each in dict.fromkeys(shown) if is_cognito_id(each) and region_of(each) == region]
    bad = len(set(shown) - set(valid)) + len(set(ticked) - set(valid))
    if bad:
        notes.append(
            f"{bad} value(s) sent were not identity ids of this page of pool {pool_id} and were "
            "ignored; the rest of the selection is as it was."
        )
    wanted = set(ticked)
    entry = dict(_entry(request, pool_id))
    dropping = set(valid) - wanted
    ids = [each for each in entry.get("ids") or [] if each not in dropping]
    present = set(ids)
    adding = [each for each in valid if each in wanted and each not in present]
    room = max(0, limit() - len(ids))
    if len(adding) > room:
        notes.append(
            f"A selection holds at most {limit():,} identities: {len(adding) - room} of the ones "
            f"ticked on this page were not added ({len(ids) + room:,} are selected). Delete the "
            "selected ones first; for more at once, use the inventory's filters (select all "
            "matches) or paste the ids into a bulk delete."
        )
    ids.extend(adding[:room])
    entry["ids"] = ids
    _save(request, pool_id, entry)
    return notes


def clear(request: HttpRequest, pool_id: str) -> None:
    _save(request, pool_id, None)


def hand_over(request: HttpRequest, pool_id: str, draft_id: int) -> None:
    """Remember which bulk-delete draft the selection became (the selection stays until a job
    is started from it)."""
    entry = dict(_entry(request, pool_id))
    entry.update(draft=draft_id, handed_at=timezone.now().isoformat())
    _save(request, pool_id, entry)


def settle(request: HttpRequest, pool_id: str, user: AbstractBaseUser) -> int | None:
    """Clear the selection once the draft it was handed to became a job; the job's id if so."""
    entry = _entry(request, pool_id)
    draft_id, handed_at = entry.get("draft"), entry.get("handed_at")
    if not draft_id or not handed_at or Draft.objects.filter(pk=draft_id).exists():
        return None
    started = (
        Job.objects.filter(
            kind=Kind.DELETE,
            pool_id=pool_id,
            created_by=user,
            created_at__gte=dt.datetime.fromisoformat(handed_at),
        )
        .order_by("pk")
        .first()
    )
    if started is None:
        # Discarded or expired: the selection is still what the person chose.
        _save(request, pool_id, {"ids": entry.get("ids") or []})
        return None
    clear(request, pool_id)
    return started.pk
