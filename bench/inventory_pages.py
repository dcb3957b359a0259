"""The pool page (with its counts and charts) and the dashboard, with millions of identities in the
inventory: both read the kept rows (the pools' state and daily counts), so the table's size must
not show in their time.

The inventory table is seeded directly (INSERT … SELECT over a generated series, no sync): a pool
of `small` identities is timed, then a second pool brings the table to `large` identities and is
timed the same way. Beside them, 20 small synced pools for the dashboard to rank. Each figure is
the server time of one GET through Django's whole stack (bench/console.py: middleware, session,
permission matrix, view, the embedded service's calls for the pool's settings, template), in one
process as a worker would run it, DEBUG off.

Targets (issue 21): pool page < 200 ms; the large table within 1.5x of the small one.

The database: a throwaway database on the PostgreSQL server BENCH_POSTGRES_URL names (default
postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards; without one, a throwaway SQLite
database (the figures then say so).

    python -m bench.inventory_pages [--small 100000] [--large 1000000]
    python -m bench.inventory_pages --big      # 1M and 10M (PostgreSQL: a few minutes of seeding)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import inventory as inventory_bench
from bench.measure import child_json
from bench.servers import ROOT

PAGE_TARGET_MS = 200.0
GROWTH_TARGET = 1.5
DEFAULT_SIZES = (100_000, 1_000_000)
BIG_SIZES = (1_000_000, 10_000_000)
SMALL_POOLS = 20
SAMPLES = 20
REGION = "us-east-1"
SPAN_DAYS = 720  # the seeded identities' creation dates spread over two years
FACEBOOK = "graph.facebook.com"
GOOGLE = "accounts.google.com"
DEVELOPER = "login.bench.app"


# --- In the measured process ----------------------------------------------------------------


def _series_sql(vendor: str) -> str:
    """INSERT the pool's identities 1..n: a quarter Facebook, a quarter Google and developer,
    half guests; creation dates evenly over SPAN_DAYS before %(end)s."""
    if vendor == "postgresql":
        return """
            INSERT INTO inventory_identity (identity_id, pool_id, region, created, modified, logins, guest,
                disabled, first_seen, last_seen, listed_in_sync, gone_how)
            SELECT %(region)s || ':' || lpad(to_hex(i), 8, '0') || '-' || lpad(to_hex(%(pool)s::int), 4, '0')
                       || '-4000-8000-' || lpad(to_hex(i), 12, '0'),
                   %(pool_id)s, %(region)s, c, c,
                   CASE i %% 4 WHEN 2 THEN %(facebook)s WHEN 3 THEN %(two)s ELSE '' END,
                   i %% 4 < 2, NULL, %(seen)s, %(seen)s, %(seen)s, ''
            FROM generate_series(1, %(n)s) AS i,
                 LATERAL (SELECT %(end)s::timestamptz - (%(n)s - i) * %(step)s * interval '1 second' AS c) AS t
        """
    return """
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %(n)s)
        INSERT INTO inventory_identity (identity_id, pool_id, region, created, modified, logins, guest,
            disabled, first_seen, last_seen, listed_in_sync, gone_how)
        SELECT %(region)s || ':' || printf('%%08x-%%04x-4000-8000-%%012x', i, %(pool)s, i),
               %(pool_id)s, %(region)s,
               strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(end_text)s, '-' || ((%(n)s - i) * %(step)s) || ' seconds'),
               strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(end_text)s, '-' || ((%(n)s - i) * %(step)s) || ' seconds'),
               CASE i %% 4 WHEN 2 THEN %(facebook)s WHEN 3 THEN %(two)s ELSE '' END,
               i %% 4 < 2, NULL, %(seen_text)s, %(seen_text)s, %(seen_text)s, ''
        FROM s
    """


def seed_pool(pool_id: str, number: int, count: int) -> None:
    """`count` identities of `pool_id` with their provider rows, its kept counts as of an hour ago
    and 90 days of daily rows (three sync days with totals), as syncs would have left them."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from console.inventory.models import DailyCount, InventoryIdentity, PoolState

    now = timezone.now()
    synced = now - dt.timedelta(hours=1)
    step = SPAN_DAYS * 86400 / count
    params = {
        "region": REGION,
        "pool": number,
        "pool_id": pool_id,
        "facebook": FACEBOOK,
        "two": f"{GOOGLE}\n{DEVELOPER}",
        "seen": synced,
        "seen_text": synced.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "end": synced,
        "end_text": synced.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "n": count,
        "step": step,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_series_sql(connection.vendor), params)
        for provider, logins in ((FACEBOOK, FACEBOOK), (GOOGLE, params["two"]), (DEVELOPER, params["two"])):
            cursor.execute(
                "INSERT INTO inventory_login (identity_id, pool_id, provider, created, modified) "
                "SELECT identity_id, pool_id, %s, created, modified FROM inventory_identity "
                "WHERE pool_id = %s AND logins = %s AND gone_at IS NULL",
                [provider, pool_id, logins],
            )
    quarters = count // 4 + (1 if count % 4 >= 3 else 0), count // 4 + (1 if count % 4 >= 2 else 0)
    guests = count - sum(quarters)
    providers = {FACEBOOK: quarters[1], GOOGLE: quarters[0], DEVELOPER: quarters[0]}
    PoolState.objects.update_or_create(
        pool_id=pool_id,
        defaults={
            "region": REGION,
            "synced_from": synced - dt.timedelta(minutes=30),
            "as_of": synced,
            "total": count,
            "guests": guests,
            "providers": providers,
        },
    )
    per_day = round(86400 / step)
    today = synced.date()
    days = [today - dt.timedelta(days=offset) for offset in range(89, -1, -1)]
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                pool_id=pool_id,
                day=day,
                created=per_day,
                total=count - per_day * (today - day).days if (today - day).days in (0, 30, 60) else None,
                guests=guests - per_day * (today - day).days // 2
                if (today - day).days in (0, 30, 60)
                else None,
                providers=providers if day == today else None,
            )
            for day in days
        ]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE inventory_identity; ANALYZE inventory_login; ANALYZE inventory_daily_count"
            )
    assert InventoryIdentity.objects.filter(pool_id=pool_id).exists()


