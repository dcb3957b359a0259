"""Console pages at scale: the identity browser, the identity page and the lookup, timed in-process.

Each figure is the server time of one GET through Django's whole stack (middleware, session,
permission matrix, view, gateway, embedded service, template), measured with Django's test
client in this process, so no network is counted. The same pages are timed for a small and a
large pool (1k and 1M identities in `make bench`); the large pool's figures should stay within
1.5x of the small one's, and the browser's first page under 100 ms.
"""

from __future__ import annotations

import io
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BROWSER_PAGE = 10  # the smallest page size: a 1,000-identity pool has exactly 100 pages of it
DEEP_PAGE = 100
GROWTH_TARGET = 1.5
FIRST_PAGE_TARGET_MS = 100.0
DEVELOPER_USER = "user-000100"
# The Next link of a plain pager, or the Next button of an admin's (which keeps the page's ticks).
_NEXT = re.compile(r'<a href="([^"]*)" rel="next"|name="go" value="([^"]*)"[^>]*data-rel="next"')
_ROW = re.compile(r'<tr data-identity-id="([^"]+)"')


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
        return cls(statistics.median(ordered), p95)


@dataclass(frozen=True)
class PoolFigures:
    """The four measurements for one pool."""

    size: int
    first_page: Timing
    deep_page: Timing
    identity_page: Timing
    lookup: Timing


LABELS = {
    "first_page": "browser, first page",
    "deep_page": "browser, page {deep} (following tokens)",
    "identity_page": "identity page",
    "lookup": "lookup of a developer user id in the pool",
}


def admin_client() -> Any:
    """A test client signed in as a console admin (created in the throwaway database)."""
    import logging
    import warnings

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    # Signing in is not measured: keep django-axes' notes and WhiteNoise's missing-folder
    # warning (nothing was collected for this throwaway run) out of the report.
    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")

    user, _ = get_user_model().objects.get_or_create(username="bench-admin")
    user.groups.add(Group.objects.get(name="admin"))
    client = Client()
    client.force_login(user)
    return client


def seed_demo_pools() -> None:
    """The demo pools `make run` has, so that the lookup searches them too."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())


def sample(client: Any, url: str, count: int, expect: int = 200) -> Timing:
    """`count` timed GETs of `url` after two untimed ones."""
    return sample_rounds(client, {"url": (url, expect)}, count)["url"]


def sample_rounds(
    client: Any, urls: dict[str, tuple[str, int]], count: int, warmup: int = 3
) -> dict[str, Timing]:
    """Time every URL `count` times, taking them in turn (round after round), so that a burst of
    load elsewhere on the machine falls on all of them alike. `urls`: name -> (url, status)."""
    for _ in range(warmup):
        for url, expect in urls.values():
            _get(client, url, expect)
    samples: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(count):
        for name, (url, expect) in urls.items():
            started = time.perf_counter()
            _get(client, url, expect)
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: Timing.of(values) for name, values in samples.items()}


def _get(client: Any, url: str, expect: int) -> Any:
    response = client.get(url)
    if response.status_code != expect:
        raise RuntimeError(f"GET {url} answered {response.status_code}, expected {expect}")
    return response


def deep_page_url(client: Any, pool_id: str, page: int) -> str:
    """The URL of the pool's page number `page`, reached by following Next links from the first."""
    from django.urls import reverse

    base = reverse("identities:browser", args=[pool_id])
    url = f"{base}?size={BROWSER_PAGE}"
    for _ in range(page - 1):
        html = _get(client, url, 200).content.decode()
        match = _NEXT.search(html)
        if match is None:
            raise RuntimeError(f"pool {pool_id} has fewer than {page} pages of {BROWSER_PAGE}")
        url = base + (match.group(1) or match.group(2)).replace("&amp;", "&")
    return url


def identity_of(pool_id: str, user: str) -> str:
    from console.aws.identities import identity_of_developer_user

    return identity_of_developer_user(pool_id, user)


