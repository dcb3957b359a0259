"""Sync inventory: list every identity of a pool into the inventory (console/inventory/store.py).

A sync is a walk job (walk.py) with no chunks. Each step lists one ListIdentities page and
commits, in one transaction with the walk's new position (walk.commit_step), the page's rows
(store.record_page): a step killed before its commit is listed again by whoever holds the walk
next, and its rows are written once more (an upsert: harmless). At the end of a complete walk,
in the last page's transaction, store.finish_sync marks gone the pool's identities this sync
never listed and recounts the pool.

With the disabled option the pool is listed twice: the first pass without HideDisabled (every
identity), then a second pass with HideDisabled=true (store.record_enabled_page): an identity
the first pass listed and the second did not is disabled. It doubles the listing's time.

A sync is named by the time it started (store.begin_sync, called when the job is created and
kept in the cursor as `sync_started`): a resumed sync keeps it, so "not listed by this sync"
stays exact across workers. A cancelled or failed sync marks nothing gone (store.abandon_sync).

Two syncs of one pool never run at once: the database refuses a second active sync job of a
pool (the partial unique constraint `job_one_active_sync` on Job), and `start_sync` answers
with the running one (SyncRunning).

The cursor (Job.cursor):
    pass           1 (every identity) or 2 (HideDisabled, with the disabled option)
    token          the NextToken of the pass's next page (None: its first page)
    pages          ListIdentities pages listed (both passes)
    listed         identities listed by pass 1; enabled: identities listed by pass 2
    sync_started   the sync's name (ISO time), passed to every store call
    marked_gone, as_of   what finish_sync did (once the walk has ended)
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from console.audit.record import record_console_action
from console.aws import errors, jobs_calls, limiter
from console.aws import pools as gateway_pools
from console.inventory import pool_names, store
from console.inventory.models import PoolState

from . import broker, walk
from .models import ACTIVE, Job, Kind

logger = logging.getLogger(__name__)

PAGE_SIZE = 60
# The unit the pool page's estimate is given in for a pool never synced.
ESTIMATE_UNIT = 300


class SyncRunning(Exception):
    """A sync of this pool is already running: `job` is it."""

    def __init__(self, job: Job) -> None:
        self.job = job
        super().__init__(f"A sync of pool {job.pool_id} is already running: job {job.pk}.")


# ---------------------------------------------------------------------------------------
# Starting


def running_sync(pool_id: str) -> Job | None:
    """The pool's active sync job, if one is running."""
    return Job.objects.filter(kind=Kind.SYNC, pool_id=pool_id, status__in=ACTIVE).order_by("pk").first()


def _who(user: AbstractBaseUser | None, schedule: Any) -> tuple[Any, str]:
    if user is not None:
        return user, user.get_username()
    return None, f"schedule {schedule.pk}" if schedule is not None else "system"


def start_sync(
    pool_id: str,
    *,
    user: AbstractBaseUser | None,
    disabled: bool = False,
    reason: str = "",
    schedule: Any = None,
    send: broker.SendWalk | None = None,
) -> Job:
    """Create the sync job (and its "job.start" audit event); its walk is sent once committed.

    SyncRunning when the pool already has an active sync (the database decides: two starts at
    once cannot both win)."""
    region = jobs_calls.region_of(pool_id)
    owner, name = _who(user, schedule)
    try:
        with transaction.atomic():
            started = timezone.now()
            job = Job.objects.create(
                kind=Kind.SYNC,
                pool_id=pool_id,
                region=region,
                params={"disabled": disabled},
                created_by=owner,
                created_by_name=name,
                reason=reason,
                schedule=schedule,
                cursor={
                    "pass": 1,
                    "token": None,
                    "pages": 0,
                    "listed": 0,
                    "enabled": 0,
                    "sync_started": started.isoformat(),
                },
            )
            store.begin_sync(pool_id, started_at=started)
            record_console_action(
                "job.start",
                pool_id=pool_id,
                region=region,
                request={"job": job.pk, "kind": Kind.SYNC, "disabled": disabled},
                reason=reason,
            )
            walk.start_walk(job.pk, send=send)
    except IntegrityError:
        running = running_sync(pool_id)
        if running is None:
            raise
        raise SyncRunning(running) from None
    return job


def every_pool() -> list[str]:
    """Every pool id of the regions the console shows (AWS_REGIONS), region by region; each
    region's whole listing also refreshes the pools' names (and which are gone) for the jobs pages."""
    found: list[str] = []
    for region in settings.AWS_REGIONS:
        started = timezone.now()
        pools = gateway_pools.all_pools(region)
        pool_names.listed(region, [(pool.pool_id, pool.name) for pool in pools], started=started)
        found += [pool.pool_id for pool in pools]
    return found


def start_all(
    *,
    user: AbstractBaseUser | None,
    disabled: bool = False,
    reason: str = "",
    schedule: Any = None,
    send: broker.SendWalk | None = None,
) -> list[tuple[str, Job, bool]]:
    """A sync of every pool of AWS_REGIONS: (pool id, its job, started) for each, where a pool
    whose sync was already running keeps it (started False)."""
    results: list[tuple[str, Job, bool]] = []
    for pool_id in every_pool():
        try:
            job = start_sync(
                pool_id, user=user, disabled=disabled, reason=reason, schedule=schedule, send=send
            )
        except SyncRunning as running:
            results.append((pool_id, running.job, False))
        else:
            results.append((pool_id, job, True))
    return results


