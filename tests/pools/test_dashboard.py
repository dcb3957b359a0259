"""The all-pools dashboard: the pools of every region, ranked by size and by growth over 30 days
from the inventory's kept rows, with each one's last sync, and the pools never synced."""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from console.pools import dashboard
from tests.cognito import create_pools
from tests.inventory.helpers import listed, sync
from tests.pools.helpers import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

DASHBOARD = reverse("pools:dashboard")
DAY = dt.timedelta(days=1)


def _ranked(html: str, testid: str) -> list[str]:
    """The pool ids of one ranking, in order."""
    match = re.search(rf'data-testid="{testid}">(.*?)</section>', html, re.S)
    assert match, f"no {testid}"
    return re.findall(r'<tr data-pool-id="([^"]+)">', match.group(1))


def _never_synced(html: str) -> list[str]:
    match = re.search(r'data-testid="never-synced">(.*?)</section>', html, re.S)
    return re.findall(r'<a href="/pools/([^"]+)/">', match.group(1)) if match else []


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


@pytest.fixture
def pools(region, now) -> dict[str, str]:
    """big: 6 identities, all older than the window; growing: 4, three created this month; new: never synced."""
    big, growing, new = create_pools(region, ["big", "growing", "new"])
    old = now - 60 * DAY
    sync(big, [listed(n, created=old) for n in range(1, 7)], at=now - dt.timedelta(hours=2))
    recent = [listed(n, created=now - (n - 95) * DAY) for n in range(101, 104)]
    sync(growing, [listed(100, created=old), *recent], at=now - dt.timedelta(hours=1))
    return {"big": big, "growing": growing, "new": new}


def test_pools_are_ranked_by_size_and_by_growth(as_viewer, pools):
    html = as_viewer.get(DASHBOARD).content.decode()

    assert _ranked(html, "ranked-by-size") == [pools["big"], pools["growing"]]
    assert _ranked(html, "ranked-by-growth") == [pools["growing"], pools["big"]]
    by_growth = text(re.search(r'data-testid="ranked-by-growth">(.*?)</section>', html, re.S).group(1))
    assert "1 growing us-east-1 +3 4" in by_growth
    assert "2 big us-east-1 0 6" in by_growth


def test_pools_never_synced_are_listed_apart(as_viewer, pools):
    html = as_viewer.get(DASHBOARD).content.decode()

    assert _never_synced(html) == [pools["new"]]
    assert (
        "3 pools in us-east-1: 2 synced, holding 10 identities as of their last sync; 1 never synced."
        in text(html)
    )


def test_each_ranked_pool_shows_its_last_sync(as_viewer, pools, now):
    html = as_viewer.get(DASHBOARD).content.decode()

    finished = (now - dt.timedelta(hours=2) + dt.timedelta(minutes=1)).astimezone(dt.UTC)
    row = re.search(rf'<tr data-pool-id="{pools["big"]}">(.*?)</tr>', html, re.S).group(1)
    assert f"{finished:%Y-%m-%d %H:%M} UTC" in text(row)


def test_with_nothing_synced_the_dashboard_says_where_counts_come_from(as_viewer, region):
    (pool_id,) = create_pools(region, ["fresh"])

    html = as_viewer.get(DASHBOARD).content.decode()

    assert "No pool has been synced yet" in text(html)
    assert 'data-testid="ranked-by-size"' not in html
    assert _never_synced(html) == [pool_id]


def test_pools_of_every_configured_region_are_ranked(as_viewer, settings, now):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]
    (here,) = create_pools("us-east-1", ["here"])
    (there,) = create_pools("eu-west-1", ["there"])
    sync(there, [listed(n, created=now - 50 * DAY) for n in range(1, 4)], at=now - DAY)

    html = as_viewer.get(DASHBOARD).content.decode()

    assert _ranked(html, "ranked-by-size") == [there]
    assert _never_synced(html) == [here]


def test_a_pool_deleted_since_its_sync_is_not_ranked(as_viewer, region, cognito, now):
    kept, deleted = create_pools(region, ["kept", "deleted"])
    for pool_id in (kept, deleted):
        sync(pool_id, [listed(1 if pool_id == kept else 2, created=now - 40 * DAY)], at=now - DAY)
    cognito.delete_identity_pool(IdentityPoolId=deleted)

    html = as_viewer.get(DASHBOARD).content.decode()

    assert _ranked(html, "ranked-by-size") == [kept]


def test_a_region_with_more_pools_than_the_cap_says_so(as_viewer, region, monkeypatch):
    monkeypatch.setattr(dashboard, "LIST_PAGE_MAX", 2)
    monkeypatch.setattr(dashboard, "MAX_PAGES", 1)
    create_pools(region, ["one", "two", "three"])

    html = as_viewer.get(DASHBOARD).content.decode()

    assert f"Only the first 2 pools of {region} are on this page." in text(html)
    assert len(_never_synced(html)) == 2


def test_a_region_that_cannot_be_listed_shows_its_error(as_viewer, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{port}"

    response = as_viewer.get(DASHBOARD)

    assert response.status_code == 200
    assert "The pools of us-east-1 could not be listed." in text(response.content.decode())


def test_the_ranking_reads_kept_rows_not_the_identities(as_viewer, pools):
    with CaptureQueriesContext(connection) as queries:
        as_viewer.get(DASHBOARD)

    inventory = [query["sql"] for query in queries if "inventory_" in query["sql"]]
    assert inventory
    assert not [sql for sql in inventory if "inventory_identity" in sql or "inventory_login" in sql]


@pytest.mark.parametrize("client", ["as_viewer", "as_support", "as_admin"])
def test_every_role_sees_the_dashboard_linked_from_the_header(request, client, pools):
    html = request.getfixturevalue(client).get(DASHBOARD).content.decode()

    assert re.search(rf'<a href="{DASHBOARD}" aria-current="page">Dashboard</a>', html)
    assert _ranked(html, "ranked-by-size")


def test_the_header_links_to_the_dashboard_from_other_pages(as_viewer):
    html = as_viewer.get(reverse("pools:list")).content.decode()

    assert f'<a href="{DASHBOARD}" >Dashboard</a>' in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
