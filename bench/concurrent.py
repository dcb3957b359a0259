"""Concurrent users under the account's quotas: the console on gunicorn, the limiter on.

Issue 19 (item 12) found that pages which need no scarce call (a pool page: ~25 ms of work)
waited p95 ~6 s for a web thread, queued behind searches sleeping in the limiter. Here the
console runs as deployed: gunicorn with deploy/gunicorn.conf.py's workers and threads, the
shared limiter on at AWS's quotas (COGNITO_RATE_LIMITER=true, the defaults of
console/quotarates.py, a Redis), the embedded service in each worker (COGNITO_ENDPOINT=local)
and the benchmark's SQLite database. Then, for a fixed time:

- AGENTS support agents, each in a loop: search a developer user id (the lookup asks every
  pool with a developer provider), open the identity it redirects to;
- POOL_VIEWERS people opening pool pages, one every POOL_PAUSE seconds each.

A 429 (the busy page: the quota's turn is not due within COGNITO_RATE_LIMIT_WAIT) is counted
apart from the answers, and the client does what the page does: waits Retry-After, asks again.
Latencies are of answers (200/302), measured at the client over loopback.

Issue 21: the identity page a search opens asks no LookupDeveloperIdentity (the search's own
call said which user is linked to it, console/identities/developer_users.py), so the searches
alone spend that quota. The section prints searches per second and the identity page's p95
beside the figures from before, and the load average (the machine may be shared).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.servers import HOST, free_port, server_process

AGENTS = 20
POOL_VIEWERS = 3
POOL_PAUSE = 1.0
DEVELOPER_POOLS = 2
USERS_PER_POOL = 50
WARMUP = 5.0
SECONDS = 40.0
QUICK_SECONDS = 15.0
BEFORE = "issue 19's load test before: 4.5 pages/s, searches p95 9 s, pool page p95 ~6 s"
# The same benchmark while each identity page still asked LookupDeveloperIdentity (issue 21):
# one run on 2 cores, load average 0.7 at its start and 2.4 at its end.
BEFORE_PAGE_FREE = (
    "while the identity page asked LookupDeveloperIdentity: searches 1.10/s, identity page p95 1,033 ms"
)


@dataclass
class Tally:
    """Answers (status, ms) and busy answers of one kind of page, inside the measured window."""

    answers: list[float] = field(default_factory=list)
    busy: int = 0
    errors: int = 0
    # A search answered 200 (a list, not the identity): a pool was busy, so the match was not
    # opened for the agent, who then opens it from the list.
    unresolved: int = 0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.answers)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass
class Window:
    """The measured window: results that finish inside it are counted."""

    start: float
    end: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in KINDS})

    def inside(self, moment: float) -> bool:
        return self.start <= moment <= self.end

    def record(self, kind: str, status: int, ms: float) -> None:
        if not self.inside(time.monotonic()):
            return
        with self.lock:
            tally = self.tallies[kind]
            if status == 429:
                tally.busy += 1
            elif status in (200, 302):
                tally.answers.append(ms)
                tally.unresolved += kind == "search" and status == 200
            else:
                tally.errors += 1


KINDS = ("search", "identity", "pool")
_IDENTITY_LINK = re.compile(r'<td><a href="(/identities/[^"]+)"><code>')


# --- Setting up: pools, developer users, people signed in -------------------------------------


def seed(region: str) -> tuple[list[str], list[str]]:
    """DEVELOPER_POOLS pools with USERS_PER_POOL developer users each: (pool ids, user ids)."""
    from console.aws.clients import build_client

    client = build_client(region, "local")
    pools, users = [], []
    for number in range(DEVELOPER_POOLS):
        provider = f"login.agents{number}"
        pool_id = client.create_identity_pool(
            IdentityPoolName=f"agents-{number}",
            AllowUnauthenticatedIdentities=True,
            DeveloperProviderName=provider,
        )["IdentityPoolId"]
        pools.append(pool_id)
        for index in range(USERS_PER_POOL):
            user = f"agent-customer-{number}-{index:04d}"
            client.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={provider: user})
            users.append(user)
    return pools, users


def session_cookies(role: str, count: int) -> list[str]:
    """Session ids of `count` new people with `role`, in the database the server uses."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    cookies = []
    for number in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-{role}-{number:02d}")
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