# ---------------------------------------------------------------------------------------
# The estimate the pool page shows before starting


def seconds_per_page() -> float:
    """How long one ListIdentities page takes at the current quota (the shared limiter's rate)."""
    return 1.0 / limiter.rate("ListIdentities")


def estimate(pool_id: str, *, disabled: bool = False) -> dict[str, Any]:
    """What a sync of the pool should take: {"size", "as_of", "seconds"} from the last sync's
    size, or {"size": None, "seconds_per_unit", "unit"} when the pool was never synced."""
    passes = 2 if disabled else 1
    state = PoolState.objects.filter(pk=pool_id, as_of__isnull=False).first()
    if state is None:
        per_unit = math.ceil(ESTIMATE_UNIT / PAGE_SIZE) * seconds_per_page() * passes
        return {"size": None, "as_of": None, "unit": ESTIMATE_UNIT, "seconds_per_unit": per_unit}
    pages = max(1, math.ceil(state.total / PAGE_SIZE))
    return {"size": state.total, "as_of": state.as_of, "seconds": pages * seconds_per_page() * passes}


# ---------------------------------------------------------------------------------------
# The walk: one ListIdentities page per step


def _started(cursor: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(cursor["sync_started"])


def step(claim: walk.WalkClaim) -> str:
    """List one page and commit its rows with the walk's new position."""
    job = claim.job
    cursor = dict(claim.cursor)
    enabled_pass = cursor.get("pass") == 2
    began = time.monotonic()
    try:
        # seen_at: when the page was asked for (before the call): the listing shows the
        # identity existed then.
        page, token, seen_at = walk.listed(claim, cursor.get("token"), hide_disabled=enabled_pass)
    except errors.CognitoError as exc:
        return _stop(claim, exc)
    cursor["pages"] = int(cursor.get("pages", 0)) + 1
    cursor["token"] = token
    cursor["enabled" if enabled_pass else "listed"] = int(
        cursor.get("enabled" if enabled_pass else "listed", 0)
    ) + len(page)
    last_page = token is None
    finishing = last_page and (enabled_pass or not job.params.get("disabled"))
    if last_page and not finishing:
        cursor.update({"pass": 2, "token": None})
    if not finishing:
        # The next page is listed while this one commits (from the position committed with it).
        walk.list_ahead(
            claim, cursor["token"], hide_disabled=cursor["pass"] == 2, step_seconds=time.monotonic() - began
        )
    _commit_page(claim, cursor, page, enabled_pass=enabled_pass, seen_at=seen_at, finishing=finishing)
    return walk.StepResult.DONE if finishing else walk.StepResult.MORE


def _commit_page(
    claim: walk.WalkClaim,
    cursor: dict[str, Any],
    page: Sequence[jobs_calls.Listed],
    *,
    enabled_pass: bool,
    seen_at: dt.datetime,
    finishing: bool,
) -> None:
    job = claim.job
    started = _started(cursor)

    def write() -> None:
        record = store.record_enabled_page if enabled_pass else store.record_page
        record(job.pool_id, page, seen_at=seen_at, sync_started=started)
        if finishing:
            finished = store.finish_sync(
                job.pool_id, started, disabled_checked=bool(job.params.get("disabled")), job_id=job.pk
            )
            cursor.update(marked_gone=finished.marked_gone, as_of=finished.as_of.isoformat())
            Job.objects.filter(pk=job.pk).update(cursor=cursor)

    # The job's counters go with the position's own UPDATE: the identities the first pass listed.
    counts = (
        {} if enabled_pass or not page else {"done": F("done") + len(page), "total": F("total") + len(page)}
    )
    walk.commit_step(claim, cursor, write, done=finishing, counts=counts)


def _stop(claim: walk.WalkClaim, exc: errors.CognitoError) -> str:
    """ListIdentities refused (not a throttle): end the walk with the job's error; nothing is
    marked gone (the listing is incomplete)."""
    job = claim.job
    listed = int(claim.cursor.get("listed", 0))
    text = (
        f"ListIdentities failed: {exc.code}: {exc.message} The sync stopped after listing {listed} "
        "identities; the inventory keeps what it listed and marks nothing gone. Check that the pool "
        "still exists and that the console may list it, then sync again."
    )

    def write() -> None:
        Job.objects.filter(pk=job.pk).update(error=text)
        store.abandon_sync(job.pool_id)

    walk.commit_step(claim, claim.cursor, write, done=True)
    logger.warning("Sync job %s stopped: %s", job.pk, text)
    return walk.StepResult.DONE


def _on_cancel(job: Job, now: dt.datetime) -> None:
    """A cancelled sync keeps the pages it listed and marks nothing gone."""
    store.abandon_sync(job.pool_id)


walk.WALKERS[Kind.SYNC] = step
walk.ON_CANCEL[Kind.SYNC] = _on_cancel
