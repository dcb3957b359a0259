"""Prune benchmark: 20,000 matching identities (guests) among 40,000, deleted by real Celery workers.

Each run seeds a fresh pool in bulk (the seeder writes rows directly, not through GetId), runs
the dry run in this process (unpaced: it is not what is measured), then starts the real run
with a Celery worker (concurrency 3: the walk lists while deletes run on the other slots) and
beat already running, and times it from the job's creation to its end.

(a) The embedded service's quotas off, the console's limiter off: identities deleted per second.
(b) The embedded service's quotas on at their defaults (EMULATOR_QUOTAS), the console's limiter
    at its defaults: the elapsed time beside the lower bound the quotas imply, the slower of
    the ListIdentities walk (its pages) and the DeleteIdentities calls (ceil(matches / 60)), each
    at its rate after the bucket's first second's burst, as a ratio. Target: within 1.15x of the bound.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

IDENTITIES = 40_000
MATCHING = 20_000
PAGE = 60
TARGET = 1.15
CONCURRENCY = 3
FINISH_WITHIN = 1800.0


@dataclass(frozen=True)
class PruneRun:
    label: str
    seconds: float
    deleted: int
    pages: int
    chunks: int
    throttled: int


@contextmanager
def _celery(workdir: Path, name: str, env: dict[str, str]) -> Iterator[None]:
    """A Celery worker and beat on this benchmark's database; stopped afterwards."""
    from django.conf import settings

    processes = []
    argvs = {
        "worker": [
            "worker",
            f"--concurrency={CONCURRENCY}",
            "--pool=prefork",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            f"--hostname=bench-{name}@%h",
            "--loglevel=INFO",
        ],
        "beat": ["beat", f"--schedule={workdir / f'beat-{name}'}", "--loglevel=WARNING"],
    }
    try:
        for role, argv in argvs.items():
            log = (workdir / f"prune-{name}-{role}.log").open("w")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "console", *argv],
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        _wait_for_worker(workdir / f"prune-{name}-worker.log", processes[0])
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_worker(log: Path, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{log.read_text()[-3000:]}")
        if log.exists() and " ready." in log.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker was not ready within {timeout} s:\n{log.read_text()[-3000:]}")


def _dry_run(pool_id: str) -> object:
    """The dry run, walked in this process with the limiter and the quotas off."""
    from django.conf import settings

    from console.jobs import prune, walk
    from console.jobs.models import Job, WalkState

    user = _bench_admin()
    saved = settings.COGNITO_RATE_LIMITER, settings.EMULATOR_QUOTAS
    settings.COGNITO_RATE_LIMITER, settings.EMULATOR_QUOTAS = False, False
    try:
        job = prune.start_dry_run(
            pool_id, prune.Filters(unauthenticated=True), user=user, reason="bench", send=lambda _: None
        )
        while Job.objects.get(pk=job.pk).walk_state == WalkState.LISTING:
            walk.run_walk(job.pk, send=lambda _: None)
    finally:
        settings.COGNITO_RATE_LIMITER, settings.EMULATOR_QUOTAS = saved
    return Job.objects.get(pk=job.pk)


def _bench_admin() -> object:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench-admin")
    user.groups.add(Group.objects.get(name="admin"))
    return user


def _one_run(workdir: Path, database_url: str, label: str, quotas: bool) -> PruneRun:
    from console.emulator.seeding import seed_identities
    from console.jobs import prune
    from console.jobs.models import Chunk, Job, Status

    seeded = seed_identities(
        f"prune-{label}",
        IDENTITIES,
        region="us-east-1",
        logins_ratio=(IDENTITIES - MATCHING) / IDENTITIES,
        batch_size=40_000,
    )
    dry = _dry_run(seeded.pool_id)
    if dry.total != MATCHING:
        raise RuntimeError(f"the dry run matched {dry.total} identities, not {MATCHING}")
    flag = "true" if quotas else "false"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        COGNITO_ENDPOINT="local",
        EMULATOR_QUOTAS=flag,
        COGNITO_RATE_LIMITER=flag,
    )
    env.pop("COGNITO_RATE_LIMITS", None)
    env.pop("EMULATOR_QUOTA_OVERRIDES", None)
    _reset_limiter()
    with _celery(workdir, label, env):
        job = prune.start_real_run(dry, user=_bench_admin(), reason="bench")
        deadline = time.monotonic() + FINISH_WITHIN
        while Job.objects.get(pk=job.pk).is_active:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the prune did not end within {FINISH_WITHIN:.0f} s")
            time.sleep(0.2)
    job = Job.objects.get(pk=job.pk)
    if job.status != Status.SUCCEEDED or job.done != dry.total:
        raise RuntimeError(f"the prune ended {job.status} with {job.done} of {dry.total} deleted")
    seconds = (job.finished_at - job.created_at).total_seconds()
    chunks = Chunk.objects.filter(job=job).count()
    return PruneRun(label, seconds, job.done, job.cursor["pages"], chunks, job.throttled)


def _reset_limiter() -> None:
    """Start with full buckets, as a quiet account would."""
    from console.aws.limiter import KEY_PREFIX
    from console.redisconn import get_redis

    client = get_redis()
    for key in client.scan_iter(f"{KEY_PREFIX}:*"):
        client.delete(key)
    client.close()


def _calls_time(calls: int, operation: str) -> float:
    """Seconds `calls` calls take at the operation's default quota: a full bucket (one second's
    worth, AWS's burst) goes at once, the rest at the refill rate."""
    from console.quotarates import default_rate

    rate = default_rate(operation)
    return max(0.0, calls - max(rate, 1.0)) / rate


def lower_bound(pages: int, matches: int) -> tuple[float, float, float]:
    """(bound, listing seconds, deleting seconds) at the default quotas."""
    listing = _calls_time(pages, "ListIdentities")
    deleting = _calls_time(math.ceil(matches / PAGE), "DeleteIdentities")
    return max(listing, deleting), listing, deleting


def run(workdir: Path, database_url: str, report: Callable[[str], None]) -> None:
    """Both runs, printed as the "Prune" section of `make bench`."""
    report("")
    report(
        f"Prune of {MATCHING:,} matching identities (guests) among {IDENTITIES:,}: real run with a Celery "
        f"worker (concurrency {CONCURRENCY}) and beat, from the job's creation to its end"
    )
    free = _one_run(workdir, database_url, "free", quotas=False)
    report(
        f"  (a) quotas off: {free.seconds:6.1f} s, {free.deleted / free.seconds:,.0f} identities deleted/s "
        f"({free.pages} pages listed, {free.chunks} DeleteIdentities chunks)"
    )
    paced = _one_run(workdir, database_url, "paced", quotas=True)
    bound, listing, deleting = lower_bound(paced.pages, paced.deleted)
    ratio = paced.seconds / bound
    report(
        f"  (b) quotas on at the defaults: {paced.seconds:6.1f} s; lower bound {bound:.1f} s "
        f"(ListIdentities {paced.pages} pages: {listing:.1f} s, DeleteIdentities "
        f"{math.ceil(paced.deleted / PAGE)} calls: {deleting:.1f} s); {paced.throttled} throttled calls"
    )
    verdict = "PASS" if ratio <= TARGET else "MISS"
    report(f"  {'prune elapsed / quota bound:':<40}{ratio:5.2f}x  (target <= {TARGET}x)  {verdict}")