@contextmanager
def gunicorn(workdir: Path, database_url: str, redis_url: str) -> Iterator[str]:
    """The console under gunicorn with deploy/gunicorn.conf.py (its workers and threads)."""
    import sys

    port = free_port()
    env = {
        "GUNICORN_BIND": f"{HOST}:{port}",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "COGNITO_ENDPOINT": "local",
        "COGNITO_RATE_LIMITER": "true",
        # DEBUG: the static files are served without a collected manifest, and the session
        # cookies made here (with the development secret key) are valid for the server.
        "DEBUG": "true",
        "LOG_LEVEL": "warning",
    }
    argv = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "console.wsgi:application"]
    with server_process(argv, port, workdir / "gunicorn.log", env) as url:
        yield url


# --- The load ---------------------------------------------------------------------------------


class Browser:
    """One person's keep-alive connection with their session cookie."""

    def __init__(self, url: str, cookie: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or HOST, parts.port or 80
        self.cookie = cookie
        self.connection: http.client.HTTPConnection | None = None
        self.body = b""

    def get(self, path: str) -> tuple[int, dict[str, str], float]:
        """(status, headers, ms); status 0 when the connection failed. The page is in `self.body`."""
        started = time.monotonic()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request("GET", path, headers={"Cookie": f"sessionid={self.cookie}"})
                response = self.connection.getresponse()
                self.body = response.read()
                headers = {name.lower(): value for name, value in response.getheaders()}
                return response.status, headers, (time.monotonic() - started) * 1000
            except (OSError, http.client.HTTPException):
                # gunicorn closes kept-alive connections after `keepalive` s: connect again once.
                self.connection.close()
                self.connection = None
                if attempt:
                    return 0, {}, (time.monotonic() - started) * 1000
        raise AssertionError("unreachable")


def _retry_after(headers: dict[str, str]) -> float:
    try:
        return max(1.0, float(headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _until_answered(browser: Browser, path: str, kind: str, window: Window, stop: threading.Event) -> str:
    """GET `path` until it is not busy, as the busy page's own refresh does; the Location."""
    while not stop.is_set():
        status, headers, ms = browser.get(path)
        window.record(kind, status, ms)
        if status != 429:
            if status == 302:
                return headers.get("location", "")
            # A list of matches (a pool was busy, so it was not opened): the agent opens the first.
            match = _IDENTITY_LINK.search(browser.body.decode(errors="replace")) if kind == "search" else None
            return match.group(1).replace("&amp;", "&") if match else ""
        stop.wait(_retry_after(headers))
    return ""


def agent(browser: Browser, users: list[str], window: Window, stop: threading.Event) -> None:
    chooser = random.Random(id(browser))
    while not stop.is_set():
        query = "/lookup/?" + urlencode({"q": chooser.choice(users)})
        location = _until_answered(browser, query, "search", window, stop)
        if location:
            _until_answered(browser, location, "identity", window, stop)


def pool_viewer(browser: Browser, pools: list[str], window: Window, stop: threading.Event) -> None:
    chooser = random.Random(id(browser))
    while not stop.is_set():
        _until_answered(browser, f"/pools/{chooser.choice(pools)}/", "pool", window, stop)
        stop.wait(POOL_PAUSE)


def prime(url: str, cookies: list[str], paths: list[str], rounds: int = 3) -> None:
    """Concurrent requests until every worker has served some: a worker's first pages build its
    boto3 clients and templates, which is start-up, not what is measured."""
    for _ in range(rounds):
        threads = [
            threading.Thread(target=Browser(url, cookie).get, args=(path,))
            for cookie in cookies
            for path in paths
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)


def load(
    url: str, agents: list[str], viewers: list[str], users: list[str], pools: list[str], seconds: float
) -> Window:
    started = time.monotonic()
    window = Window(started + WARMUP, started + WARMUP + seconds)
    stop = threading.Event()
    threads = [
        threading.Thread(target=agent, args=(Browser(url, cookie), users, window, stop)) for cookie in agents
    ] + [
        threading.Thread(target=pool_viewer, args=(Browser(url, cookie), pools, window, stop))
        for cookie in viewers
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, window.end - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    return window


# --- Report -----------------------------------------------------------------------------------


def report_lines(
    window: Window, seconds: float, searched: int, workers: str, load: tuple[float, float] | None = None
) -> list[str]:
    from console.aws.limiter import rate

    tallies = window.tallies
    search = tallies["search"]
    lines = [
        "",
        f"Concurrent users, {seconds:.0f} s after {WARMUP:.0f} s of warm-up: gunicorn ({workers}, "
        "deploy/gunicorn.conf.py), the limiter on at AWS's quotas",
        f"(LookupDeveloperIdentity {rate('LookupDeveloperIdentity'):g}/s, DescribeIdentity "
        f"{rate('DescribeIdentity'):g}/s, DescribeIdentityPool {rate('DescribeIdentityPool'):g}/s), "
        "embedded service, SQLite, Redis;",
        f"{AGENTS} support agents searching developer user ids ({searched} pools with a developer "
        f"provider) and opening the identity found, {POOL_VIEWERS} people opening pool pages "
        f"(one every {POOL_PAUSE:g} s each)",
        f"  {'':<22}{'answers':>8}{'per s':>8}{'median ms':>11}{'p95 ms':>9}{'429 busy':>10}{'errors':>8}"
        f"{'incomplete':>11}",
    ]
    for kind, label in (("search", "searches"), ("identity", "identity pages"), ("pool", "pool pages")):
        tally = tallies[kind]
        median = statistics.median(tally.answers) if tally.answers else float("nan")
        lines.append(
            f"  {label:<22}{len(tally.answers):>8}{len(tally.answers) / seconds:>8.2f}{median:>11.0f}"
            f"{tally.percentile(0.95):>9.0f}{tally.busy:>10}{tally.errors:>8}"
            f"{tally.unresolved if kind == 'search' else '':>11}"
        )
    pages = sum(len(tally.answers) for tally in tallies.values())
    lines.append(
        f"  searches per second {len(search.answers) / seconds:.2f}; identity page p95 "
        f"{tallies['identity'].percentile(0.95):.0f} ms; all pages {pages / seconds:.2f}/s; "
        f"pool page p95 {tallies['pool'].percentile(0.95):.0f} ms beside the searches' {search.percentile(0.95):.0f} ms"
    )
    if load is not None:
        lines.append(
            f"  load average {load[0]:.1f} at the start, {load[1]:.1f} at the end (the machine is shared)"
        )
    lines.append(
        "  (answers: 200/302, their latency at the client; 429: the busy page, asked again after its "
        "Retry-After;\n   incomplete: a search answered 200 with its list, as a pool was busy; the agent opens the match)"
    )
    lines.append(f"  ({BEFORE};\n   {BEFORE_PAGE_FREE})")
    return lines


def run(
    workdir: Path, database_url: str, region: str, report: Callable[[str], None], *, quick: bool = False
) -> None:
    """Seed, start gunicorn, drive the users, print the section."""
    from django.conf import settings
    from django.core.cache import cache

    from console.aws.catalog import catalog

    seconds = QUICK_SECONDS if quick else SECONDS
    pools, users = seed(region)
    agents = session_cookies("support", AGENTS)
    viewers = session_cookies("viewer", POOL_VIEWERS)
    # No catalog left from an earlier run: every run starts from the same state.
    cache.clear()
    searched = len(catalog().pools)
    cache.clear()
    with gunicorn(workdir, database_url, settings.REDIS_URL) as url:
        prime(url, agents, [f"/pools/{pools[0]}/", "/lookup/?" + urlencode({"q": users[0]})])
        _forget_buckets()
        load_at_start = os.getloadavg()[0]
        window = load(url, agents, viewers, users, pools, seconds)
        load_at_end = os.getloadavg()[0]
    for line in report_lines(window, seconds, searched, _workers_and_threads(), (load_at_start, load_at_end)):
        report(line)


def _forget_buckets() -> None:
    """The limiter's buckets full, as after a quiet minute (priming used some of them)."""
    from console.redisconn import get_redis

    client = get_redis()
    for key in client.scan_iter(match="console:ratelimit:*"):
        client.delete(key)
    client.close()


def _workers_and_threads() -> str:
    import runpy

    from bench.servers import ROOT

    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    return f"{config['workers']} workers x {config['threads']} threads"
