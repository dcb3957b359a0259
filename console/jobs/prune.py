"""Prune: delete the identities of a pool that match a filter, found by walking ListIdentities.

Every prune starts as a *dry run* (Kind.PRUNE_DRY_RUN): its walk lists the pool and records
each match as an Item (no chunk, outcome done, `line` its position in the listing), with the
job's total and done counted in the same commit as the walk's position. Nothing is deleted.

The *real run* (Kind.PRUNE, `job.dry_run` = its dry run) lists the pool again. For each page,
in one commit with the walk's position (walk.commit_step), the ids that match *now* and that
the dry run matched become one delete chunk (at most 60 ids, numbered in page order) with its
items, and the chunk is sent at once (runner.dispatch): other worker slots delete it while
the walk lists the next page, so listing and deleting run as a pipeline through the shared
limiter. A dry-run match seen on the page that no longer matches is skipped with the reason
("changed since the dry run: now has logins …"); an identity that matches now but was not
matched by the dry run is never deleted, only counted (the count typed back is the most a
run deletes). When the walk ends, every dry-run match it never saw is skipped ("no longer in
the pool"; "not reached" when cancelled or when listing failed). The real run's total is
the dry run's count from its start.

The disabled filter lists the pool twice: first with HideDisabled=true, recording each id
seen as a WalkMark; then without it: an id with no mark is disabled, but only if its
LastModifiedDate is before the first pass started (kept in the cursor), so an identity
created or changed during the walk is never taken for disabled. The marks are deleted when
the walk ends.

The cursor (Job.cursor) holds the walk's committed position:
    pass        1 (HideDisabled, marking) or 2 (matching); a walk without the disabled filter
                starts at pass 2
    token       the NextToken of the next page (None: the pass's first page)
    pages       ListIdentities pages listed (both passes), listed: identities listed in pass 2
    position    the line of the last identity of pass 2 (its place in the listing)
    first_pass_at   when pass 1 started (ISO), for the disabled test
    chunks, seen, new_matches   (real run) delete chunks made, dry-run matches met on the
                pages, identities matching now that the dry run did not match
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from console.audit.record import record_console_action
from console.aws import errors, jobs_calls
from console.aws.ids import region_of
from console.inventory import queries

from . import broker, runner, walk
from .models import Chunk, Item, Job, Kind, Outcome, Status, WalkMark

SAMPLE_SIZE = 20
# Dry-run matches checked at a time when the walk ends (those it never met are skipped).
UNSEEN_BATCH = 2000

GONE_MESSAGE = "Not deleted: no longer in the pool when the real run listed it."
CANCELLED_MESSAGE = "Not reached: the job was cancelled."
FAILED_MESSAGE = "Not reached: listing the pool failed (see the job's error)."


def confirmation_text(count: int) -> str:
    """What an admin types to run a dry run of `count` matches, e.g. "PRUNE 1234 IDENTITIES"."""
    return f"PRUNE {count} {'IDENTITY' if count == 1 else 'IDENTITIES'}"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "unknown"


@dataclass(frozen=True)
class Filters:
    """Which identities a prune deletes: all given conditions must hold; at least one is needed."""

    unauthenticated: bool = False
    disabled: bool = False
    modified_before: dt.date | None = None  # LastModifiedDate < that date 00:00 UTC
    created_before: dt.date | None = None  # CreationDate < that date 00:00 UTC

    @property
    def empty(self) -> bool:
        return not (self.unauthenticated or self.disabled or self.modified_before or self.created_before)

    def inventory_filters(self) -> queries.Filters:
        """The same conditions as the inventory's search filters (its dates are half-open too)."""
        return queries.Filters(
            guests=True if self.unauthenticated else None,
            disabled=True if self.disabled else None,
            modified_before=_midnight(self.modified_before) if self.modified_before else None,
            created_before=_midnight(self.created_before) if self.created_before else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "unauthenticated": self.unauthenticated,
            "disabled": self.disabled,
            "modified_before": self.modified_before.isoformat() if self.modified_before else None,
            "created_before": self.created_before.isoformat() if self.created_before else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Filters:
        def day(value: Any) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        return cls(
            unauthenticated=bool(data.get("unauthenticated")),
            disabled=bool(data.get("disabled")),
            modified_before=day(data.get("modified_before")),
            created_before=day(data.get("created_before")),
        )

    def conditions(self) -> list[str]:
        parts = []
        if self.unauthenticated:
            parts.append("have no linked logins (guests)")
        if self.disabled:
            parts.append("are disabled")
        if self.modified_before:
            parts.append(f"were last modified before {self.modified_before.isoformat()} 00:00 UTC")
        if self.created_before:
            parts.append(f"were created before {self.created_before.isoformat()} 00:00 UTC")
        return parts

    def describe(self) -> str:
        """The filter in words, e.g. "Identities that have no linked logins (guests) and are disabled"."""
        parts = self.conditions()
        if not parts:
            return "No condition (a prune needs at least one)"
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"Identities that {joined}"

    def failures(self, listed: jobs_calls.Listed, *, disabled: bool) -> list[str]:
        """The conditions `listed` fails, in words (empty: it matches)."""
        failing = []
        if self.unauthenticated and listed.logins:
            failing.append(f"now has logins {', '.join(listed.logins)}")
        if self.disabled and not disabled:
            failing.append(f"not disabled, or modified during the walk ({_when(listed.modified)})")
        if self.modified_before and not (
            listed.modified and listed.modified < _midnight(self.modified_before)
        ):
            failing.append(f"modified {_when(listed.modified)}")
        if self.created_before and not (listed.created and listed.created < _midnight(self.created_before)):
            failing.append(f"created {_when(listed.created)}")
        return failing

    def matches(self, listed: jobs_calls.Listed, *, disabled: bool) -> bool:
        return not self.failures(listed, disabled=disabled)


def describe_identity(listed: jobs_calls.Listed, *, disabled: bool) -> str:
    """A match's short description: its logins and dates (a dry run's item message)."""
    logins = ", ".join(listed.logins) if listed.logins else "none"
    state = "disabled; " if disabled else ""
    return f"{state}logins: {logins}; created {_when(listed.created)}; last modified {_when(listed.modified)}"


def filters_of(job: Job) -> Filters:
    return Filters.from_dict(job.params.get("filters") or {})


# ---------------------------------------------------------------------------------------
# Starting


def _who(user: AbstractBaseUser | None, schedule: Any) -> tuple[Any, str]:
    if user is not None:
        return user, user.get_username()
    return None, f"schedule {schedule.pk}" if schedule is not None else "system"


def start_dry_run(
    pool_id: str,
    filters: Filters,
    *,
    user: AbstractBaseUser | None,
    reason: str = "",
    schedule: Any = None,
    params: dict[str, Any] | None = None,
    send: broker.SendWalk | None = None,
) -> Job:
    """Create the dry run (and its "job.start" audit event); its walk is sent once committed.
    `params` are kept with the filter (a schedule's "Run now" marks its dry run so)."""
    if filters.empty:
        raise ValueError("Choose at least one condition: a prune never deletes a whole pool by accident.")
    region = region_of(pool_id)
    owner, name = _who(user, schedule)
    with transaction.atomic():
        job = Job.objects.create(
            kind=Kind.PRUNE_DRY_RUN,
            pool_id=pool_id,
            region=region,
            params={**(params or {}), "filters": filters.to_dict()},
            created_by=owner,
            created_by_name=name,
            reason=reason,
            schedule=schedule,
            cursor=_first_cursor(filters),
        )
        record_console_action(
            "job.start",
            pool_id=pool_id,
            region=region,
            request={"job": job.pk, "kind": job.kind, "filter": filters.describe()},
            reason=reason,
        )
        walk.start_walk(job.pk, send=send)
    return job


def refusal(dry_run: Job) -> str:
    """Why this dry run cannot be run for real now ("" when it can)."""
    if dry_run.kind != Kind.PRUNE_DRY_RUN:
        return f"Job {dry_run.pk} is not a prune's dry run."
    if dry_run.status != Status.SUCCEEDED:
        return (
            f"Dry run {dry_run.pk} has not succeeded ({dry_run.get_status_display().lower()}): run a new one."
        )
    if dry_run.total == 0:
        return f"Dry run {dry_run.pk} matched no identity: there is nothing to prune."
    existing = Job.objects.filter(dry_run=dry_run, kind=Kind.PRUNE).order_by("pk").first()
    if existing is not None:
        return (
            f"Dry run {dry_run.pk} was already run (job {existing.pk}); start a new dry run to prune again."
        )
    return ""


def start_real_run(
    dry_run: Job, *, user: AbstractBaseUser | None, reason: str, send: broker.SendWalk | None = None
) -> Job:
    """Start deleting what the dry run matched (and still matches); ValueError with a sentence if not allowed."""
    if not reason.strip():
        raise ValueError("Say why (a ticket id or a sentence): the reason is kept in the audit trail.")
    owner, name = _who(user, dry_run.schedule)
    with transaction.atomic():
        # Locked, so that two confirmations at once cannot both start a run.
        dry_run = Job.objects.select_for_update().get(pk=dry_run.pk)
        problem = refusal(dry_run)
        if problem:
            raise ValueError(problem)
        filters = filters_of(dry_run)
        job = Job.objects.create(
            kind=Kind.PRUNE,
            pool_id=dry_run.pool_id,
            region=dry_run.region,
            params={"filters": filters.to_dict()},
            total=dry_run.total,
            created_by=owner,
            created_by_name=name,
            reason=reason,
            dry_run=dry_run,
            schedule=dry_run.schedule,
            cursor=_first_cursor(filters),
        )
        record_console_action(
            "job.start",
            pool_id=job.pool_id,
            region=job.region,
            request={
                "job": job.pk,
                "kind": job.kind,
                "items": job.total,
                "dry_run": dry_run.pk,
                "filter": filters.describe(),
            },
            reason=reason,
        )
        walk.start_walk(job.pk, send=send)
    return job


def _first_cursor(filters: Filters) -> dict[str, Any]:
    return {"pass": 1 if filters.disabled else 2, "token": None, "pages": 0, "listed": 0, "position": 0}


# ---------------------------------------------------------------------------------------
# The walk: one ListIdentities page per step


def step(claim: walk.WalkClaim) -> str:
    """List one page and commit what it found (the walker of both prune kinds)."""
    job = claim.job
    cursor = dict(claim.cursor)
    first_pass = cursor.get("pass") == 1
    if first_pass and not cursor.get("first_pass_at") and not cursor.get("token"):
        cursor["first_pass_at"] = timezone.now().isoformat()
    try:
        page, token = walk.list_page(claim, cursor.get("token"), hide_disabled=first_pass)
    except errors.CognitoError as exc:
        return _stop_on_error(claim, cursor, exc)
    cursor["pages"] = cursor.get("pages", 0) + 1
    cursor["token"] = token
    if first_pass:
        return _commit_marks(claim, cursor, page, last=token is None)
    if job.kind == Kind.PRUNE_DRY_RUN:
        return _commit_dry_run_page(claim, cursor, page, last=token is None)
    return _commit_real_run_page(claim, cursor, page, last=token is None)


def _commit_marks(
    claim: walk.WalkClaim, cursor: dict[str, Any], page: Sequence[jobs_calls.Listed], *, last: bool
) -> str:
    job_id = claim.job_id

    def write() -> None:
        WalkMark.objects.bulk_create(
            [WalkMark(job_id=job_id, identity_id=listed.identity_id) for listed in page],
            ignore_conflicts=True,
        )

    if last:
        cursor.update({"pass": 2, "token": None})
    walk.commit_step(claim, cursor, write)
    return walk.StepResult.MORE


def _disabled_ids(
    claim: walk.WalkClaim, cursor: dict[str, Any], page: Sequence[jobs_calls.Listed]
) -> set[str]:
    """The page's identities that are disabled: not seen in pass 1, and unchanged since it began."""
    if not filters_of(claim.job).disabled:
        return set()
    started = dt.datetime.fromisoformat(cursor["first_pass_at"])
    ids = [listed.identity_id for listed in page]
    marked = set(
        WalkMark.objects.filter(job_id=claim.job_id, identity_id__in=ids).values_list(
            "identity_id", flat=True
        )
    )
    return {
        listed.identity_id
        for listed in page
        if listed.identity_id not in marked and listed.modified is not None and listed.modified < started
    }


def _positions(
    cursor: dict[str, Any], page: Sequence[jobs_calls.Listed]
) -> Iterator[tuple[int, jobs_calls.Listed]]:
    first = cursor.get("position", 0) + 1
    cursor["position"] = first - 1 + len(page)
    cursor["listed"] = cursor.get("listed", 0) + len(page)
    return zip(range(first, first + len(page)), page, strict=True)


def _commit_dry_run_page(
    claim: walk.WalkClaim, cursor: dict[str, Any], page: Sequence[jobs_calls.Listed], *, last: bool
) -> str:
    job_id = claim.job_id
    filters = filters_of(claim.job)
    disabled = _disabled_ids(claim, cursor, page)
    now = timezone.now()
    matches = [
        Item(
            job_id=job_id,
            line=line,
            target=listed.identity_id,
            outcome=Outcome.DONE,
            message=describe_identity(listed, disabled=listed.identity_id in disabled),
            finished_at=now,
        )
        for line, listed in _positions(cursor, page)
        if filters.matches(listed, disabled=listed.identity_id in disabled)
    ]

    def write() -> None:
        if matches:
            Item.objects.bulk_create(matches)
            Job.objects.filter(pk=job_id).update(
                total=F("total") + len(matches), done=F("done") + len(matches)
            )
        if last:
            WalkMark.objects.filter(job_id=job_id).delete()

    walk.commit_step(claim, cursor, write, done=last)
    return walk.StepResult.DONE if last else walk.StepResult.MORE


def _commit_real_run_page(
    claim: walk.WalkClaim, cursor: dict[str, Any], page: Sequence[jobs_calls.Listed], *, last: bool
) -> str:
    job = claim.job
    filters = filters_of(job)
    disabled = _disabled_ids(claim, cursor, page)
    ids = [listed.identity_id for listed in page]
    planned = set(Item.objects.filter(job_id=job.dry_run_id, target__in=ids).values_list("target", flat=True))
    # Already met (a listing that shows an id twice): never a second item.
    met = set(Item.objects.filter(job_id=job.pk, target__in=ids).values_list("target", flat=True))
    now = timezone.now()
    doomed: list[tuple[int, str]] = []
    changed: list[Item] = []
    new_matches = 0
    for line, listed in _positions(cursor, page):
        identity = listed.identity_id
        failing = filters.failures(listed, disabled=identity in disabled)
        if identity not in planned:
            new_matches += not failing
            continue
        if identity in met:
            continue
        met.add(identity)
        if failing:
            message = "Not deleted: changed since the dry run: " + "; ".join(failing) + "."
            changed.append(
                Item(
                    job_id=job.pk,
                    line=line,
                    target=identity,
                    outcome=Outcome.SKIPPED,
                    message=message,
                    finished_at=now,
                )
            )
        else:
            doomed.append((line, identity))
    cursor["seen"] = cursor.get("seen", 0) + len(doomed) + len(changed)
    cursor["new_matches"] = cursor.get("new_matches", 0) + new_matches
    number = cursor.get("chunks", 0)
    if doomed:
        cursor["chunks"] = number + 1

    def write() -> None:
        if doomed:
            chunk = Chunk.objects.create(job_id=job.pk, number=number)
            Item.objects.bulk_create(
                Item(job_id=job.pk, chunk=chunk, line=line, target=identity) for line, identity in doomed
            )
        if changed:
            Item.objects.bulk_create(changed)
            Job.objects.filter(pk=job.pk).update(skipped=F("skipped") + len(changed))
        if last:
            _finish_real_run(job, cursor, GONE_MESSAGE, now)

    walk.commit_step(claim, cursor, write, done=last)
    if doomed:
        # Deleted by other worker slots while this walk lists the next page.
        runner.dispatch(job.pk)
    return walk.StepResult.DONE if last else walk.StepResult.MORE


def _unseen(job: Job) -> Iterator[list[tuple[int, str]]]:
    """The dry run's matches this real run has no item for, in batches (line, target)."""
    after = (0, 0)
    while True:
        batch = list(
            Item.objects.filter(job_id=job.dry_run_id, line__gte=after[0])
            .exclude(line=after[0], id__lte=after[1])
            .order_by("line", "id")
            .values_list("line", "id", "target")[:UNSEEN_BATCH]
        )
        if not batch:
            return
        met = set(
            Item.objects.filter(job_id=job.pk, target__in=[target for _, _, target in batch]).values_list(
                "target", flat=True
            )
        )
        missing = [(line, target) for line, _, target in batch if target not in met]
        if missing:
            yield missing
        if len(batch) < UNSEEN_BATCH:
            return
        after = (batch[-1][0], batch[-1][1])


def _skip_unseen(job: Job, message: str, now: dt.datetime) -> int:
    skipped = 0
    for missing in _unseen(job):
        Item.objects.bulk_create(
            Item(
                job_id=job.pk,
                line=line,
                target=target,
                outcome=Outcome.SKIPPED,
                message=message,
                finished_at=now,
            )
            for line, target in missing
        )
        skipped += len(missing)
    if skipped:
        Job.objects.filter(pk=job.pk).update(skipped=F("skipped") + skipped)
    return skipped


def _finish_real_run(job: Job, cursor: dict[str, Any], message: str, now: dt.datetime) -> None:
    """The walk has ended (inside its last commit): skip what it never met, drop the marks."""
    if job.dry_run_id is not None and cursor.get("seen", 0) != job.total:
        _skip_unseen(job, message, now)
    WalkMark.objects.filter(job_id=job.pk).delete()


def _stop_on_error(claim: walk.WalkClaim, cursor: dict[str, Any], exc: errors.CognitoError) -> str:
    """ListIdentities refused (not a throttle): end the walk with the job's error set."""
    job = claim.job
    text = (
        f"ListIdentities failed: {exc.code}: {exc.message} "
        "Check that the pool still exists and that the console may list it, then start a new dry run."
    )
    now = timezone.now()

    def write() -> None:
        Job.objects.filter(pk=job.pk).update(error=text)
        if job.kind == Kind.PRUNE:
            _finish_real_run(job, cursor, FAILED_MESSAGE, now)
        else:
            WalkMark.objects.filter(job_id=job.pk).delete()

    walk.commit_step(claim, cursor, write, done=True)
    return walk.StepResult.DONE


def _on_cancel(job: Job, now: dt.datetime) -> None:
    """A cancelled prune's walk stops: the real run skips the dry-run matches it never reached."""
    if job.kind == Kind.PRUNE:
        _finish_real_run(job, dict(job.cursor or {}), CANCELLED_MESSAGE, now)
    else:
        WalkMark.objects.filter(job_id=job.pk).delete()


for _kind in (Kind.PRUNE_DRY_RUN, Kind.PRUNE):
    walk.WALKERS[_kind] = step
    walk.ON_CANCEL[_kind] = _on_cancel


# ---------------------------------------------------------------------------------------
# What the pages and the command show


def sample(dry_run: Job, size: int = SAMPLE_SIZE) -> list[Item]:
    """The dry run's first matches in listing order."""
    return list(Item.objects.filter(job=dry_run).order_by("line", "id")[:size])


def real_run_of(dry_run: Job) -> Job | None:
    return Job.objects.filter(dry_run=dry_run, kind=Kind.PRUNE).order_by("pk").first()


def ids_of(items: Iterable[Item]) -> list[str]:
    return [item.target for item in items]


# ---------------------------------------------------------------------------------------
# The estimate before a dry run


@dataclass(frozen=True)
class Estimate:
    """About how many identities a prune would match, from the inventory as of `as_of`; `count`
    is None (and `why_none` says why) when the inventory cannot tell."""

    count: int | None
    as_of: dt.datetime | None
    why_none: str = ""


def estimate(pool_id: str, filters: Filters) -> Estimate:
    """An instant count from the inventory (no Cognito call). Only an estimate: the dry run and
    the real run list the live pool (DESIGN.md invariant 7)."""
    stats = queries.stats(pool_id)
    if stats.as_of is None:
        return Estimate(None, None, "This pool has not been synced: the dry run is the first count.")
    if filters.disabled and stats.disabled_as_of is None:
        return Estimate(
            None,
            stats.as_of,
            "The inventory does not know which identities are disabled (no sync with the disabled "
            "option has completed): the dry run is the first count.",
        )
    return Estimate(queries.count_matches(pool_id, filters.inventory_filters()), stats.as_of)
