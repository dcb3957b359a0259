"""`python -m bench [--quick]`: run every measurement once and print the figures and ratios."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import bulk_check, inventory_pages
from bench import concurrent as concurrent_users
from bench import console as console_pages
from bench import export as export_bench
from bench import inventory as inventory_bench
from bench import prune as prune_bench
from bench import sync as sync_bench
from bench.measure import Rate, median, rate, timed
from bench.servers import ROOT, moto_server, our_server, trivial_server

REGION = "us-east-1"
RESULTS = ROOT / "bench-results" / "latest.txt"
PAGE = 60
GET_ID_TARGET = 2.0  # ours over HTTP at least twice moto
LIST_TARGET = 1.5  # ListIdentities at the largest pool within 1.5x of a 1k pool

# Reference figures for this kind of machine (2 cores), from DESIGN.md and earlier runs.
REFERENCE = (
    "Reference (DESIGN.md, this kind of machine): one boto3 client does ~500-650 GetId/s against a "
    "trivial app,\n~155/s against moto, ~2,650/s in-process with a canned answer."
)


@dataclass(frozen=True)
class Plan:
    seconds: float
    our_sizes: tuple[int, ...]
    moto_sizes: tuple[int, ...]
    first_pages: int
    positions: int
    pages_per_position: int
    console_samples: int
    # Identities the inventory benchmark writes (bench/inventory.py).
    inventoried: int
    # Identities of the pool the sync benchmark lists end to end (bench/sync.py; 1M: its --identities).
    synced: int
    # The two inventory table sizes the pool page and the dashboard are timed at
    # (bench/inventory_pages.py; --inventory-big: 1M and 10M).
    page_sizes: tuple[int, int] = inventory_pages.DEFAULT_SIZES
    # Ids of a bulk delete the inventory knows, checked against their pool (bench/bulk_check.py).
    bulk_checked: int = bulk_check.IDS


FULL = Plan(5.0, (1_000, 20_000, 1_000_000), (1_000, 20_000), 20, 10, 5, 40, 1_000_000, 200_000)
QUICK = Plan(3.0, (1_000, 20_000, 100_000), (1_000,), 10, 5, 4, 12, 100_000, 20_000, (10_000, 100_000))


@dataclass
class Report:
    """Prints each line as it comes and keeps them for bench-results/latest.txt."""

    lines: list[str] = field(default_factory=list)

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def save(self) -> None:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(self.lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller pools and shorter runs (smoke test)")
    parser.add_argument("--prune-only", action="store_true", help="only the prune benchmark")
    parser.add_argument(
        "--concurrent-only",
        action="store_true",
        help="only the concurrent users on gunicorn (about 90 s)",
    )
    parser.add_argument(
        "--bulk-check-only",
        action="store_true",
        help="only the bulk delete check of 20,000 ids the inventory knows (seconds)",
    )
    parser.add_argument(
        "--inventory-big",
        action="store_true",
        help="time the pool page and the dashboard at 1M and 10M inventoried identities (minutes of seeding)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.inventory_big:
        plan = dataclasses.replace(plan, page_sizes=inventory_pages.BIG_SIZES)
    with tempfile.TemporaryDirectory(prefix="cognito-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        database_url = _setup_django(workdir)
        stack.enter_context(_bench_redis(workdir))
        report = Report()
        started = time.monotonic()
        if args.concurrent_only:
            concurrent_users.run(workdir, database_url, REGION, report.line, quick=args.quick)
            return 0
        if args.bulk_check_only:
            bulk_check.run(report.line, plan.bulk_checked)
            return 0
        if not args.prune_only:
            _run(plan, workdir, database_url, report)
        prune_bench.run(workdir, database_url, report.line)
        if not args.prune_only:
            # Pages under the account's quotas: 20 support agents and pool pages on gunicorn.
            concurrent_users.run(workdir, database_url, REGION, report.line, quick=plan is QUICK)
        report.line()
        report.line(f"Total time {time.monotonic() - started:.0f} s")
        if args.prune_only:
            return 0
        report.save()
    print(f"Written to {RESULTS.relative_to(ROOT)}")
    return 0


BENCH_REDIS_DB = 14


@contextmanager
def _bench_redis(workdir: Path) -> Iterator[None]:
    """The Redis the prune benchmark's workers share: REDIS_URL when set; else the machine's
    Redis, database 14 (not the one `make run` uses); else an embedded one, stopped afterwards."""
    from django.conf import settings

    from console.localrun.redis import answers, local_redis_url, socket_url, start_embedded

    if os.environ.get("REDIS_URL"):
        yield
        return
    local = local_redis_url().rsplit("/", 1)[0] + f"/{BENCH_REDIS_DB}"
    server = None
    if answers(local):
        url = local
    else:
        socket = workdir / "redis.sock"
        server = start_embedded(socket)
        url = socket_url(socket)
    os.environ["REDIS_URL"] = settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    _cache_on(url)
    try:
        yield
    finally:
        if server is not None:
            server.kill()
            server.wait(timeout=10)


def _cache_on(url: str) -> None:
    """Django's cache in the benchmark's Redis too (it was configured from the environment)."""
    from django.conf import settings
    from django.test.signals import clear_cache_handlers

    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    clear_cache_handlers(setting="CACHES")


def _setup_django(workdir: Path) -> str:
    """Configure this process for a throwaway SQLite database and create its tables."""
    database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")  # development settings: no SECRET_KEY needed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    # As the emulator command does: DEBUG's SQL log would cost a query per query here.
    settings.DEBUG = False
    # The console pages are timed for their own work: the shared rate limiter (on by default,
    # 5 ListIdentities a second) would time the quota instead. The prune benchmark sets it
    # for its workers itself.
    settings.COGNITO_RATE_LIMITER = False
    call_command("migrate", verbosity=0)
    return database_url


def _run(plan: Plan, workdir: Path, database_url: str, report: Report) -> None:
    from django.db import connection

    report.line(
        f"Cognito Identity emulator benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        f"{' (--quick)' if plan is QUICK else ''}"
    )
    load = os.getloadavg()[0]
    report.line(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (load average {load:.1f} at start), "
        f"{connection.vendor} database, one boto3 client, sequential calls"
    )
    report.line(REFERENCE)
    pools = _seed_our_pools(plan, report)

    with ExitStack() as servers:
        urls = {
            "floor": servers.enter_context(trivial_server(workdir)),
            "moto": servers.enter_context(moto_server(workdir)),
            "http": servers.enter_context(our_server(workdir, database_url)),
            "local": "local",
        }
        rates = _get_id_rates(urls, plan, report)
        moto_lists = _moto_list_latencies(urls["moto"], plan)
        our_lists = _our_list_latencies(urls["http"], pools, plan)
    _list_lines(report, our_lists, moto_lists)
    _target_lines(report, rates, our_lists)
    # The console's own pages on the same pools (identity browser, identity page, lookup).
    console_pages.run([(pool.size, pool.pool_id) for pool in pools], plan.console_samples, report.line)
    # An export of the largest pool, by a process running the walk as a worker does: time and peak RSS.
    largest = max(pools, key=lambda pool: pool.size)
    export_bench.measure(largest.pool_id, largest.size, database_url, workdir, report.line)
    # The inventory's writes as a sync makes them, on a throwaway PostgreSQL database.
    inventory_bench.run(f"sqlite:///{workdir / 'inventory.sqlite3'}", report.line, plan.inventoried)
    # A sync end to end (listing and writing), quotas off, then at the default quotas.
    sync_bench.run(report.line, plan.synced)
    # The pool page with its charts and the dashboard, the inventory table seeded directly.
    inventory_pages.run(f"sqlite:///{workdir / 'inventory-pages.sqlite3'}", report.line, plan.page_sizes)
    # A bulk delete's membership check of ids the inventory knows: no LookupDeveloperIdentity.
    bulk_check.run(report.line, plan.bulk_checked)


# --- GetId -------------------------------------------------------------------------------


def _client(endpoint: str) -> Any:
    from console.aws.clients import build_client

    return build_client(REGION, endpoint)


LABELS = {
    "floor": "(a) trivial WSGI app on our cheroot server",
    "moto": "(b) moto server",
    "http": "(c) ours over HTTP (manage.py emulator)",
    "local": "(d) ours in-process (local mode)",
}
ROUNDS = 3


def _get_id_rates(urls: dict[str, str], plan: Plan, report: Report) -> dict[str, Rate]:
    """GetId rate per server, measured in interleaved rounds so that a burst of load
    elsewhere on the machine does not fall on one server only."""
    report.line()
    report.line(
        f"GetId (unauthenticated), calls/s: {ROUNDS} interleaved rounds of {plan.seconds / ROUNDS:.1f} s "
        "per server, each after 50 warm-up calls"
    )
    calls = {name: _get_id_call(url, canned=name == "floor") for name, url in urls.items()}
    rounds: dict[str, list[Rate]] = {name: [] for name in urls}
    for _ in range(ROUNDS):
        for name, call in calls.items():
            rounds[name].append(rate(call, plan.seconds / ROUNDS))
    rates = {name: Rate.combined(results) for name, results in rounds.items()}
    for name, result in rates.items():
        spread = ", ".join(f"{each.per_second:,.0f}" for each in rounds[name])
        report.line(
            f"  {LABELS[name]:<44} {result.per_second:>7,.0f} calls/s   median {result.p50_ms:.2f} ms"
            f"   (rounds: {spread})"
        )
    return rates


def _get_id_call(endpoint: str, *, canned: bool = False) -> Callable[[], Any]:
    client = _client(endpoint)
    if canned:
        pool_id = f"{REGION}:00000000-0000-4000-8000-000000000000"
    else:
        created = client.create_identity_pool(IdentityPoolName="getid", AllowUnauthenticatedIdentities=True)
        pool_id = created["IdentityPoolId"]
    return lambda: client.get_id(IdentityPoolId=pool_id)


# --- ListIdentities ------------------------------------------------------------------------


@dataclass(frozen=True)
class ListLatency:
    """Median milliseconds: first pages, pages deep in the pool, and all of them together."""

    first: float
    deep: float
    overall: float


@dataclass(frozen=True)
class SeededPool:
    size: int
    pool_id: str
    first_pk: int
    last_pk: int


def _seed_our_pools(plan: Plan, report: Report) -> list[SeededPool]:
    from django.db.models import Max, Min

    from console.emulator.models import Identity
    from console.emulator.seeding import seed_identities

    report.line()
    report.line("Seeding our pools (emulator_seed's function, half with a login, 5% disabled)")
    pools = []
    for size in plan.our_sizes:
        result = seed_identities(
            f"list-{size}",
            size,
            region=REGION,
            developer_provider="login.bench",
            logins_ratio=0.5,
            disabled_ratio=0.05,
            batch_size=50_000,
        )
        report.line(f"  {size:>10,} identities in {result.seconds:6.1f} s ({size / result.seconds:,.0f}/s)")
        bounds = Identity.objects.filter(pool__pool_id=result.pool_id).aggregate(Min("id"), Max("id"))
        pools.append(SeededPool(size, result.pool_id, bounds["id__min"], bounds["id__max"]))
    return pools


def _our_list_latencies(url: str, pools: list[SeededPool], plan: Plan) -> dict[int, ListLatency]:
    """Latency per pool size, of first pages and of pages from positions spread over the pool."""
    client = _client(url)
    result = {}
    for pool in pools:
        first_page = {"IdentityPoolId": pool.pool_id, "MaxResults": PAGE}
        for _ in range(5):
            client.list_identities(**first_page)
        firsts = [timed(client.list_identities, **first_page)[0] for _ in range(plan.first_pages)]
        deep = []
        for start in _position_tokens(client, pool, plan.positions):
            token = start
            for _ in range(plan.pages_per_position):
                elapsed, page = timed(client.list_identities, **first_page, NextToken=token)
                deep.append(elapsed)
                token = page.get("NextToken")
                if not token:
                    break
        result[pool.size] = ListLatency(median(firsts), median(deep), median(firsts + deep))
    return result


def _position_tokens(client: Any, pool: SeededPool, count: int) -> list[str]:
    """NextTokens that start pages at `count` positions spread over the pool.

    They are made with the operation's own token function, so a deep page costs what
    it costs a client who walked there; if that function is unusable, the tokens come
    from walking from the first page.
    """
    step = max((pool.last_pk - pool.first_pk - PAGE * 10) // count, 1)
    anchors = [pool.first_pk + step * index for index in range(1, count + 1)]
    try:
        from console.emulator.operations.paging import make_token

        scope = {"op": "ListIdentities", "pool": pool.pool_id, "hide": False}
        tokens = [make_token(scope, anchor) for anchor in anchors]
        client.list_identities(IdentityPoolId=pool.pool_id, MaxResults=PAGE, NextToken=tokens[0])
        return tokens
    except Exception:  # noqa: BLE001 - fall back to walking
        return _walked_tokens(client, pool.pool_id, count)


def _walked_tokens(client: Any, pool_id: str, count: int) -> list[str]:
    tokens = []
    page = client.list_identities(IdentityPoolId=pool_id, MaxResults=PAGE)
    while page.get("NextToken") and len(tokens) < count:
        tokens.append(page["NextToken"])
        page = client.list_identities(IdentityPoolId=pool_id, MaxResults=PAGE, NextToken=page["NextToken"])
    return tokens


def _moto_list_latencies(url: str, plan: Plan) -> dict[int, float]:
    """Median ms of ListIdentities on moto (which returns the whole pool every time)."""
    client = _client(url)
    result = {}
    for size in plan.moto_sizes:
        pool_id = client.create_identity_pool(
            IdentityPoolName=f"list{size}", AllowUnauthenticatedIdentities=True
        )["IdentityPoolId"]
        _moto_get_ids(url, pool_id, size)

        listing = {"IdentityPoolId": pool_id, "MaxResults": PAGE}
        client.list_identities(**listing)
        samples = max(3, min(plan.first_pages, 200_000 // size))
        result[size] = median([timed(client.list_identities, **listing)[0] for _ in range(samples)])
    return result


def _moto_get_ids(url: str, pool_id: str, count: int, threads: int = 8) -> None:
    """Fill a moto pool through its GetId, several raw HTTP connections at once."""
    import http.client
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    body = json.dumps({"IdentityPoolId": pool_id})
    headers = {
        "X-Amz-Target": "AWSCognitoIdentityService.GetId",
        "Content-Type": "application/x-amz-json-1.1",
    }

    def worker(calls: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        for _ in range(calls):
            connection.request("POST", "/", body, headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"moto GetId answered {response.status}")
        connection.close()

    shares = [count // threads + (1 if index < count % threads else 0) for index in range(threads)]
    with ThreadPoolExecutor(threads) as executor:
        list(executor.map(worker, shares))


# --- Summary -------------------------------------------------------------------------------


def _size(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def _list_lines(report: Report, ours: dict[int, ListLatency], moto: dict[int, float]) -> None:
    report.line()
    report.line(f"ListIdentities MaxResults={PAGE}, median latency over HTTP")
    for size, latency in ours.items():
        report.line(
            f"  ours  {_size(size):>4} identities: {latency.overall:7.2f} ms   "
            f"(first pages {latency.first:.2f} ms, deep pages via NextToken {latency.deep:.2f} ms)"
        )
    for size, value in moto.items():
        report.line(f"  moto  {_size(size):>4} identities: {value:7.2f} ms   (whole pool in one answer)")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _target_lines(report: Report, rates: dict[str, Rate], lists: dict[int, ListLatency]) -> None:
    report.line()
    report.line("Ratios and targets")
    versus_moto = rates["http"].per_second / rates["moto"].per_second
    report.line(
        f"  {'GetId ours over HTTP / moto:':<40}{versus_moto:5.2f}x  "
        f"(target >= {GET_ID_TARGET:.0f}x)    {_verdict(versus_moto >= GET_ID_TARGET)}"
    )
    sizes = sorted(lists)
    if len(sizes) > 1:
        smallest, largest = sizes[0], sizes[-1]
        growth = lists[largest].overall / lists[smallest].overall
        label = f"ListIdentities ours {_size(largest)} / {_size(smallest)}:"
        report.line(
            f"  {label:<40}{growth:5.2f}x  (target <= {LIST_TARGET}x)  {_verdict(growth <= LIST_TARGET)}"
        )
    http, floor, local = (rates[name].per_second for name in ("http", "floor", "local"))
    report.line(f"  {'GetId ours over HTTP / trivial app:':<40}{http / floor:5.2f}x  (information)")
    report.line(f"  {'GetId ours in-process / over HTTP:':<40}{local / http:5.2f}x  (information)")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
