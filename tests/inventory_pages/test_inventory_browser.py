"""The identity browser's inventory mode: filters, order, counts and keyset pages from the inventory."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import NoReverseMatch, reverse

from tests.identities.conftest import identity_ids_shown, link, link_named
from tests.inventory.helpers import FACEBOOK, GOOGLE, T0, listed, sync

from .conftest import SYNCED_AT

pytestmark = pytest.mark.django_db


def browse(client, pool_id: str, htmx: bool = False, **query: str) -> str:
    url = reverse("identities:browser", args=[pool_id])
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"{url}?{urlencode(query)}" if query else url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def matches(html: str) -> int:
    start = html.index('data-testid="matches">') + len('data-testid="matches">')
    return int(html[start : html.index("<", start)])


def test_a_pool_never_synced_is_listed_live_and_offers_the_inventory(as_viewer, pool_id, guests):
    made = guests(pool_id, 3)
    html = browse(as_viewer, pool_id)
    assert identity_ids_shown(html) == made
    assert "From the inventory (not synced yet)" in html


def test_a_synced_pool_is_shown_from_the_inventory_as_of_its_sync(as_viewer, pool_id, inventoried, calls):
    ids = inventoried()
    html = browse(as_viewer, pool_id, htmx=True)
    assert identity_ids_shown(html) == ids[::-1]  # newest first
    assert matches(html) == 10
    assert "from the inventory as of 2026-04-01 08:31 UTC" in html
    assert calls["ListIdentities"] == 0


def test_the_live_listing_stays_one_switch_away_and_keeps_its_choice_in_its_links(
    as_viewer, pool_id, inventoried, guests
):
    inventoried()
    made = guests(pool_id, 12)
    html = browse(as_viewer, pool_id, source="live", size="10")
    assert identity_ids_shown(html) == made[:10]
    assert parse_qs(urlsplit(link(html, "next")).query)["source"] == ["live"]
    assert 'name="source" value="live"' in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"provider": "guests"}, [1, 2, 3, 4]),
        ({"provider": "signed-in"}, [5, 6, 7, 8, 9, 10]),
        ({"provider": FACEBOOK}, [5, 6, 7, 10]),
        ({"provider": GOOGLE}, [8, 9, 10]),
        ({"created_from": "2026-03-04", "created_before": "2026-03-07"}, [3, 4, 5]),
        ({"modified_from": "2026-03-05", "modified_before": "2026-03-07"}, [4, 5]),
        ({"disabled": "yes"}, [3, 6]),
        ({"disabled": "no"}, [1, 2, 4, 5, 7, 8, 9, 10]),
        ({"id": "-00000000000a"}, [10]),
        ({"provider": "guests", "created_before": "2026-03-04", "disabled": "no"}, [1, 2]),
        ({"provider": FACEBOOK, "modified_from": "2026-03-08"}, [6, 7, 10]),
        ({"provider": FACEBOOK, "modified_from": "2026-03-08", "id": "0a"}, [10]),
    ],
)
def test_each_filter_and_their_combination_choose_the_matches(
    as_viewer, pool_id, inventoried, query, expected, htmx
):
    ids = inventoried()
    html = browse(as_viewer, pool_id, htmx=htmx, sort="created", **query)
    assert identity_ids_shown(html) == [ids[number - 1] for number in expected]
    assert matches(html) == len(expected)
    assert ('<form class="filters"' in html) is not htmx


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("created", range(1, 11)),
        ("-created", range(10, 0, -1)),
        ("modified", range(1, 11)),
        ("-modified", range(10, 0, -1)),
    ],
)
def test_the_order_is_by_created_or_last_modified_either_way(as_viewer, pool_id, inventoried, sort, order):
    ids = inventoried()
    assert identity_ids_shown(browse(as_viewer, pool_id, sort=sort)) == [ids[number - 1] for number in order]


def test_keyset_pages_visit_every_match_once_and_each_page_url_reloads_the_same_page(
    as_viewer, pool_id, inventoried
):
    ids = inventoried()
    base = reverse("identities:browser", args=[pool_id])
    url = f"{base}?source=inventory&provider=signed-in&sort=created&size=10"
    # 6 matches, pages of 10 would be one page: make them smaller through the filters' own pages
    html = as_viewer.get(url).content.decode()
    assert identity_ids_shown(html) == ids[4:]
    assert link(html, "next") is None

    seen, urls = [], []
    url = f"{base}?source=inventory&sort=created&size=10"
    for _ in range(3):
        html = as_viewer.get(url).content.decode()
        seen.append(identity_ids_shown(html))
        urls.append(url)
        following = link(html, "next")
        if not following:
            break
        url = f"{base}{following}"
    assert [identity for page in seen for identity in page] == ids
    for again, shown in zip(urls, seen, strict=True):
        assert identity_ids_shown(as_viewer.get(again).content.decode()) == shown


def test_a_page_link_keeps_the_filters_and_order_for_a_bookmark(as_viewer, pool_id, inventoried, settings):
    ids = inventoried()
    query = {
        "source": "inventory",
        "provider": "guests",
        "sort": "-modified",
        "size": "10",
        "created_from": "2026-03-02",
    }
    html = browse(as_viewer, pool_id, **query)
    assert identity_ids_shown(html) == [ids[3], ids[2], ids[1], ids[0]]
    # the form shows the state it came from
    assert '<option value="guests" selected>' in html
    assert 'name="created_from" value="2026-03-02"' in html
    assert '<option value="-modified" selected>' in html


def test_an_edited_page_link_says_so_and_offers_the_first_page(as_viewer, pool_id, inventoried):
    inventoried()
    html = browse(as_viewer, pool_id, source="inventory", after="not-a-cursor")
    assert "This page link is not valid any more" in html
    assert identity_ids_shown(html) == []


def test_a_date_that_is_not_a_date_is_left_out_and_said(as_viewer, pool_id, inventoried):
    inventoried()
    html = browse(as_viewer, pool_id, created_from="yesterday")
    assert "is not a date" in html
    assert matches(html) == 10


@pytest.mark.parametrize("role", ["as_viewer", "as_support"])
def test_viewers_and_support_browse_but_are_offered_no_delete_export_or_sync(
    request, role, pool_id, inventoried
):
    inventoried()
    html = browse(request.getfixturevalue(role), pool_id)
    assert matches(html) == 10
    assert "Select all 10 matches" not in html
    assert "Export the" not in html
    assert "Sync now" not in html


def test_admins_are_offered_select_all_matches_the_export_and_sync_now(as_admin, pool_id, inventoried):
    inventoried()
    html = browse(as_admin, pool_id, provider="guests")
    assert link_named(html, "Select all 4 matches and delete…").startswith(reverse("jobs:new_delete"))
    assert "Export the 4 matches (CSV, from the inventory as of 2026-04-01 08:31 UTC)" in html
    # "Sync now" posts to the sync job's start, in builds that have it.
    assert ("Sync now" in html) is _has_url("jobs:new_sync")


def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def test_the_disabled_filter_says_when_no_sync_has_checked_it(as_viewer, pool_id):
    sync(pool_id, [listed(1)], at=SYNCED_AT)
    html = browse(as_viewer, pool_id, disabled="yes")
    assert matches(html) == 0
    assert "does not know which identities are disabled yet" in html


@pytest.mark.parametrize("provider", ["", FACEBOOK])
@pytest.mark.parametrize("sort", ["created", "-created", "modified", "-modified"])
def test_previous_shows_exactly_the_page_before_as_a_brute_force_order_has_it(
    as_viewer, pool_id, sort, provider
):
    # 47 identities whose dates tie in groups of four, two thirds of them linked to Facebook.
    rows = [
        listed(
            n,
            (FACEBOOK,) if n % 3 else (),
            T0 + dt.timedelta(minutes=n // 4),
            T0 + dt.timedelta(hours=1, minutes=(50 - n) // 4),
        )
        for n in range(1, 48)
    ]
    sync(pool_id, rows, at=SYNCED_AT)
    column = sort.lstrip("-")
    wanted = [row for row in rows if not provider or provider in row.logins]
    ordered = sorted(wanted, key=lambda row: (getattr(row, column), row.identity_id), reverse=sort[0] == "-")
    expected = [[row.identity_id for row in ordered[i : i + 10]] for i in range(0, len(ordered), 10)]
    base = reverse("identities:browser", args=[pool_id])

    forward, url = [], f"{base}?{urlencode({'sort': sort, 'size': 10, 'provider': provider})}"
    while url:
        html = as_viewer.get(url).content.decode()
        forward.append(identity_ids_shown(html))
        url = f"{base}{link(html, 'next')}" if link(html, "next") else None
    backward = [forward[-1]]
    while previous := link(html, "prev"):
        assert "before=" in previous
        html = as_viewer.get(f"{base}{previous}").content.decode()
        backward.append(identity_ids_shown(html))
        # The Previous page's own URL reloads the same page (bookmarkable).
        assert identity_ids_shown(as_viewer.get(f"{base}{previous}").content.decode()) == backward[-1]

    assert forward == expected
    assert backward == expected[::-1]
    assert link_named(html, "First page") is None  # back on the first page
