"""The pool page's Identities section: counts as of the last complete sync, an empty state before
any, and three SVG charts made on the server, each with its title and a table of the same numbers.

The inventory is filled through its store (tests/inventory/helpers.py), as a sync fills it."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.inventory import store
from tests.inventory.helpers import FACEBOOK, GOOGLE, listed, sync
from tests.pools.helpers import detail_url, text

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
CHARTS = ("chart-identities-over-time", "chart-created-gone", "chart-guests-signed-in")


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


def _identities(now: dt.datetime) -> list:
    """Ten identities created over the last five days: 4 guests, 4 Facebook, 2 Google and Facebook."""
    logins = [()] * 4 + [(FACEBOOK,)] * 4 + [(FACEBOOK, GOOGLE)] * 2
    return [listed(n + 1, logins[n], created=now - (5 - n // 2) * DAY) for n in range(10)]


@pytest.fixture
def synced(pool_id, now) -> str:
    """The pool synced twice: three days ago (before the last four identities) and an hour ago."""
    everyone = _identities(now)
    sync(pool_id, everyone[:6], at=now - 3 * DAY - dt.timedelta(hours=1))
    sync(pool_id, everyone, at=now - dt.timedelta(hours=1))
    return pool_id


class _Figures(HTMLParser):
    """Each <figure>'s SVG (with its <title> and <desc>) and its table's cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: dict[str, dict] = {}
        self._current: dict | None = None
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "figure":
            self._current = {"svg": None, "title": "", "desc": "", "rows": [], "rects": 0, "paths": []}
            self.figures[values.get("data-testid") or ""] = self._current
        elif self._current is None:
            return
        elif tag == "svg":
            self._current["svg"] = values
        elif tag in ("title", "desc") and self._in is None:
            self._in = tag
        elif tag == "tr":
            self._current["rows"].append([])
        elif tag in ("td", "th"):
            self._in = "cell"
            self._current["rows"][-1].append("")
        elif tag == "rect":
            self._current["rects"] += 1
        elif tag == "path":
            self._current["paths"].append(values.get("d"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._current = None
        if tag in ("title", "desc", "td", "th"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._current is None or self._in is None:
            return
        if self._in == "cell":
            self._current["rows"][-1][-1] += data.strip()
        elif not self._current[self._in]:
            self._current[self._in] = data.strip()


def _figures(html: str) -> dict[str, dict]:
    parser = _Figures()
    parser.feed(html)
    return parser.figures


def _count(html: str, name: str) -> str:
    match = re.search(rf'<dd data-count="{name}">(.*?)</dd>', html, re.S)
    assert match, f"no count {name}"
    return text(match.group(1)).strip()


def test_a_pool_never_synced_says_where_counts_come_from(as_viewer, pool_id):
    html = as_viewer.get(detail_url(pool_id)).content.decode()

    assert "Never synced: counts come from a sync of the inventory." in text(html)
    assert 'data-count="total"' not in html
    assert "<svg" not in html


def test_a_first_sync_still_running_is_named_in_the_empty_state(as_viewer, pool_id, now):
    started = store.begin_sync(pool_id, started_at=now - dt.timedelta(minutes=5))
    store.record_page(pool_id, _identities(now)[:3], seen_at=started, sync_started=started)

    page = text(as_viewer.get(detail_url(pool_id)).content.decode())

    assert "Never synced: counts come from a sync of the inventory." in page
    assert f"The first sync has been running since {started.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" in page


def test_the_counts_are_those_of_the_last_complete_sync_with_its_time(as_viewer, synced, now):
    html = as_viewer.get(detail_url(synced)).content.decode()

    assert (_count(html, "total"), _count(html, "guests"), _count(html, "signed-in")) == ("10", "4", "6")
    as_of = (now - dt.timedelta(hours=1) + dt.timedelta(minutes=1)).astimezone(dt.UTC)
    assert f"As of {as_of:%Y-%m-%d %H:%M} UTC , the last complete sync" in text(html)
    assert re.search(rf'<td data-provider="{re.escape(FACEBOOK)}">6</td>', html)
    assert re.search(rf'<td data-provider="{re.escape(GOOGLE)}">2</td>', html)
    assert "Facebook graph.facebook.com" in text(html)


def test_counts_are_written_with_thousands_separators(as_viewer, pool_id, now):
    sync(pool_id, [listed(n, created=now - 2 * DAY) for n in range(1, 1201)], at=now - dt.timedelta(hours=1))

    html = as_viewer.get(detail_url(pool_id)).content.decode()

    assert _count(html, "total") == "1,200"
    assert ">1,200</td>" in html  # the over-time chart's table


def test_disabled_is_not_counted_until_a_sync_with_the_disabled_option(as_viewer, synced):
    html = as_viewer.get(detail_url(synced)).content.decode()

    assert _count(html, "disabled") == "not counted: sync with the disabled option"


def test_disabled_is_counted_after_a_sync_with_the_disabled_option(as_viewer, pool_id, now):
    everyone = _identities(now)
    sync(pool_id, everyone, at=now - dt.timedelta(hours=1), enabled=everyone[2:])

    html = as_viewer.get(detail_url(pool_id)).content.decode()

    assert _count(html, "disabled") == "2"


def test_the_page_has_three_charts_drawn_without_javascript(as_viewer, synced):
    html = as_viewer.get(detail_url(synced)).content.decode()

    figures = _figures(html)
    assert set(CHARTS) <= set(figures)
    for name in CHARTS:
        svg = figures[name]["svg"]
        assert svg["role"] == "img"
        assert svg["aria-labelledby"] == f"{name}-title {name}-desc"
        assert figures[name]["title"] and figures[name]["desc"]
        assert "style" not in svg
    # Nothing runs in the page but the site's own script files (the CSP allows no other).
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_each_chart_has_a_table_of_the_same_numbers(as_viewer, synced, now):
    figures = _figures(as_viewer.get(detail_url(synced)).content.decode())

    today = (now - dt.timedelta(hours=1)).astimezone(dt.UTC).date()
    three_days_ago = today - 3 * DAY
    over_time = {row[0]: row[1] for row in figures["chart-identities-over-time"]["rows"][1:]}
    assert over_time[f"{today}"] == "10"
    assert over_time[f"{three_days_ago}"] == "6"
    # Worked back from the day's creations: two identities were created five days ago.
    assert over_time[f"{today - 5 * DAY}"] == "2"
    assert f"{today - 6 * DAY}" in over_time and over_time[f"{today - 6 * DAY}"] == "0"

    created = {row[0]: row[1:] for row in figures["chart-created-gone"]["rows"][1:]}
    assert created[f"{today - 5 * DAY}"] == ["2", "0"]
    assert figures["chart-created-gone"]["rows"][0] == ["Day", "Created", "Gone"]

    split = figures["chart-guests-signed-in"]
    assert split["rows"] == [
        ["Day", "Guests", "Signed in", "Total"],
        [f"{three_days_ago}", "4", "2", "6"],
        [f"{today}", "4", "6", "10"],
    ]
    # One bar a sync day, a rectangle for each part that is not zero.
    assert split["rects"] == 4


def test_gone_identities_leave_the_counts_and_show_below_the_line(as_viewer, pool_id, now):
    everyone = _identities(now)
    sync(pool_id, everyone, at=now - 2 * DAY)
    sync(pool_id, everyone[3:], at=now - dt.timedelta(hours=1))

    html = as_viewer.get(detail_url(pool_id)).content.decode()

    assert _count(html, "total") == "7"
    rows = _figures(html)["chart-created-gone"]["rows"]
    today = (now - dt.timedelta(hours=1)).astimezone(dt.UTC).date()
    assert [f"{today}", "0", "3"] in rows


def test_viewers_support_and_admins_see_the_counts_and_charts(request, synced):
    for client in ("as_viewer", "as_support", "as_admin"):
        html = request.getfixturevalue(client).get(detail_url(synced)).content.decode()
        assert _count(html, "total") == "10", client
        assert set(CHARTS) <= set(_figures(html)), client


def test_the_counts_come_from_the_kept_rows_not_from_counting_identities(as_viewer, synced):
    with CaptureQueriesContext(connection) as queries:
        as_viewer.get(detail_url(synced))

    inventory = [query["sql"] for query in queries if "inventory_" in query["sql"]]
    assert inventory, "the page reads the inventory"
    assert not [sql for sql in inventory if "inventory_identity" in sql or "inventory_login" in sql]


def test_a_console_write_since_the_sync_is_counted(as_viewer, synced, now):
    store.add_identities(synced, [listed(99, created=now)])

    assert _count(as_viewer.get(detail_url(synced)).content.decode(), "total") == "11"


def test_the_section_has_a_link_to_the_identity_browser(as_viewer, synced):
    html = as_viewer.get(detail_url(synced)).content.decode()

    assert f'href="{reverse("identities:browser", args=[synced])}"' in html
