"""Lookup and the identity page find an identity's pool in the inventory (one DescribeIdentity
confirms it is live, no call per pool), fall back to asking the pools for ids it does not know,
and explain an id it knows as gone instead of "not found"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.aws.ids import region_of
from console.inventory import store
from tests.inventory.helpers import T0, sync

from .conftest import SYNCED_AT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

LOOKUP = reverse("identities:lookup")


def page(identity_id: str) -> str:
    return reverse("identities:detail", args=[identity_id])


def inventory(pool_id: str, identity_ids: list[str]) -> None:
    store.add_identities(
        pool_id, [store.ListedIdentity(each, (), T0, T0) for each in identity_ids], at=SYNCED_AT
    )


@pytest.fixture
def pools(make_pool) -> list[str]:
    """Three pools of the region, each with a developer provider."""
    return [make_pool(f"pool-{number}") for number in range(3)]


def test_a_search_for_an_inventoried_identity_asks_no_pool(as_support, pools, guests, calls):
    [identity] = guests(pools[2], 1)
    inventory(pools[2], [identity])
    calls.clear()

    response = as_support.get(LOOKUP, {"q": identity})

    assert response.status_code == 302
    assert response.url == f"{page(identity)}?pool={pools[2].replace(':', '%3A')}"
    assert calls["DescribeIdentity"] == 1
    assert calls["LookupDeveloperIdentity"] == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_identity_page_takes_the_pool_from_the_inventory_without_asking(
    as_viewer, pools, guests, calls, htmx
):
    [identity] = guests(pools[1], 1)
    inventory(pools[1], [identity])
    calls.clear()

    # even a link naming the wrong pool: the inventory knows better, and no pool is asked
    headers = {"HX-Request": "true"} if htmx else {}
    html = as_viewer.get(page(identity), {"pool": pools[0]}, headers=headers).content.decode()

    assert f"<code>{pools[1]}</code>" in html
    assert f"<code>{pools[0]}</code>" not in html
    assert calls["LookupDeveloperIdentity"] == 0


def test_support_pays_one_call_for_the_developer_user_list_not_one_per_pool(
    as_support, pools, developer_user, calls
):
    identity = developer_user(pools[2], "ada")
    inventory(pools[2], [identity])
    calls.clear()

    html = as_support.get(page(identity)).content.decode()

    assert "ada" in html
    assert calls["LookupDeveloperIdentity"] == 1


def test_an_identity_the_inventory_does_not_know_is_found_by_asking_the_pools(
    as_viewer, pools, guests, calls
):
    [identity] = guests(pools[2], 1)
    calls.clear()

    html = as_viewer.get(page(identity)).content.decode()

    assert f"<code>{pools[2]}</code>" in html
    assert calls["LookupDeveloperIdentity"] >= 2  # the pools are asked in turn


def test_an_identity_deleted_through_the_console_says_when_and_by_which_job(
    as_support, admin, pool_id, guests, cognito
):
    [identity] = guests(pool_id, 1)
    inventory(pool_id, [identity])
    cognito.delete_identities(IdentityIdsToDelete=[identity])
    event = AuditEvent.objects.create(
        actor=admin.get_username(), operation="DeleteIdentities", region=region_of(pool_id), outcome="success"
    )
    at = dt.datetime(2026, 4, 2, 9, 15, 30, tzinfo=dt.UTC)
    store.mark_gone([identity], how="deleted", at=at, job_id=42, event_id=event.pk)

    found = as_support.get(LOOKUP, {"q": identity}).content.decode()
    shown = as_support.get(page(identity))

    for html in (found, shown.content.decode()):
        assert "Deleted through the console on 2026-04-02 09:15:30 UTC" in html
        assert f'<a href="{reverse("jobs:detail", args=[42])}">job 42</a>' in html
        assert f"audit event {event.pk}" in html
        assert f"<code>{pool_id}</code>" in html
    assert "No identity or pool has the id" not in found
    assert shown.status_code == 404


def test_an_identity_a_sync_did_not_list_says_so(as_support, pool_id, guests, cognito):

    [identity] = guests(pool_id, 1)
    sync(pool_id, [store.ListedIdentity(identity, (), T0, T0)], at=SYNCED_AT)
    cognito.delete_identities(IdentityIdsToDelete=[identity])
    sync(pool_id, [], at=SYNCED_AT + dt.timedelta(days=1))

    html = as_support.get(LOOKUP, {"q": identity}).content.decode()

    assert "Not listed by the complete sync of" in html
    assert "does not exist any more" in html


def test_an_id_nobody_knows_is_still_not_found(as_support, pool_id):
    unknown = "us-east-1:0a1b2c3d-0000-4000-8000-00000000beef"
    html = as_support.get(LOOKUP, {"q": unknown}).content.decode()
    assert "No identity or pool has the id" in html
