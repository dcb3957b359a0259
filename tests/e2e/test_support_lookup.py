"""A support ticket in Chromium: find the user from the header, unlink their developer id, see the record."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from console.aws.clients import build_client
from tests.cognito import DEVELOPER, GOOGLE, full_pool_settings, id_token

pytestmark = pytest.mark.e2e


@pytest.fixture
def ticket_user(region) -> str:
    """An identity with developer user "customer-12345" and a Google login, in a pool among others."""
    cache.clear()  # the live server shares this process's cache: no pool list from another test
    client = build_client(region, "local")
    client.create_identity_pool(**full_pool_settings(IdentityPoolName="other app"))
    pool_id = client.create_identity_pool(**full_pool_settings(IdentityPoolName="shop"))["IdentityPoolId"]
    identity = client.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("ada")})["IdentityId"]
    client.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id,
        IdentityId=identity,
        Logins={DEVELOPER: "customer-12345", GOOGLE: id_token("ada")},
    )
    return identity


def test_support_finds_a_developer_user_from_the_header_and_unlinks_it(
    page, login_as, console_log, screenshot, ticket_user
):
    login_as("support")

    search = page.get_by_role("search").get_by_label("Find", exact=True)
    search.fill("customer-12345")
    search.press("Enter")

    expect(page).to_have_url(re.compile(rf"/identities/{re.escape(ticket_user)}/\?pool="))
    expect(page.get_by_test_id("identity-id")).to_have_text(ticket_user)
    developer_users = page.locator("#developer-users")
    expect(developer_users).to_contain_text("customer-12345")
    screenshot("identity-page")

    developer_users.get_by_role("link", name="Unlink developer user customer-12345").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Unlink developer user")
    page.get_by_label("Reason").fill("Ticket 4711: the customer closed this account")
    page.get_by_role("button", name="Unlink customer-12345").click()

    expect(page).to_have_url(re.compile(rf"/identities/{re.escape(ticket_user)}/\?pool="))
    expect(page.get_by_role("status")).to_contain_text(
        "“customer-12345” is no longer linked to this identity"
    )
    expect(developer_users).to_contain_text("None linked to this identity.")
    expect(page.get_by_test_id("linked-logins")).to_have_text(GOOGLE)
    history = page.locator("#identity-history tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("UnlinkDeveloperIdentity")
    expect(history.first).to_contain_text("e2e-support")
    expect(history.first).to_contain_text("Ticket 4711: the customer closed this account")
    screenshot("identity-page-after-unlink")
    assert console_log.errors == []


def test_the_browser_pages_forward_and_back_in_place(page, login_as, console_log, screenshot, region):
    client = build_client(region, "local")
    pool_id = client.create_identity_pool(**full_pool_settings(IdentityPoolName="busy"))["IdentityPoolId"]
    created = [client.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(25)]
    login_as("admin")
    page.goto(f"/pools/{pool_id}/identities/?size=10")
    rows = page.locator("#identity-table tbody tr")
    expect(rows).to_have_count(10)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Next page").click()
    expect(page.get_by_test_id("page-number")).to_have_text("Page 2")
    page.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(5)
    page.get_by_role("button", name="Previous page").click()

    expect(page.get_by_test_id("page-number")).to_have_text("Page 2")
    expect(rows.first).to_have_attribute("data-identity-id", created[10])
    assert page.evaluate("window.stillTheSamePage") is True
    page.reload()
    expect(rows.first).to_have_attribute("data-identity-id", created[10])

    # Selecting: the count follows the boxes, and one box selects the page.
    page.get_by_label("Select every identity on this page").check()
    expect(page.locator("[data-selection-count]")).to_have_text("10 selected")
    page.get_by_label(f"Select {created[11]}").uncheck()
    expect(page.locator("[data-selection-count]")).to_have_text("9 selected")
    screenshot("identity-browser")
    assert console_log.errors == []
