"""`make bench` times the console's identity pages; that code path must keep working (figures are not tested)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from bench import console
from console.emulator.seeding import seed_identities

pytestmark = pytest.mark.django_db


def test_the_console_section_measures_every_page_for_a_small_and_a_large_pool(settings):
    cache.clear()
    settings.LOOKUP_WORKERS = 1  # the test's rows are not committed: no worker threads
    pools = [
        (
            size,
            seed_identities(
                f"bench-{size}", size, developer_provider="login.bench", logins_ratio=0.9
            ).pool_id,
        )
        for size in (340, 400)
    ]
    lines: list[str] = []

    console.run(pools, samples=2, report=lines.append, deep=3)

    text = "\n".join(lines)
    for label in (
        "browser, first page",
        "browser, page 3 (following tokens)",
        "identity page",
        "lookup of a developer user id",
    ):
        assert text.count(label) == 2, label  # a figure and a ratio
    # The two pools of the test and the demo's four with a developer provider (seed_demo).
    assert "lookup across all pools (6 with a developer provider)" in text
    assert "browser first page at 400, median:" in text
    assert text.count("PASS") + text.count("MISS") == 5


def test_timings_give_the_median_and_the_95th_percentile():
    timing = console.Timing.of([float(number) for number in range(1, 101)])

    assert (timing.median_ms, timing.p95_ms) == (50.5, 95.0)
