"""Inventory benchmark: the sync's writes, as the walk makes them, on PostgreSQL.

One process (DEBUG off, as a worker) writes a pool of N identities (default 1,000,000; half
guests, the others linked to one or two providers) through `store.record_page` in pages of 60,
one transaction per page (the walk commits each page with its cursor), then ends the sync with
`store.finish_sync` (mark gone, recount, daily counts), then lists the first 120,000 again
(a later sync: most identities unchanged). It prints identities written per second and the
process's peak resident memory (VmHWM); the pages' identities are made as they are written, as
ListIdentities hands them over, so memory that grows with the pool would be the store's.
Targets (issue 21): >= 5,000 identities/s on this 2-core machine, peak RSS < 200 MB for 1M.
It then times the reads a page makes on that pool: the browser's first page with its count,
filtered first pages, stats and pool_of (information: the page targets are the pages' own).

The database: a throwaway database made on the PostgreSQL server BENCH_POSTGRES_URL names
(default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards; without a server
there, the throwaway SQLite database of `make bench` (the figures then say so: the target is
PostgreSQL's).

    python -m bench.inventory [--identities 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.measure import child_json
from bench.servers import ROOT

RATE_TARGET = 5_000.0
PEAK_RSS_TARGET_MB = 200.0
PAGE = 60
RELISTED = 120_000
DEFAULT_IDENTITIES = 1_000_000
POOL = "us-east-1:0b0b0b0b-0000-4000-8000-000000000001"
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


# --- In the measured process ----------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _pages(count: int, seed: int = 21) -> Iterator[list[Any]]:
    """The pool's identities, page by page, made as they are needed (as a walk receives them)."""
    import datetime as dt
    import random
    import uuid

    from console.inventory.store import ListedIdentity

    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    providers = ((), (), ("graph.facebook.com",), ("accounts.google.com", "login.bench.app"))
    for first in range(0, count, PAGE):
        page = []
        for number in range(first, min(first + PAGE, count)):
            created = start + dt.timedelta(seconds=number * 30)
            page.append(
                ListedIdentity(
                    f"us-east-1:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    providers[number % 4],
                    created,
                    created + dt.timedelta(days=number % 7),
                )
            )
        yield page


def _server_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend (None elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs elsewhere
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ms(call: Callable[[], Any], repeat: int = 5) -> float:
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)[len(samples) // 2]


def measure_in_process(identities: int) -> dict[str, Any]:
    """Write the pool as a sync does and time it; the figures as a dict (printed as JSON)."""
    import datetime as dt

    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from console.inventory import queries, store

    started = store.begin_sync(POOL)
    server_before, client_before = _server_cpu_seconds(), time.process_time()
    begun = time.perf_counter()
    samples = [(0, _status_kb("VmRSS"))]
    written = 0
    for page in _pages(identities):
        with transaction.atomic():
            store.record_page(POOL, page, seen_at=timezone.now(), sync_started=started)
        written += len(page)
        if written % 100_020 == 0:
            samples.append((written, _status_kb("VmRSS")))
    write_seconds = time.perf_counter() - begun
    server_after, client_cpu = _server_cpu_seconds(), time.process_time() - client_before
    server_cpu = (
        server_after - server_before if server_before is not None and server_after is not None else None
    )
    begun = time.perf_counter()
    finished = store.finish_sync(POOL, started, disabled_checked=False)
    finish_seconds = time.perf_counter() - begun

    again = store.begin_sync(POOL)
    relisted = min(RELISTED, identities)
    begun = time.perf_counter()
    for page in _pages(relisted):
        with transaction.atomic():
            store.record_page(POOL, page, seen_at=timezone.now(), sync_started=again)
    relist_seconds = time.perf_counter() - begun
    store.abandon_sync(POOL)

    some_id = next(_pages(1))[0].identity_id
    middle = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=identities * 15)
    reads = {
        "first page (newest), with the count": lambda: queries.search(POOL),
        "guests created before the middle, with the count": lambda: queries.search(
            POOL, queries.Filters(guests=True, created_before=middle)
        ),
        "linked to Facebook, by last modified": lambda: queries.search(
            POOL, queries.Filters(provider="graph.facebook.com"), queries.Sort.MODIFIED_DESC, count=False
        ),
        "stats": lambda: queries.stats(POOL),
        "pool_of": lambda: queries.pool_of(some_id),
    }
    return {
        "vendor": connection.vendor,
        "identities": identities,
        "write_seconds": write_seconds,
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
        "load": os.getloadavg()[0],
        "finish_seconds": finish_seconds,
        "total": finished.total,
        "relisted": relisted,
        "relist_seconds": relist_seconds,
        "reads_ms": {label: _ms(read) for label, read in reads.items()},
        "peak_rss_kb": _status_kb("VmHWM"),
        "samples": samples,
    }