def pool_urls(client: Any, pool_id: str, deep: int = DEEP_PAGE) -> dict[str, tuple[str, int]]:
    """The four pages measured for a pool: name -> (URL, expected status)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    base = reverse("identities:browser", args=[pool_id])
    identity = identity_of(pool_id, DEVELOPER_USER)
    return {
        "first_page": (f"{base}?size={BROWSER_PAGE}", 200),
        "deep_page": (deep_page_url(client, pool_id, deep), 200),
        "identity_page": (
            f"{reverse('identities:detail', args=[identity])}?{urlencode({'pool': pool_id})}",
            200,
        ),
        # One match and nothing failed: the lookup answers with a redirect to the identity.
        "lookup": (
            f"{reverse('identities:lookup')}?{urlencode({'q': DEVELOPER_USER, 'pool': pool_id})}",
            302,
        ),
    }


def measure_pools(
    client: Any, pools: list[tuple[int, str]], samples: int, deep: int = DEEP_PAGE
) -> list[PoolFigures]:
    """Every page of every pool, in interleaved rounds."""
    urls = {
        (size, name): target
        for size, pool_id in pools
        for name, target in pool_urls(client, pool_id, deep).items()
    }
    timings = sample_rounds(
        client, {f"{size}:{name}": target for (size, name), target in urls.items()}, samples
    )
    return [PoolFigures(size, **{name: timings[f"{size}:{name}"] for name in LABELS}) for size, _ in pools]


def measure_lookup_everywhere(client: Any, samples: int) -> Timing:
    """The header search for a developer user id across every pool with a developer provider."""
    from urllib.parse import urlencode

    from django.urls import reverse

    return sample(client, f"{reverse('identities:lookup')}?{urlencode({'q': DEVELOPER_USER})}", samples)


def report_lines(
    figures: list[PoolFigures], everywhere: Timing, pools_searched: int, deep: int = DEEP_PAGE
) -> list[str]:
    """The section `make bench` prints: figures per pool, then ratios against the targets."""
    lines = [
        "",
        f"Console pages, server time in-process (median / p95 ms; browser pages of {BROWSER_PAGE})",
    ]
    for name, label in LABELS.items():
        label = label.format(deep=deep)
        cells = "   ".join(
            f"{_size(each.size):>4}: {getattr(each, name).median_ms:7.2f} / {getattr(each, name).p95_ms:7.2f}"
            for each in figures
        )
        lines.append(f"  {label:<42}{cells}")
    lines.append(
        f"  {'lookup across all pools (' + str(pools_searched) + ' with a developer provider)':<42}"
        f"      {everywhere.median_ms:7.2f} / {everywhere.p95_ms:7.2f}"
    )
    small, large = figures[0], figures[-1]
    lines += ["", "Console ratios and targets"]
    for name, label in LABELS.items():
        label = f"{label.format(deep=deep)} {_size(large.size)} / {_size(small.size)}:"
        growth = getattr(large, name).median_ms / getattr(small, name).median_ms
        lines.append(
            f"  {label:<52}{growth:5.2f}x  (target <= {GROWTH_TARGET}x)  {_verdict(growth <= GROWTH_TARGET)}"
        )
    first = large.first_page.median_ms
    label = f"browser first page at {_size(large.size)}, median:"
    lines.append(
        f"  {label:<52}{first:5.1f} ms (target < {FIRST_PAGE_TARGET_MS:.0f} ms)  {_verdict(first < FIRST_PAGE_TARGET_MS)}"
    )
    return lines


def run(
    pools: list[tuple[int, str]], samples: int, report: Callable[[str], None], deep: int = DEEP_PAGE
) -> None:
    """Measure the smallest and the largest of `pools` ((size, pool id) pairs) and print the section."""
    from console.aws.catalog import catalog

    seed_demo_pools()
    client = admin_client()
    figures = measure_pools(client, [min(pools), max(pools)], samples, deep)
    everywhere = measure_lookup_everywhere(client, samples)
    searched = len(catalog().pools)
    for line in report_lines(figures, everywhere, searched, deep):
        report(line)


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size // 1_000_000}M"
    return f"{size // 1_000}k" if size >= 1_000 else str(size)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"
