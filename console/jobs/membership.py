"""Checking that a bulk delete's ids belong to its pool, before the job can start.

DeleteIdentities has no pool parameter: an id of another pool of the same region would be
deleted from that pool. The one call that names a pool and an identity is
LookupDeveloperIdentity, one id per call, at a low rate (5 a second assumed, see
console/quotarates.py: 1,000 ids take about 200 s against AWS). So a page never runs the check
in its request: the draft is saved "checking", a Celery task works through its ids, and the
confirmation page shows its progress until it ends.

- First the inventory (console/inventory/): an id it last listed in this pool passes at once, an
  id it listed in another pool is refused at once (an identity never changes pool, DESIGN.md
  invariant 7). Ids it does not know, and ids it has marked gone (not proof that they are:
  a gone mark may be older than a re-creation we never saw, or wrong), are asked the service:
- Each id the inventory does not settle: LookupDeveloperIdentity(pool, id). The identity comes back: it passes.
  NotAuthorizedException: another pool's identity, refused. ResourceNotFoundException: then
  DescribeIdentity tells an id that does not exist (left out and reported: already deleted)
  from one that exists but was not found in the pool (refused: its pool is not confirmed).
- Calls go through the jobs' one-attempt client and the shared limiter, LOOKUP_WORKERS at a
  time. TooManyRequestsException is retried with backoff and jitter (counted, never a
  refusal); endpoint failures are retried a few times; any other error (AccessDenied for the
  console itself, a network that stays down) stops the check, and the draft shows the
  service's message and cannot be confirmed until its check is run again.
- Progress is committed every CHECK_BATCH ids: the position (`Draft.checked`) with what the
  batch found, in one UPDATE conditional on the position read. A task that finds its commit
  refused (another task committed first, or the draft was discarded) stops. A task works for
  a share of the chunk time limit, then sends itself again; one whose worker died is sent
  again by the reconciler once the check has not moved for CHECK_STALL_SECONDS, and goes on
  from the committed position: ids already checked are not asked again.

A merge's draft is checked the same way, in the same task, for another question: does each
source developer user exist in the pool? MergeDeveloperIdentities with an unknown source fails
only inside the job; LookupDeveloperIdentity(pool, DeveloperUserIdentifier=source) asks first,
through the same client and limiter. A source it does not find is missing: left out of the job
and listed on the review, which then offers to merge the other pairs or to fix the list. (The
inventory lists identities, not developer users: every source is asked.) A few pairs
(INLINE_SOURCES) are checked in the review's own request; more go to the task.

The `job delete` and `job merge` commands run the same checks in their own process (`check_entries`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console.aws import errors, jobs_calls
from console.aws.fanout import fan_out
from console.inventory import queries

from . import broker, retrying
from .models import DRAFT_LIFETIME, CheckStatus, Draft, Kind

logger = logging.getLogger(__name__)

# Ids asked of the service between two commits: the page's progress moves by at least this much.
CHECK_BATCH = 20
# Ids looked up in the inventory at a time: those it settles need no call, so a batch takes as
# many of them as come before its CHECK_BATCH ids that must be asked.
INVENTORY_WINDOW = 2000
# The longest one call may queue in the limiter when the check has no time limit (the command).
MAX_WAIT = 60.0
# Refusals named one by one (by a page, by the command) before "and N more".
SHOWN = 20
# A merge of at most this many pairs has its sources checked in the review's request (about
# INLINE_SOURCES / 5 s against AWS, INLINE_SECONDS at most: then the task goes on).
INLINE_SOURCES = 10
INLINE_SECONDS = 5.0

Entry = tuple[int, str]  # (line, identity id)

OTHER_POOL = "belongs to another identity pool, not {pool}."
UNCONFIRMED = (
    "exists, but LookupDeveloperIdentity did not find it in {pool}: "
    "its pool could not be confirmed, so it is not deleted."
)


def stall_seconds() -> int:
    """A check that has not moved for this long is sent again (longer than one task's work)."""
    return settings.JOB_LEASE_SECONDS


def task_seconds() -> float:
    """How long one task checks before sending itself again.

    Half its time limit (the chunks'): a call begun just before then still ends, at its
    timeouts, before the limit.
    """
    return settings.JOB_CHUNK_TIME_LIMIT * 0.5


class CheckFailed(Exception):
    """The check cannot go on: the error says nothing about the id it was asking about."""

    def __init__(self, error: errors.CognitoError, line: int, identity_id: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.line = line
        self.identity_id = identity_id

    def describe(self) -> str:
        operation = self.error.operation or "The check"
        return f"{operation} for line {self.line} ({self.identity_id}) answered {self.error.code}: {self.error.message}"


class Clock:
    """One check's time (no limit when `seconds` is None) and its throttled calls, across threads.

    The work retrying.call_with_retries makes calls for: without a limit its time left is
    infinite, so a call the limiter would keep waiting long waits its turn instead of stopping.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self._lock = threading.Lock()
        self._throttled = 0

    def remaining(self) -> float:
        return math.inf if self.deadline is None else self.deadline - time.monotonic()

    def note_throttle(self) -> None:
        with self._lock:
            self._throttled += 1

    def take_throttled(self) -> int:
        """Throttled calls since the last time this was asked."""
        with self._lock:
            counted, self._throttled = self._throttled, 0
        return counted

    def pause(self, retry: int) -> None:
        retrying.backoff(retry, self.remaining())

    def renew(self) -> None:
        """Nothing to renew: a check holds no lease (its commits are conditional on its position)."""


def _call(clock: Clock, function: Callable[..., Any], *args: Any) -> Any:
    """One gateway call, retried on throttling (always) and endpoint failures (a few times), that
    waits at most MAX_WAIT in the limiter at a time."""
    return retrying.call_with_retries(clock, function, *args, wait_cap=MAX_WAIT)


@dataclass(frozen=True)
class Verdict:
    """What the check says of one id: it passes, it is refused (and why), or it does not exist."""

    passes: bool = False
    refusal: str = ""

    @property
    def missing(self) -> bool:
        return not self.passes and not self.refusal


PASSES = Verdict(passes=True)
MISSING = Verdict()


def judge(pool_id: str, identity_id: str, clock: Clock) -> Verdict:
    """Whether `identity_id` is an identity of `pool_id` (see the module docstring)."""
    membership = _call(clock, jobs_calls.pool_membership, pool_id, identity_id)
    if membership is jobs_calls.Membership.MEMBER:
        return PASSES
    if membership is jobs_calls.Membership.OTHER_POOL:
        return Verdict(refusal=OTHER_POOL.format(pool=pool_id))
    if not _call(clock, jobs_calls.identity_exists, identity_id):
        return MISSING
    return Verdict(refusal=UNCONFIRMED.format(pool=pool_id))


def source_exists(pool_id: str, user: str, clock: Clock) -> bool:
    """Whether developer user `user` (a merge's source) exists in `pool_id`."""
    return _call(clock, jobs_calls.developer_user_identity, pool_id, user) is not None


def check_sources(pool_id: str, entries: Sequence[Entry], clock: Clock) -> Found:
    """A merge's source developer users, LOOKUP_WORKERS at a time: those not in the pool are
    missing; CheckFailed on the first error in input order."""
    found = Found()
    for outcome in fan_out(lambda entry: source_exists(pool_id, entry[1], clock), entries):
        line, user = outcome.item
        if outcome.error is not None:
            raise CheckFailed(outcome.error, line, user)
        if not outcome.value:
            found.missing.append([line, user])
    return found


def inventory_verdict(pool_id: str, known: queries.InventoriedIdentity | None) -> Verdict | None:
    """What the inventory settles of an id: None when the service must be asked (unknown, or gone)."""
    if known is None or known.gone is not None:
        return None
    if known.pool_id == pool_id:
        return PASSES
    return Verdict(refusal=OTHER_POOL.format(pool=pool_id))


Known = dict[str, queries.InventoriedIdentity]


def next_batch(pool_id: str, entries: Sequence[Entry]) -> tuple[Sequence[Entry], Known]:
    """The entries checked next, from the first: up to CHECK_BATCH the inventory does not settle,
    with the ones it settles among them; and what the inventory knows of them."""
    window = entries[:INVENTORY_WINDOW]
    known = queries.pools_of(identity_id for _, identity_id in window)
    asked = 0
    for taken, (_, identity_id) in enumerate(window):
        if inventory_verdict(pool_id, known.get(identity_id)) is None:
            asked += 1
            if asked > CHECK_BATCH:
                return window[:taken], known
    return window, known


@dataclass
class Found:
    """What a check found: refused ids [[line, id, reason], ...], missing ids [[line, id], ...],
    and how many ids the inventory confirmed in the pool (no call made for them)."""

    refused: list[list[Any]] = field(default_factory=list)
    missing: list[list[Any]] = field(default_factory=list)
    confirmed: int = 0

    def add(self, other: Found) -> None:
        self.refused += other.refused
        self.missing += other.missing
        self.confirmed += other.confirmed

    def left_out(self) -> set[str]:
        return {entry[1] for entry in self.refused} | {entry[1] for entry in self.missing}


def check_batch(pool_id: str, entries: Sequence[Entry], clock: Clock, known: Known | None = None) -> Found:
    """Judge every entry: through the inventory (`known`: what it has of them; looked up when not
    given), else LOOKUP_WORKERS at a time; CheckFailed on the first error in input order."""
    if known is None:
        known = queries.pools_of(identity_id for _, identity_id in entries)
    found = Found()
    asked: list[Entry] = []
    for line, identity_id in entries:
        verdict = inventory_verdict(pool_id, known.get(identity_id))
        if verdict is None:
            asked.append((line, identity_id))
        elif verdict.passes:
            found.confirmed += 1
        else:
            found.refused.append([line, identity_id, verdict.refusal])
    outcomes = fan_out(lambda entry: judge(pool_id, entry[1], clock), asked)
    for outcome in outcomes:
        line, identity_id = outcome.item
        if outcome.error is not None:
            raise CheckFailed(outcome.error, line, identity_id)
        verdict = outcome.value
        assert verdict is not None
        if verdict.refusal:
            found.refused.append([line, identity_id, verdict.refusal])
        elif verdict.missing:
            found.missing.append([line, identity_id])
    found.refused.sort()  # in input order, whoever settled them
    return found


# ---------------------------------------------------------------------------------------
# A draft's check, in a Celery task


def send_after_commit(draft_id: int) -> None:
    """Send the draft's check to a worker once the transaction saving it commits."""
    transaction.on_commit(lambda: broker.send_check(draft_id))


def advance(draft: Draft, clock: Clock) -> bool:
    """Check the draft's next batch and commit what it found; True while there is more to check.

    False when the check ended (ready, or failed: the draft says why), or when the commit was
    refused because the draft moved on without us (another task, a discard).
    """
    start = draft.checked
    rest = [(line, target) for line, target, _ in draft.targets[start : start + INVENTORY_WINDOW]]
    try:
        if draft.kind == Kind.MERGE:
            batch = rest[:CHECK_BATCH]
            found = check_sources(draft.pool_id, batch, clock)
        else:
            batch, known = next_batch(draft.pool_id, rest)
            found = check_batch(draft.pool_id, batch, clock, known)
    except CheckFailed as failure:
        _fail(draft, start, failure)
        return False
    changes: dict[str, Any] = {
        "checked": start + len(batch),
        "refused": draft.refused + found.refused,
        "missing": draft.missing + found.missing,
        "inventory_confirmed": draft.inventory_confirmed + found.confirmed,
        "check_moved_at": timezone.now(),
    }
    finished = changes["checked"] >= len(draft.targets)
    if finished:
        left_out = {entry[1] for entry in changes["refused"]} | {entry[1] for entry in changes["missing"]}
        changes.update(
            targets=[target for target in draft.targets if target[1] not in left_out],
            check_status=CheckStatus.READY,
            checked_at=changes["check_moved_at"],
        )
    committed = Draft.objects.filter(pk=draft.pk, check_status=CheckStatus.CHECKING, checked=start).update(
        check_throttled=F("check_throttled") + clock.take_throttled(), **changes
    )
    if not committed:
        return False
    for name, value in changes.items():
        setattr(draft, name, value)
    return not finished


def _fail(draft: Draft, start: int, failure: CheckFailed) -> None:
    now = timezone.now()
    Draft.objects.filter(pk=draft.pk, check_status=CheckStatus.CHECKING, checked=start).update(
        check_status=CheckStatus.FAILED,
        check_error_code=failure.error.code[:128],
        check_error=failure.describe(),
        check_moved_at=now,
        checked_at=now,
    )
    logger.warning("The membership check of draft %s stopped: %s", draft.pk, failure.describe())


def run_check(draft_id: int, *, seconds: float | None = None, send: broker.SendCheck | None = None) -> str:
    """Check the draft's ids from its committed position, for `seconds` at most (None: to the end).

    When time runs out the check is sent again (`send`, default: the Celery task) to go on
    where it stands. What happened: "ready", "failed", "continues", or "nothing to do".
    """
    draft = Draft.objects.filter(pk=draft_id, check_status=CheckStatus.CHECKING).first()
    if draft is None:
        return "nothing to do"
    clock = Clock(seconds)
    try:
        while advance(draft, clock):
            pass
    except retrying.OutOfTime:
        moved = Draft.objects.filter(pk=draft_id, check_status=CheckStatus.CHECKING).update(
            check_moved_at=timezone.now()
        )
        if moved:
            broker.send_check(draft_id, send)
        return "continues"
    draft.refresh_from_db()
    return str(draft.check_status)


def check_again(draft: Draft) -> bool:
    """Send a failed check again, from its committed position; False if it had not failed."""
    with transaction.atomic():
        again = Draft.objects.filter(pk=draft.pk, check_status=CheckStatus.FAILED).update(
            check_status=CheckStatus.CHECKING,
            check_error_code="",
            check_error="",
            checked_at=None,
            check_moved_at=timezone.now(),
        )
        if again:
            send_after_commit(draft.pk)
    return bool(again)


def reconcile_drafts(now: datetime, send: broker.SendCheck | None = None) -> tuple[int, int]:
    """Send again the checks that stopped moving; forget drafts kept long enough. (Re-sent, deleted.)"""
    stalled = Draft.objects.filter(check_status=CheckStatus.CHECKING).filter(
        Q(check_moved_at__isnull=True) | Q(check_moved_at__lt=now - timedelta(seconds=stall_seconds()))
    )
    resent = 0
    for pk in list(stalled.values_list("pk", flat=True)):
        # Conditional again: a task may have committed since the list was read.
        if stalled.filter(pk=pk).update(check_moved_at=now):
            broker.send_check(pk, send)
            resent += 1
    deleted, _ = Draft.objects.filter(
        ~Q(check_status=CheckStatus.CHECKING), checked_at__lt=now - DRAFT_LIFETIME
    ).delete()
    return resent, deleted


# ---------------------------------------------------------------------------------------
# The same check in the calling process (`manage.py job delete`)

Progress = Callable[[int, int, int], None]  # (checked, total, throttled so far)


def check_entries(
    pool_id: str, entries: Sequence[Entry], progress: Progress | None = None, *, kind: str = Kind.DELETE
) -> Found:
    """Check every entry now (a delete's ids, a merge's sources), batch after batch; CheckFailed
    when the check cannot go on."""
    clock = Clock()
    found = Found()
    throttled = 0
    start = 0
    while start < len(entries):
        if kind == Kind.MERGE:
            batch = entries[start : start + CHECK_BATCH]
            found.add(check_sources(pool_id, batch, clock))
        else:
            batch, known = next_batch(pool_id, entries[start : start + INVENTORY_WINDOW])
            found.add(check_batch(pool_id, batch, clock, known))
        start += len(batch)
        throttled += clock.take_throttled()
        if progress:
            progress(start, len(entries), throttled)
    return found
