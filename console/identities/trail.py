"""What the console did to an id the search box was given, from the audit trail and the jobs.

The search box answers from what exists now and from what the console did: an identity id the
console deleted or merged away, a developer user id it unlinked, merged or registered. Read
through the trail's two indexes (AuditEventIdentity for identity ids, AuditEventDeveloperUser
for developer user ids) and, for developer user ids, from bulk merge jobs' items, which name
their source and destination whether or not the merge has been made yet.

Shown to support, who has no audit page: each row keeps what the identity page's history
shows (when, who, what, outcome, reason) and the job that did it, never the event's request,
before/after, error message or source address (a bulk delete's request names 59 other
identities), which only the audit page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from console.audit.models import AuditEvent
from console.aws.ids import is_cognito_id
from console.jobs.models import Item, Job, Kind

from .history import history

# Rows shown in the search's answer; the identity's history page pages through the rest.
LIMIT = 20

# Job chunks act as "jobs:<id>" (console/jobs/runner.py).
_JOB_ACTOR = re.compile(r"jobs:(\d{1,18})")

# What an operation did, in the words of the search's answer.
_WHAT = {
    "DeleteIdentities": "Deleted",
    "MergeDeveloperIdentities": "Developer users merged",
    "UnlinkDeveloperIdentity": "Developer user unlinked",
    "UnlinkIdentity": "Login unlinked",
    "GetOpenIdTokenForDeveloperIdentity": "Developer user registered",
    "GetOpenIdToken": "Signed in (sign-in test)",
    "GetCredentialsForIdentity": "Credentials asked (sign-in test)",
    "GetId": "Identity created (sign-in test)",
    "identities.signin_test": "Sign-in test",
}


@dataclass(frozen=True)
class TrailRow:
    """One event, as support may see it."""

    event_id: int
    at: datetime
    actor: str
    operation: str
    what: str
    succeeded: bool
    error_code: str
    reason: str
    pool_id: str
    identity_id: str  # the identity the row is about (the searched one, or the event's own)
    job_id: int | None


@dataclass(frozen=True)
class Trail:
    """The newest events about an id (`more`: there are older ones than these)."""

    rows: tuple[TrailRow, ...]
    more: bool

    def __bool__(self) -> bool:
        return bool(self.rows)


def job_of(event: AuditEvent) -> int | None:
    """The bulk job an event belongs to: the one whose chunk made the call, or the one a
    "job.start" event started."""
    match = _JOB_ACTOR.fullmatch(event.actor)
    if match:
        return int(match[1])
    request = event.request if isinstance(event.request, dict) else {}
    job = request.get("job") if event.operation.startswith("job.") else None
    return job if isinstance(job, int) else None


def _row(event: AuditEvent, identity_id: str, what: str) -> TrailRow:
    return TrailRow(
        event.pk,
        event.created_at,
        event.actor,
        event.operation,
        what,
        event.outcome == "success",
        event.error_code,
        event.reason,
        # Only ids of the service's shape are linked (a failed call's may be anything).
        event.pool_id if is_cognito_id(event.pool_id) else "",
        identity_id if is_cognito_id(identity_id) else "",
        job_of(event),
    )


def _identity_what(event: AuditEvent, identity_id: str) -> str:
    if (
        event.operation == "MergeDeveloperIdentities"
        and event.identity_id
        and event.identity_id != identity_id
    ):
        return "Merged away (its developer user moved to another identity)"
    if event.operation == "DeleteIdentities":
        count = len(event.request.get("IdentityIdsToDelete") or ()) if isinstance(event.request, dict) else 0
        return f"Deleted (with {count - 1} other identities in one call)" if count > 1 else "Deleted"
    return _WHAT.get(event.operation, event.operation)


def about_identity(identity_id: str) -> Trail:
    """The newest events that touched the identity (its history page's first rows)."""
    page = history(identity_id, size=LIMIT)
    rows = tuple(_row(event, identity_id, _identity_what(event, identity_id)) for event in page.events)
    return Trail(rows, page.older_than is not None)


def knows_id(cognito_id: str) -> bool:
    """Whether the trail has an event about this identity or pool id (two index reads)."""
    return (
        AuditEvent.objects.filter(identity_links__identity_id=cognito_id).exists()
        or AuditEvent.objects.filter(pool_id=cognito_id).exists()
    )


def _user_what(event: AuditEvent, user: str) -> str:
    request = event.request if isinstance(event.request, dict) else {}
    if event.operation == "MergeDeveloperIdentities":
        if request.get("SourceUserIdentifier") == user:
            return "Merged into another developer user's identity"
        return "Another developer user merged into its identity"
    if event.operation == "UnlinkDeveloperIdentity":
        return "Unlinked from its identity"
    if event.operation == "GetOpenIdTokenForDeveloperIdentity":
        return "Registered"
    return _WHAT.get(event.operation, event.operation)


def events_naming(user: str) -> QuerySet[AuditEvent]:
    """The events that named the developer user id, newest first: read off the developer user
    index (its unique (developer_user, event) index), then sorted, bounded by that user's events."""
    return AuditEvent.objects.filter(developer_user_links__developer_user=user).order_by("-id")


def about_developer_user(user: str) -> Trail:
    """The newest events that named the developer user id (in any pool)."""
    events = list(events_naming(user)[: LIMIT + 1])
    rows = tuple(_row(event, event.identity_id, _user_what(event, user)) for event in events[:LIMIT])
    return Trail(rows, len(events) > LIMIT)


@dataclass(frozen=True)
class MergeItem:
    """A bulk merge job's item naming the developer user id: as the source (merged into
    `other`) or as the destination (`other` merged into it)."""

    job_id: int
    pool_id: str
    as_source: bool
    other: str
    outcome: str
    finished_at: datetime | None
    identity_id: str  # the identity the merge ended in, once done


def merge_items(user: str) -> tuple[MergeItem, ...]:
    """The newest bulk merge items naming the developer user id, as source or destination.

    Read over merge jobs' items only, through the items' (job, …) indexes: the merge jobs are
    found first (a read of the jobs table, which has a row per job, not per item), so a bulk
    delete's millions of items are never looked at."""
    merge_jobs = list(Job.objects.filter(kind=Kind.MERGE).values_list("pk", flat=True))
    if not merge_jobs:
        return ()
    items = (
        Item.objects.filter(job_id__in=merge_jobs)
        .filter(Q(target=user) | Q(destination=user))
        .select_related("job")
        .order_by("-job_id", "line")[:LIMIT]
    )
    return tuple(
        MergeItem(
            item.job_id,
            item.job.pool_id,
            item.target == user,
            item.destination if item.target == user else item.target,
            item.get_outcome_display(),
            item.finished_at,
            item.result if is_cognito_id(item.result) else "",
        )
        for item in items
    )
