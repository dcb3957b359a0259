"""Sync benchmark: an inventory sync end to end (console/jobs/sync.py), the walk as a worker runs it.

Two measurements, each a process running the sync's walk exactly as a Celery worker does
(walk.run_walk, one task's time share after another, DEBUG off) on a pool of the embedded
service seeded with console/emulator/seeding.py (`seed_identities`: half the identities linked
to a provider, 5% disabled):

1. Quotas off (no shared rate limiter, no simulated quotas): ListIdentities through boto3 and
   the embedded service, each page upserted with its cursor in one transaction, then the end of
   the sync. Identities written per second (target >= 5,000/s on PostgreSQL, this 2-core
   machine: the database never the bottleneck when an account's quota is raised) and the
   process's peak resident memory (VmHWM; target < 200 MB for 1M identities). The
   inventory's store-only write rate is bench/inventory.py's; this one includes the listing.
2. Quotas on at their defaults (the console's shared limiter at 5 ListIdentities a second and
   the embedded service's simulated quotas): the elapsed time beside the bound the quota
   implies (pages / 5 s, pool size / 60 / 5), ratio target <= 1.05.

The database: a throwaway database on the PostgreSQL server BENCH_POSTGRES_URL names (default
postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards; without a server there, a
throwaway SQLite database (the figures then say so). The limiter needs Redis: REDIS_URL (make
bench sets it).

    python -m bench.sync [--identities 200000] [--quota-identities 6000]
    python -m bench.sync --identities 1000000      # the 1M figure (about 10 minutes here)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.inventory import POSTGRES, _postgres_answers, _throwaway_postgres
from bench.measure import child_json
from bench.servers import ROOT

RATE_TARGET = 5_000.0
PEAK_RSS_TARGET_MB = 200.0
RATIO_TARGET = 1.05
PAGE = 60
DEFAULT_IDENTITIES = 200_000
QUOTA_IDENTITIES = 6_000
# The walker's task time share in the measured process (a sample of RSS after each share).
TASK_SECONDS = 20


# --- In the measured process ----------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


_backend_pid: list[int] = []


def _server_cpu_seconds() -> float | None:
    """CPU time used so far by this process's PostgreSQL backend (None elsewhere): its pid is
    asked once, then read from /proc, so that timing a page adds no query to it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    if not _backend_pid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _backend_pid.append(cursor.fetchone()[0])
    try:
        fields = Path(f"/proc/{_backend_pid[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def seed(identities: int, name: str) -> dict[str, Any]:
    """Seed a pool of the embedded service (in this process); its id and the time it took."""
    import django

    django.setup()
    from console.emulator.seeding import seed_identities

    seeded = seed_identities(
        name, identities, logins_ratio=0.5, disabled_ratio=0.05, batch_size=50_000, spread_days=365
    )
    return {"pool_id": seeded.pool_id, "seconds": seeded.seconds}


def sync_to_the_end(pool_id: str) -> dict[str, Any]:
    """Start a sync of the pool and run its walk until the job ends; figures as a dict."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from console.aws import limiter
    from console.jobs import sync, walk
    from console.jobs.models import Job

    limiter.reset()
    # The time of the sync's own work (the page's upsert and its cursor, in one commit), apart
    # from the ListIdentities call (boto3 and the embedded service in this process).
    own = [0.0, 0.0, 0.0]  # elapsed, this process's CPU, the database backend's CPU
    commit_page = sync._commit_page

    def timed_commit(*args: Any, **kwargs: Any) -> None:
        began, cpu, server = time.perf_counter(), time.process_time(), _server_cpu_seconds()
        try:
            commit_page(*args, **kwargs)
        finally:
            own[0] += time.perf_counter() - began
            own[1] += time.process_time() - cpu
            after = _server_cpu_seconds()
            own[2] += (after - server) if after is not None and server is not None else 0.0

    sync._commit_page = timed_commit
    user, _ = get_user_model().objects.get_or_create(username="bench-admin")
    user.groups.add(Group.objects.get(name="admin"))
    job = sync.start_sync(pool_id, user=user, reason="benchmark", send=lambda _job_id: None)
    server_before, client_before = _server_cpu_seconds(), time.process_time()
    started = time.monotonic()
    samples = [(0, _status_kb("VmRSS"))]
    while True:
        walk.run_walk(job.pk, send=lambda _job_id: None)
        job = Job.objects.get(pk=job.pk)
        samples.append((job.done, _status_kb("VmRSS")))
        if not job.is_active:
            break
    elapsed = time.monotonic() - started
    server_after, client_cpu = _server_cpu_seconds(), time.process_time() - client_before
    return {
        "seconds": elapsed,
        "client_cpu": client_cpu,
        "server_cpu": None if server_before is None or server_after is None else server_after - server_before,
        "commit_seconds": own[0],
        "commit_client_cpu": own[1],
        "commit_server_cpu": own[2],
        "status": job.status,
        "written": job.done,
        "pages": job.cursor.get("pages", 0),
        "throttled": job.throttled,
        "error": job.error,
        "peak_rss_kb": _status_kb("VmHWM"),
        "samples": samples,
    }


# --- In the benchmark's process ---------------------------------------------------------------


def _env(database_url: str, *, quotas: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-not-secret",
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "COGNITO_ENDPOINT": "local",
        "COGNITO_RATE_LIMITER": "true" if quotas else "false",
        "EMULATOR_QUOTAS": "true" if quotas else "false",
        "JOB_CHUNK_TIME_LIMIT": str(round(TASK_SECONDS / 0.75)),
        "LOG_LEVEL": "WARNING",
    }
    for name in ("COGNITO_RATE_LIMITS", "EMULATOR_QUOTA_OVERRIDES"):
        env.pop(name, None)  # the defaults
    return env


def _child(env: dict[str, str], *args: str) -> dict[str, Any]:
    return child_json("bench.sync", *args, env=env)


@contextmanager
def _database(workdir: Path) -> Iterator[tuple[str, str]]:
    """(database URL, vendor): a throwaway PostgreSQL database, else a throwaway SQLite one."""
    server = os.environ.get("BENCH_POSTGRES_URL", POSTGRES)
    if _postgres_answers(server):
        with _throwaway_postgres(server) as url:
            yield url, "PostgreSQL"
    else:
        yield (
            f"sqlite:///{workdir / 'sync.sqlite3'}",
            "SQLite (no PostgreSQL server: the target is PostgreSQL's)",
        )


def run(
    report: Callable[[str], None],
    identities: int = DEFAULT_IDENTITIES,
    quota_identities: int = QUOTA_IDENTITIES,
) -> None:
    """Both measurements, each on a pool of its own, and their lines beside the targets."""
    with (
        tempfile.TemporaryDirectory(prefix="cognito-sync-bench-") as tmp,
        _database(Path(tmp)) as (url, vendor),
    ):
        off = _env(url, quotas=False)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=off, check=True
        )
        seeded = _child(off, "--seed", str(identities), "sync-bench")
        fast = _child(off, "--walk", seeded["pool_id"])
        paced_pool = _child(off, "--seed", str(quota_identities), "sync-bench-quota")
        paced = _child(_env(url, quotas=True), "--walk", paced_pool["pool_id"])
    _report(report, vendor, identities, seeded["seconds"], fast, quota_identities, paced)


def _report(
    report: Callable[[str], None],
    vendor: str,
    identities: int,
    seed_seconds: float,
    fast: dict[str, Any],
    quota_identities: int,
    paced: dict[str, Any],
) -> None:
    rate = fast["written"] / fast["seconds"] if fast["seconds"] else 0.0
    peak = fast["peak_rss_kb"] / 1024
    samples = fast["samples"]
    report("")
    report(
        f"Inventory sync end to end of {identities:,} identities ({vendor}; one process running the walk as a "
        f"worker does, DEBUG off; pool seeded in {seed_seconds:,.0f} s)"
    )
    report(
        f"  quotas off: {fast['status']}, {fast['written']:,} identities in {fast['pages']:,} pages, "
        f"{fast['seconds']:,.1f} s; RSS {samples[0][1] / 1024:,.0f} MB at the start, "
        f"{samples[-1][1] / 1024:,.0f} MB at the end"
    )
    complete = fast["status"] == "succeeded" and fast["written"] == identities
    verdict = "PASS" if rate >= RATE_TARGET and complete else "MISS"
    report(f"  {'sync identities written/s:':<40}{rate:7,.0f}/s (target >= {RATE_TARGET:,.0f}/s)  {verdict}")
    commits = fast["commit_seconds"]
    waiting = fast["seconds"] - commits
    pages = max(1, fast["pages"])
    report(
        f"  where the time goes, a page: {1000 * waiting / pages:.1f} ms waiting for its ListIdentities answer "
        f"(boto3 and the embedded service, in this process; listed ahead in a thread while the page before "
        f"commits, on PostgreSQL), {1000 * commits / pages:.1f} ms committing it (upsert + cursor) "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    cpu = fast["client_cpu"] + (fast["server_cpu"] or 0.0)
    if cpu:

        def per_thousand(seconds: float) -> str:
            return f"{1e6 * seconds / fast['written']:.0f} ms"

        report(
            f"  CPU per 1,000 identities: {per_thousand(cpu)} ({per_thousand(fast['client_cpu'])} in this process, "
            f"both threads; {per_thousand(fast['server_cpu'] or 0.0)} in the database's backend): this process's "
            f"share bounds the rate at {fast['written'] / fast['client_cpu'] if fast['client_cpu'] else 0:,.0f}/s "
            "(its threads share one interpreter) when the machine's other processes take none of its CPU"
        )
    verdict = "PASS" if peak < PEAK_RSS_TARGET_MB and complete else "MISS"
    scale = (
        ""
        if identities >= 1_000_000
        else f" at {identities:,}; 1M: python -m bench.sync --identities 1000000"
    )
    report(
        f"  {'sync peak RSS:':<40}{peak:7.0f} MB (target < {PEAK_RSS_TARGET_MB:.0f} MB for 1M{scale})  {verdict}"
    )
    bound = math.ceil(quota_identities / PAGE) / 5.0
    ratio = paced["seconds"] / bound
    report(
        f"  quotas on (defaults: ListIdentities 5/s, limiter and embedded service): {paced['status']}, "
        f"{paced['written']:,} identities in {paced['pages']:,} pages, {paced['seconds']:,.1f} s, "
        f"{paced['throttled']} throttled calls retried; the quota's bound {bound:,.1f} s"
    )
    verdict = "PASS" if ratio <= RATIO_TARGET and paced["written"] == quota_identities else "MISS"
    report(f"  {'sync elapsed / quota bound:':<40}{ratio:7.3f}   (target <= {RATIO_TARGET})  {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--identities", type=int, default=DEFAULT_IDENTITIES)
    parser.add_argument("--quota-identities", type=int, default=QUOTA_IDENTITIES)
    parser.add_argument("--seed", nargs=2, metavar=("COUNT", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--walk", metavar="POOL_ID", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.seed:
        print(json.dumps(seed(int(args.seed[0]), args.seed[1])))
        return 0
    if args.walk:
        print(json.dumps(sync_to_the_end(args.walk)))
        return 0
    run(lambda line: print(line, flush=True), args.identities, args.quota_identities)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
