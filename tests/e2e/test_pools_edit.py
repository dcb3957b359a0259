"""Creating and editing a pool in Chromium: rows added with htmx, the review page, two tabs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.cognito import full_pool_settings

pytestmark = pytest.mark.e2e


def test_create_a_pool_with_two_providers_and_tags(page, login_as, console_log, cognito, screenshot):
    login_as("admin")
    page.get_by_role("link", name="Create pool").first.click()

    page.get_by_label("Pool name").fill("checkout app")
    page.get_by_label("Allow guest (unauthenticated) identities").check()
    page.get_by_label("Facebook App ID").fill("1234567890")
    page.get_by_label("Google Client ID").fill("web.apps.googleusercontent.com")
    page.get_by_role("button", name="Add a tag").click()
    # The new row's key has the focus after htmx swapped the form in.
    expect(page.get_by_label("Tag key")).to_be_focused()
    page.keyboard.type("team")
    page.get_by_label("Tag value").fill("checkout")
    page.get_by_role("button", name="Add a tag").click()
    expect(page.get_by_label("Tag key").nth(1)).to_be_focused()
    page.keyboard.type("env")
    page.get_by_label("Tag value").nth(1).fill("prod")
    # What was typed before the swaps is still there.
    expect(page.get_by_label("Pool name")).to_have_value("checkout app")
    expect(page.get_by_label("Tag key").first).to_have_value("team")
    screenshot("pool-create")
    page.get_by_role("button", name="Create pool").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("checkout app")
    expect(page.get_by_text("Pool “checkout app” created in us-east-1.")).to_be_visible()
    pool_id = page.get_by_test_id("pool-id").inner_text()
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert pool["SupportedLoginProviders"] == {
        "graph.facebook.com": "1234567890",
        "accounts.google.com": "web.apps.googleusercontent.com",
    }
    assert pool["IdentityPoolTags"] == {"team": "checkout", "env": "prod"}
    assert pool["AllowUnauthenticatedIdentities"] is True
    assert console_log.errors == []


def test_edit_a_pool_through_the_review_page(page, login_as, console_log, make_pool, cognito, screenshot):
    pool_id = make_pool("everything")
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("link", name="Edit settings").click()
    page.get_by_label("Pool name").fill("everything v2")
    page.get_by_label("Off", exact=True).check()
    page.get_by_role("button", name="Review changes").click()

    review = page.locator("#section-settings")
    expect(review.get_by_role("heading", name="Review your changes")).to_be_visible()
    expect(review.get_by_role("row", name=re.compile("Pool name"))).to_contain_text("everything v2")
    expect(review.get_by_role("row", name=re.compile("Basic \\(classic\\) flow"))).to_contain_text("not set")
    screenshot("pool-edit-review")
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "everything"
    review.get_by_role("button", name="Save changes").click()

    expect(page.get_by_text("Settings of “everything v2” saved.")).to_be_visible()
    expect(page.locator("#section-settings")).to_contain_text("Off")
    assert page.evaluate("window.stillTheSamePage") is True  # the section was swapped in place
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert (pool["IdentityPoolName"], pool["AllowClassicFlow"]) == ("everything v2", False)
    assert console_log.errors == []


def test_the_second_of_two_tabs_editing_the_same_pool_is_told(
    page, login_as, console_log, make_pool, cognito
):
    pool_id = make_pool(
        "everything", **{k: v for k, v in full_pool_settings().items() if k == "SupportedLoginProviders"}
    )
    login_as("admin")
    first = page
    second = page.context.new_page()
    for tab in (first, second):
        tab.goto(f"/pools/{pool_id}/edit")

    first.get_by_label("Pool name").fill("renamed in tab one")
    first.get_by_role("button", name="Review changes").click()
    first.get_by_role("button", name="Save changes").click()
    expect(first.get_by_role("heading", level=1)).to_have_text("renamed in tab one")

    second.get_by_label("Facebook App ID").fill("999")
    second.get_by_role("button", name="Review changes").click()

    expect(second.get_by_test_id("conflict")).to_contain_text(
        "Someone changed this pool's settings after you opened the form"
    )
    expect(second.get_by_role("row", name=re.compile("Pool name"))).to_contain_text("renamed in tab one")
    assert (
        cognito.describe_identity_pool(IdentityPoolId=pool_id)["SupportedLoginProviders"][
            "graph.facebook.com"
        ]
        == "1234567890"
    )
    second.get_by_role("button", name="Re-apply my changes to the new version").click()
    expect(second.get_by_role("heading", name="Review your changes")).to_be_visible()
    second.get_by_role("button", name="Save changes").click()

    expect(second.get_by_role("heading", level=1)).to_have_text("renamed in tab one")
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert pool["IdentityPoolName"] == "renamed in tab one"
    assert pool["SupportedLoginProviders"]["graph.facebook.com"] == "999"
    assert console_log.errors == []