# --- In the benchmark's process ---------------------------------------------------------------


def _postgres_answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3, autocommit=True):
            return True
    except Exception:  # noqa: BLE001 - no server: fall back to SQLite
        return False


@contextmanager
def _throwaway_postgres(server_url: str) -> Iterator[str]:
    """A fresh database on the server, dropped afterwards: its URL."""
    import psycopg

    name = f"console_bench_inventory_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-not-secret",
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "LOG_LEVEL": "WARNING",
    }


def _measure_on(database_url: str, identities: int) -> dict[str, Any]:
    env = _env(database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return child_json("bench.inventory", "--measure", str(identities), env=env)


def run(sqlite_url: str, report: Callable[[str], None], identities: int = DEFAULT_IDENTITIES) -> None:
    """Measure on a throwaway PostgreSQL database if the server answers, else on `sqlite_url`;
    print the section."""
    server = os.environ.get("BENCH_POSTGRES_URL", POSTGRES)
    if _postgres_answers(server):
        with _throwaway_postgres(server) as url:
            figures = _measure_on(url, identities)
    else:
        figures = _measure_on(sqlite_url, identities)
    _report(figures, report)


def _report(figures: dict[str, Any], report: Callable[[str], None]) -> None:
    count = figures["identities"]
    rate = count / figures["write_seconds"]
    relist_rate = figures["relisted"] / figures["relist_seconds"]
    peak = figures["peak_rss_kb"] / 1024
    vendor = figures["vendor"]
    report("")
    report(
        f"Inventory sync writes, {count:,} identities on {vendor} (one process as a worker, DEBUG off, "
        f"pages of {PAGE}, one transaction each)"
    )
    report(
        f"  first sync: {figures['write_seconds']:,.1f} s ({rate:,.0f} identities/s); finish_sync "
        f"(gone, recount, daily counts) {figures['finish_seconds']:,.1f} s; {figures['total']:,} counted"
    )
    report(
        f"  a later sync, {figures['relisted']:,} identities mostly unchanged: {relist_rate:,.0f} identities/s"
    )
    if figures["server_cpu"] is not None:
        per_thousand = 1000 / count
        cpu = figures["client_cpu"] + figures["server_cpu"]
        report(
            f"  CPU per 1,000 identities: {figures['client_cpu'] * per_thousand * 1000:,.0f} ms in this process "
            f"(making the pages included), {figures['server_cpu'] * per_thousand * 1000:,.0f} ms in the database's "
            f"backend: {count / cpu:,.0f} identities/s when neither waits for the other's CPU "
            f"(load average {figures['load']:.1f} at the end: the elapsed rate counts the other processes' time too)"
        )
    samples = figures["samples"]
    report(
        f"  RSS {samples[0][1] / 1024:,.0f} MB at the start, {samples[-1][1] / 1024:,.0f} MB after "
        f"{samples[-1][0]:,}; peak {peak:,.0f} MB (VmHWM)"
    )
    for label, ms in figures["reads_ms"].items():
        report(f"  read: {label:<52}{ms:8.1f} ms")
    note = "" if vendor == "postgresql" else " (target is for PostgreSQL: no server answered)"
    verdict = "PASS" if rate >= RATE_TARGET and vendor == "postgresql" else "MISS"
    report(f"  {'inventory writes:':<40}{rate:7,.0f}/s (target >= {RATE_TARGET:,.0f}/s)  {verdict}{note}")
    verdict = "PASS" if peak < PEAK_RSS_TARGET_MB else "MISS"
    report(
        f"  {'inventory sync peak RSS:':<40}{peak:5.0f} MB (target < {PEAK_RSS_TARGET_MB:.0f} MB)  {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inventory", description=__doc__)
    parser.add_argument("--identities", type=int, default=DEFAULT_IDENTITIES)
    parser.add_argument("--measure", type=int, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_in_process(args.measure)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cognito-inventory-bench-") as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", lambda line: print(line, flush=True), args.identities)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
