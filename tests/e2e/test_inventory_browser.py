"""The identity browser's inventory mode in Chromium: htmx swaps the table and pushes a bookmarkable
URL, and "select all N matches" opens the bulk delete with the filter."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from console.aws.clients import build_client
from tests.cognito import full_pool_settings
from tests.inventory.helpers import FACEBOOK, listed, sync

pytestmark = pytest.mark.e2e

SYNCED_AT = dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def synced_pool(region) -> str:
    """A pool whose inventory holds 70 guests and 5 identities linked to Facebook."""
    client = build_client(region, "local")
    pool_id = client.create_identity_pool(**full_pool_settings(IdentityPoolName="shop"))["IdentityPoolId"]
    sync(
        pool_id,
        [listed(number, () if number <= 70 else (FACEBOOK,)) for number in range(1, 76)],
        at=SYNCED_AT,
    )
    return pool_id


def test_an_admin_filters_the_inventory_and_sends_all_matches_to_a_delete(
    page, login_as, console_log, screenshot, synced_pool
):
    login_as("admin")
    page.goto(f"/pools/{synced_pool}/identities/")
    expect(page.get_by_test_id("matches")).to_have_text("75")
    expect(page.get_by_test_id("as-of")).to_contain_text("2026-04-01 08:31 UTC")

    page.get_by_label("Linked provider").select_option("guests")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"provider=guests"))
    expect(page.get_by_test_id("matches")).to_have_text("70")
    expect(page.locator("#identity-table tbody tr")).to_have_count(25)
    screenshot("inventory-browser")

    # An admin's pager is the selection form's buttons: they keep the page's ticks first.
    page.get_by_role("button", name="Next page").click()
    expect(page).to_have_url(re.compile(r"after="))
    expect(page.locator("#identity-table tbody tr")).to_have_count(25)
    second = page.locator("#identity-table tbody tr").first.get_attribute("data-identity-id")
    page.get_by_role("button", name="Previous page").click()
    expect(page).to_have_url(re.compile(r"before="))
    screenshot("inventory-browser-previous")
    page.get_by_role("button", name="Next page").click()
    expect(page.locator("#identity-table tbody tr").first).to_have_attribute("data-identity-id", second)

    page.get_by_role("link", name="Select all 70 matches and delete…").click()
    expect(page.get_by_test_id("matches-note")).to_contain_text("All 70 identities matching: guests")
    assert console_log.errors == []