def _create_pool(name: str) -> str:
    from console.aws.clients import build_client

    client = build_client(REGION, "local")
    return client.create_identity_pool(IdentityPoolName=name, AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]


def measure_in_process(sizes: tuple[int, int], samples: int) -> dict[str, Any]:
    """Seed and time; the figures as a dict (printed as JSON)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from bench.console import admin_client, sample_rounds

    settings.DEBUG = False  # as a worker: no SQL log
    settings.COGNITO_RATE_LIMITER = False  # the pages' own work, not the account's quota
    client = admin_client()
    for number in range(SMALL_POOLS):
        seed_pool(_create_pool(f"bench small {number}"), 100 + number, 1_000 + 500 * number)
    dashboard = reverse("pools:dashboard")
    figures: dict[str, Any] = {"vendor": connection.vendor, "sizes": [], "seed_seconds": []}
    seeded = 0
    for number, size in enumerate(sizes):
        pool_id = _create_pool(f"bench large {number}")
        began = time.perf_counter()
        seed_pool(pool_id, number + 1, size - seeded)
        figures["seed_seconds"].append(time.perf_counter() - began)
        seeded = size
        timings = sample_rounds(
            client,
            {"pool": (reverse("pools:detail", args=[pool_id]), 200), "dashboard": (dashboard, 200)},
            samples,
        )
        figures["sizes"].append(
            {
                "table": size,
                "pool": size - (sizes[0] if number else 0),
                **{name: [timing.median_ms, timing.p95_ms] for name, timing in timings.items()},
            }
        )
    figures["pools"] = SMALL_POOLS + len(sizes)
    figures["load"] = os.getloadavg()[0]
    return figures


# --- In the benchmark's process ---------------------------------------------------------------


def _measure_on(database_url: str, sizes: tuple[int, int], samples: int) -> dict[str, Any]:
    env = {
        **inventory_bench._env(database_url),
        "DEBUG": "true",  # development settings (no HTTPS redirect); measure_in_process turns DEBUG off
        "COGNITO_RATE_LIMITER": "false",
        "COGNITO_ENDPOINT": "local",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    argv = ["--measure", str(sizes[0]), str(sizes[1]), "--samples", str(samples)]
    return child_json("bench.inventory_pages", *argv, env=env)


def run(
    sqlite_url: str,
    report: Callable[[str], None],
    sizes: tuple[int, int] = DEFAULT_SIZES,
    samples: int = SAMPLES,
) -> None:
    """Measure on a throwaway PostgreSQL database if the server answers, else on `sqlite_url`;
    print the section."""
    server = os.environ.get("BENCH_POSTGRES_URL", inventory_bench.POSTGRES)
    if inventory_bench._postgres_answers(server):
        with inventory_bench._throwaway_postgres(server) as url:
            figures = _measure_on(url, sizes, samples)
    else:
        figures = _measure_on(sqlite_url, sizes, samples)
    for line in report_lines(figures):
        report(line)


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g}M"
    return f"{size / 1_000:g}k"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report_lines(figures: dict[str, Any]) -> list[str]:
    small, large = figures["sizes"]
    vendor = figures["vendor"]
    seeds = ", ".join(f"{seconds:,.0f} s" for seconds in figures["seed_seconds"])
    lines = [
        "",
        f"Pool page and dashboard over the inventory, {vendor} ({figures['pools']} synced pools; "
        f"table seeded directly in {seeds}); server time in-process, median / p95 ms",
    ]
    for name, label in (("pool", "pool page with counts and charts"), ("dashboard", "dashboard")):
        cells = "   ".join(
            f"{_size(each['table']):>4} inventoried: {each[name][0]:7.1f} / {each[name][1]:7.1f}"
            for each in (small, large)
        )
        lines.append(f"  {label:<34}{cells}")
    note = "" if vendor == "postgresql" else " (targets are for PostgreSQL: no server answered)"
    worst = max(small["pool"][0], large["pool"][0])
    lines.append(
        f"  {'pool page, slower of the two:':<40}{worst:7.1f} ms (target < {PAGE_TARGET_MS:.0f} ms)  "
        f"{_verdict(worst < PAGE_TARGET_MS)}{note}"
    )
    for name, label in (("pool", "pool page"), ("dashboard", "dashboard")):
        growth = large[name][0] / small[name][0]
        text = f"{label} {_size(large['table'])} / {_size(small['table'])}:"
        lines.append(
            f"  {text:<40}{growth:7.2f}x (target <= {GROWTH_TARGET}x)  {_verdict(growth <= GROWTH_TARGET)}{note}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inventory_pages", description=__doc__)
    parser.add_argument("--small", type=int, default=DEFAULT_SIZES[0])
    parser.add_argument("--large", type=int, default=DEFAULT_SIZES[1])
    parser.add_argument("--big", action="store_true", help="1M and 10M identities (PostgreSQL: minutes)")
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument("--measure", type=int, nargs=2, metavar="N", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_in_process(tuple(args.measure), args.samples)))
        return 0
    sizes = BIG_SIZES if args.big else (args.small, args.large)
    with tempfile.TemporaryDirectory(prefix="cognito-inventory-pages-bench-") as tmp:
        run(
            f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            lambda line: print(line, flush=True),
            sizes,
            args.samples,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
