"""An identity's history: the audit events that touched it, newest first.

Read through AuditEventIdentity, which has a row for every identity an event touched (every id
of a bulk DeleteIdentities, both identities of a merge), so one index answers it at any size
of the trail. Paged by event id (keyset), never OFFSET.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.audit.models import AuditEvent

PAGE_SIZE = 20


@dataclass(frozen=True)
class HistoryPage:
    events: tuple[AuditEvent, ...]
    # The event id to continue before, when there are older events.
    older_than: int | None


def history(identity_id: str, before: int | None = None, size: int = PAGE_SIZE) -> HistoryPage:
    """The newest `size` events about the identity (older than event id `before`, if given)."""
    events = AuditEvent.objects.filter(identity_links__identity_id=identity_id)
    if before is not None:
        events = events.filter(id__lt=before)
    rows = list(events.order_by("-id")[: size + 1])
    older = rows[size - 1].id if len(rows) > size else None
    return HistoryPage(tuple(rows[:size]), older)
