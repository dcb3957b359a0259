"""`make bench`'s concurrent-users section: how answers are counted and printed (no figures tested)."""

from __future__ import annotations

import time

from bench import concurrent


def _window() -> concurrent.Window:
    now = time.monotonic()
    return concurrent.Window(now - 1, now + 60)


def test_busy_answers_are_counted_apart_from_the_answers_and_their_latency():
    window = _window()
    window.record("search", 302, 120.0)
    window.record("search", 200, 80.0)
    window.record("search", 429, 5.0)
    window.record("pool", 200, 40.0)
    window.record("identity", 500, 10.0)

    search = window.tallies["search"]
    assert search.answers == [120.0, 80.0]
    assert (search.busy, search.unresolved, search.errors) == (1, 1, 0)
    assert window.tallies["identity"].errors == 1


def test_results_outside_the_measured_window_are_not_counted():
    now = time.monotonic()
    window = concurrent.Window(now + 30, now + 60)  # still warming up

    window.record("search", 302, 120.0)

    assert window.tallies["search"].answers == []


def test_the_report_prints_searches_per_second_and_each_pages_p95(settings):
    window = _window()
    for ms in (100.0, 200.0, 300.0):
        window.record("search", 302, ms)
    window.record("pool", 200, 50.0)
    window.record("identity", 429, 1.0)
    window.record("identity", 200, 70.0)

    text = "\n".join(concurrent.report_lines(window, 10.0, 2, "5 workers x 4 threads", (1.5, 2.4)))

    assert "searches per second 0.30; identity page p95 70 ms" in text
    assert "load average 1.5 at the start, 2.4 at the end" in text
    # The figures from before, beside: issue 19's and those of the page that still asked.
    assert "4.5 pages/s, searches p95 9 s" in text
    assert "searches 1.10/s, identity page p95 1,033 ms" in text
    assert "pool page p95 50 ms beside the searches' 300 ms" in text
    assert "429 busy" in text
    assert "5 workers x 4 threads" in text
