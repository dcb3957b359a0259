"""Schedules: a saved prune (pool and filter), or an inventory sync (one pool, or every pool of
AWS_REGIONS), that runs every day at a time (UTC).

Celery beat calls `tick` every JOB_SCHEDULE_SECONDS. A tick does two things:

1. Every enabled schedule whose `next_run_at` has come starts its run: a prune schedule a dry
   run (a normal prune dry run), a sync schedule a sync of its pool or of every pool (a pool
   whose sync is still running is not synced twice: the schedule says so), attributed to the
   schedule's owner, with actor `schedules:<id>` in the audit trail.
   Its `next_run_at` moves to the next day's time by a conditional UPDATE first, so two beats
   (or a beat and a retried tick) never start the same run twice; a run missed while nothing
   was running is started once, not once per missed day.
2. Every scheduled dry run that has succeeded and has no decision yet gets one: nothing
   matched (nothing to do); at most the schedule's `max_unconfirmed` matched (the real run
   starts, for exactly that dry run's count, as if its owner had typed it); more matched (the
   run stops at its dry run: its page asks an admin to confirm, the usual way).

A schedule's filter ages rather than dates ("not modified for 90 days"): each run turns them
into the dates of its day (ScheduleFilter.on).

"Run now" starts a sync schedule's syncs at once (`run_sync_now`), and (`run_now`) a prune schedule's dry run, for the admin who asks, under
the one-off prune's rule: whatever it finds, nothing is deleted until an admin types its count
back on its page (the schedule's unconfirmed limit is for the daily runs only). Enabling and
disabling (`set_enabled`) are audited as schedule.enable / schedule.disable.

The owner must still exist, be active and hold run_jobs when a run is due; otherwise the run
is not started and the schedule says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from console.accounts.roles import has_perm
from console.audit.record import audit_actor, record_console_action
from console.aws import errors
from console.aws.ids import region_of

from . import prune, sync
from .models import Job, Kind, PruneSchedule, ScheduleKind, Status

logger = logging.getLogger(__name__)

# Keys of a scheduled dry run's params saying what its schedule decided once it finished.
DECISION = "schedule_decision"
NOTHING = "nothing"
STARTED = "started"
AWAITING = "awaiting_confirmation"
PROBLEM = "schedule_problem"
# A dry run an admin started with "Run now": the schedule decides nothing about it.
RUN_NOW = "run_now"


@dataclass(frozen=True)
class ScheduleFilter:
    """A prune filter whose date conditions are ages in days, fixed to dates on each run."""

    unauthenticated: bool = False
    disabled: bool = False
    modified_days: int | None = None
    created_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "unauthenticated": self.unauthenticated,
            "disabled": self.disabled,
            "modified_days": self.modified_days,
            "created_days": self.created_days,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScheduleFilter:
        def days(key: str) -> int | None:
            value = data.get(key)
            return int(value) if value is not None else None

        return cls(
            bool(data.get("unauthenticated")),
            bool(data.get("disabled")),
            days("modified_days"),
            days("created_days"),
        )

    def on(self, day: date) -> prune.Filters:
        """The prune filter of a run on `day`."""
        return prune.Filters(
            unauthenticated=self.unauthenticated,
            disabled=self.disabled,
            modified_before=day - timedelta(days=self.modified_days)
            if self.modified_days is not None
            else None,
            created_before=day - timedelta(days=self.created_days) if self.created_days is not None else None,
        )

    def describe(self) -> str:
        parts = []
        if self.unauthenticated:
            parts.append("unauthenticated (no linked logins)")
        if self.disabled:
            parts.append("disabled")
        if self.modified_days is not None:
            parts.append(f"not modified for {self.modified_days} day{'s' if self.modified_days != 1 else ''}")
        if self.created_days is not None:
            parts.append(
                f"created more than {self.created_days} day{'s' if self.created_days != 1 else ''} ago"
            )
        return "Identities " + ", and ".join(parts) if parts else "No condition"


def next_run_after(time_of_day: time, after: datetime) -> datetime:
    """The first moment strictly after `after` whose UTC time of day is `time_of_day`."""
    after = after.astimezone(UTC)
    candidate = datetime.combine(after.date(), time_of_day.replace(tzinfo=None), tzinfo=UTC)
    return candidate if candidate > after else candidate + timedelta(days=1)


def _describe(schedule: PruneSchedule) -> dict[str, Any]:
    if schedule.is_sync:
        return {
            "schedule": schedule.pk,
            "kind": schedule.kind,
            "pools": schedule.pool_id or "every pool",
            "disabled": bool(schedule.filters.get("disabled")),
            "time_utc": schedule.time_of_day.strftime("%H:%M"),
            "enabled": schedule.enabled,
        }
    return {
        "schedule": schedule.pk,
        "filters": schedule.filters,
        "filter": ScheduleFilter.from_dict(schedule.filters).describe(),
        "time_utc": schedule.time_of_day.strftime("%H:%M"),
        "max_unconfirmed": schedule.max_unconfirmed,
        "enabled": schedule.enabled,
    }


def create(
    pool_id: str,
    filters: ScheduleFilter,
    *,
    time_of_day: time,
    max_unconfirmed: int,
    reason: str,
    user: AbstractBaseUser,
    pool_name: str = "",
    enabled: bool = True,
    now: datetime | None = None,
) -> PruneSchedule:
    """Save a schedule (first run at the next `time_of_day`), with its audit event."""
    return _create(
        ScheduleKind.PRUNE,
        pool_id,
        filters.to_dict(),
        time_of_day=time_of_day,
        max_unconfirmed=max_unconfirmed,
        reason=reason,
        user=user,
        pool_name=pool_name,
        enabled=enabled,
        now=now,
    )


def create_sync(
    pool_id: str,
    *,
    disabled: bool,
    time_of_day: time,
    reason: str,
    user: AbstractBaseUser,
    pool_name: str = "",
    enabled: bool = True,
    now: datetime | None = None,
) -> PruneSchedule:
    """Save a daily inventory sync of one pool, or of every pool (`pool_id` empty), with its audit event."""
    return _create(
        ScheduleKind.SYNC,
        pool_id,
        {"disabled": disabled},
        time_of_day=time_of_day,
        max_unconfirmed=0,
        reason=reason,
        user=user,
        pool_name=pool_name,
        enabled=enabled,
        now=now,
    )


def _create(
    kind: str,
    pool_id: str,
    filters: dict[str, Any],
    *,
    time_of_day: time,
    max_unconfirmed: int,
    reason: str,
    user: AbstractBaseUser,
    pool_name: str,
    enabled: bool,
    now: datetime | None,
) -> PruneSchedule:
    now = now or timezone.now()
    with transaction.atomic():
        schedule = PruneSchedule.objects.create(
            kind=kind,
            pool_id=pool_id,
            region=region_of(pool_id) if pool_id else "",
            pool_name=pool_name,
            filters=filters,
            time_of_day=time_of_day,
            max_unconfirmed=max_unconfirmed,
            enabled=enabled,
            reason=reason,
            created_by=user,
            created_by_name=user.get_username(),
            next_run_at=next_run_after(time_of_day, now),
        )
        record_console_action(
            "schedule.create",
            pool_id=pool_id,
            region=schedule.region,
            after=_describe(schedule),
            reason=reason,
        )
    return schedule


def describe(schedule: PruneSchedule) -> str:
    """What a run of the schedule does, in words (the schedule list's "What" column)."""
    if schedule.is_sync:
        twice = (
            ", with the disabled pass (each pool listed twice)" if schedule.filters.get("disabled") else ""
        )
        return f"Inventory sync{twice}"
    return ScheduleFilter.from_dict(schedule.filters).describe()


def update(
    schedule: PruneSchedule,
    filters: ScheduleFilter,
    *,
    time_of_day: time,
    max_unconfirmed: int,
    enabled: bool,
    reason: str,
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> PruneSchedule:
    """Change a schedule (its next run follows the new time), with its audit event. A sync
    schedule's `options` ({"disabled": bool}) replace its filter."""
    now = now or timezone.now()
    with transaction.atomic():
        before = _describe(schedule)
        schedule.filters = dict(options) if schedule.is_sync and options is not None else filters.to_dict()
        schedule.time_of_day = time_of_day
        schedule.max_unconfirmed = max_unconfirmed
        schedule.enabled = enabled
        schedule.next_run_at = next_run_after(time_of_day, now)
        schedule.save()
        record_console_action(
            "schedule.update",
            pool_id=schedule.pool_id,
            region=schedule.region,
            before=before,
            after=_describe(schedule),
            reason=reason,
        )
    return schedule


def delete(schedule: PruneSchedule, *, reason: str) -> None:
    """Remove a schedule (jobs it started stay, unlinked), with its audit event."""
    with transaction.atomic():
        record_console_action(
            "schedule.delete",
            pool_id=schedule.pool_id,
            region=schedule.region,
            before=_describe(schedule),
            reason=reason,
        )
        schedule.delete()


def set_enabled(schedule: PruneSchedule, enabled: bool, *, now: datetime | None = None) -> bool:
    """Enable or disable a schedule, with its audit event; False (and no event) if it already was.
    An enabled schedule's next run is the next time of day to come, never one missed meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        schedule = PruneSchedule.objects.select_for_update().get(pk=schedule.pk)
        if schedule.enabled == enabled:
            return False
        before = _describe(schedule)
        schedule.enabled = enabled
        if enabled:
            schedule.next_run_at = next_run_after(schedule.time_of_day, now)
        schedule.save(update_fields=["enabled", "next_run_at"])
        record_console_action(
            "schedule.enable" if enabled else "schedule.disable",
            pool_id=schedule.pool_id,
            region=schedule.region,
            before=before,
            after=_describe(schedule),
        )
    return True


def run_now(schedule: PruneSchedule, *, user: AbstractBaseUser, now: datetime | None = None) -> Job:
    """Start a prune schedule's dry run now, for `user`, with the filter of today; it waits for a
    typed confirmation as a one-off prune does (its "job.start" event names the schedule)."""
    if schedule.is_sync:
        raise ValueError("Run now is for prune schedules.")
    now = now or timezone.now()
    return prune.start_dry_run(
        schedule.pool_id,
        ScheduleFilter.from_dict(schedule.filters).on(now.astimezone(UTC).date()),
        user=user,
        reason=f"Run now of prune schedule {schedule.pk}: {schedule.reason}",
        schedule=schedule,
        params={DECISION: RUN_NOW},
    )


def run_sync_now(schedule: PruneSchedule, *, user: AbstractBaseUser) -> list[tuple[str, Job, bool]]:
    """Start a sync schedule's run now, for `user`: its pool's sync, or every pool's. (pool id,
    its job, started) for each: a pool whose sync is still running keeps it (started False).
    errors.CognitoError when the pools cannot be listed."""
    if not schedule.is_sync:
        raise ValueError("This is a prune schedule: run_now starts its dry run.")
    reason = f"Run now of sync schedule {schedule.pk}: {schedule.reason}"
    disabled = bool(schedule.filters.get("disabled"))
    if not schedule.pool_id:
        return sync.start_all(user=user, disabled=disabled, reason=reason, schedule=schedule)
    try:
        job = sync.start_sync(
            schedule.pool_id, user=user, disabled=disabled, reason=reason, schedule=schedule
        )
    except sync.SyncRunning as running:
        return [(schedule.pool_id, running.job, False)]
    return [(schedule.pool_id, job, True)]


def _owner_problem(schedule: PruneSchedule) -> str:
    owner = schedule.created_by
    if owner is None:
        return f"Not started: its owner {schedule.created_by_name} no longer exists. Edit the schedule to take it over."
    if not owner.is_active or not has_perm(owner, "run_jobs"):
        return (
            f"Not started: its owner {owner.get_username()} may no longer run jobs. "
            "Edit the schedule to take it over."
        )
    return ""


def _run_reason(schedule: PruneSchedule) -> str:
    return f"Scheduled prune {schedule.pk} ({schedule.time_of_day:%H:%M} UTC): {schedule.reason}"


@dataclass(frozen=True)
class Ticked:
    """What one tick did (logged; tests read it)."""

    dry_runs: tuple[int, ...] = ()
    real_runs: tuple[int, ...] = ()
    awaiting: tuple[int, ...] = ()
    syncs: tuple[int, ...] = ()


def start_due(*, now: datetime | None = None) -> list[int]:
    """Start the run of every due schedule; the jobs started (prune dry runs and syncs)."""
    now = now or timezone.now()
    started: list[int] = []
    due = PruneSchedule.objects.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at", "pk")
    for schedule in due.select_related("created_by"):
        # Move the schedule on first: only the tick whose UPDATE wins starts the run.
        moved = PruneSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
            next_run_at=next_run_after(schedule.time_of_day, now), last_run_at=now
        )
        if not moved:
            continue
        problem = _owner_problem(schedule)
        PruneSchedule.objects.filter(pk=schedule.pk).update(last_problem=problem)
        if problem:
            logger.warning("Schedule %s: %s", schedule.pk, problem)
            continue
        if schedule.is_sync:
            started += _start_syncs(schedule)
            continue
        with audit_actor(f"schedules:{schedule.pk}", user=schedule.created_by):
            job = prune.start_dry_run(
                schedule.pool_id,
                ScheduleFilter.from_dict(schedule.filters).on(now.astimezone(UTC).date()),
                user=schedule.created_by,
                reason=_run_reason(schedule),
                schedule=schedule,
            )
        started.append(job.pk)
    return started


def _start_syncs(schedule: PruneSchedule) -> list[int]:
    """A sync schedule's run: its pool's sync, or every pool's; a pool still syncing is named."""
    reason = f"Scheduled sync {schedule.pk} ({schedule.time_of_day:%H:%M} UTC): {schedule.reason}"
    disabled = bool(schedule.filters.get("disabled"))
    still_running: list[str] = []
    started: list[int] = []
    with audit_actor(f"schedules:{schedule.pk}", user=schedule.created_by):
        if schedule.pool_id:
            try:
                job = sync.start_sync(
                    schedule.pool_id,
                    user=schedule.created_by,
                    disabled=disabled,
                    reason=reason,
                    schedule=schedule,
                )
                started.append(job.pk)
            except sync.SyncRunning as running:
                still_running.append(f"job {running.job.pk}")
        else:
            try:
                results = sync.start_all(
                    user=schedule.created_by, disabled=disabled, reason=reason, schedule=schedule
                )
            except errors.CognitoError as exc:
                problem = f"Not started: listing the pools failed: {exc.code}: {exc.message}"
                PruneSchedule.objects.filter(pk=schedule.pk).update(last_problem=problem)
                return []
            started += [job.pk for _, job, new in results if new]
            still_running += [f"job {job.pk}" for _, job, new in results if not new]
    if still_running:
        problem = f"Not started again where a sync was still running ({', '.join(still_running)})."
        PruneSchedule.objects.filter(pk=schedule.pk).update(last_problem=problem)
    return started


def decide_finished(*, now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Give each finished scheduled dry run its decision: (real runs started, dry runs awaiting)."""
    started: list[int] = []
    awaiting: list[int] = []
    finished = (
        Job.objects.filter(kind=Kind.PRUNE_DRY_RUN, schedule__isnull=False, status=Status.SUCCEEDED)
        .exclude(params__has_key=DECISION)
        .order_by("pk")
    )
    for pk in finished.values_list("pk", flat=True):
        with transaction.atomic():
            # Only the job's row is locked (PostgreSQL refuses FOR UPDATE across the outer joins).
            dry_run = (
                Job.objects.select_for_update(of=("self",)).select_related("schedule__created_by").get(pk=pk)
            )
            if DECISION in dry_run.params or dry_run.schedule is None:
                continue
            schedule = dry_run.schedule
            count = dry_run.done
            problem = _owner_problem(schedule)
            if Job.objects.filter(dry_run=dry_run, kind=Kind.PRUNE).exists():
                decision = STARTED  # an admin confirmed it from its page before this tick
            elif count == 0:
                decision = NOTHING
            elif count > schedule.max_unconfirmed or problem:
                decision = AWAITING
            else:
                decision = STARTED
                try:
                    with (
                        transaction.atomic(),
                        audit_actor(f"schedules:{schedule.pk}", user=schedule.created_by),
                    ):
                        job = prune.start_real_run(
                            dry_run, user=schedule.created_by, reason=_run_reason(schedule)
                        )
                    started.append(job.pk)
                except ValueError as exc:
                    decision, problem = AWAITING, f"The real run could not start: {exc}"
            params = {**dry_run.params, DECISION: decision}
            if problem and decision == AWAITING:
                params[PROBLEM] = problem
            Job.objects.filter(pk=pk).update(params=params)
            if decision == AWAITING:
                awaiting.append(pk)
    return started, awaiting


def tick(*, now: datetime | None = None) -> Ticked:
    """Beat's pass: start due dry runs, decide finished ones."""
    now = now or timezone.now()
    started = start_due(now=now)
    syncs = set(Job.objects.filter(pk__in=started, kind=Kind.SYNC).values_list("pk", flat=True))
    dry_runs = [pk for pk in started if pk not in syncs]
    real_runs, awaiting = decide_finished(now=now)
    report = Ticked(
        tuple(dry_runs), tuple(real_runs), tuple(awaiting), tuple(pk for pk in started if pk in syncs)
    )
    if report != Ticked():
        logger.info("Schedules: %s", report)
    return report


def awaiting_confirmation(job: Job) -> bool:
    """Whether this scheduled dry run found more than its schedule may delete unconfirmed."""
    return job.kind == Kind.PRUNE_DRY_RUN and job.params.get(DECISION) == AWAITING
