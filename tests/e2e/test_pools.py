"""The pools page in Chromium: the table, and htmx paging under the CSP."""

from __future__ import annotations

import re
import socket

import pytest
from playwright.sync_api import expect

from console.pools.views.listing import PAGE_SIZE
from tests.cognito import create_pools

pytestmark = pytest.mark.e2e


def _pool_names_shown(page) -> set[str]:
    return set(page.locator("#pool-table tbody tr td:first-child").all_inner_texts())


def test_the_pools_page_lists_the_regions_pools(page, login_as, console_log, screenshot, region):
    pool_ids = create_pools(region, ["mobile-app prod", "partner.portal@eu", "kiosk_devices"])

    login_as("admin")

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Identity pools in {region}")
    expect(page.locator("#pool-table tbody tr")).to_have_count(3)
    assert _pool_names_shown(page) == {"mobile-app prod", "partner.portal@eu", "kiosk_devices"}
    for pool_id in pool_ids:
        expect(page.get_by_text(pool_id, exact=True)).to_be_visible()
    screenshot("pools")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("pools-narrow")
    assert console_log.errors == []


def test_an_empty_region_says_so(page, login_as, console_log, screenshot, region):
    login_as("viewer")

    expect(page.get_by_text(f"No identity pools in {region} yet.")).to_be_visible()
    screenshot("pools-empty")
    assert console_log.errors == []


def test_next_page_replaces_the_table_in_place_and_keeps_the_token_in_the_url(
    page, login_as, console_log, region
):
    names = [f"paged-pool-{number:02d}" for number in range(PAGE_SIZE + 2)]
    create_pools(region, names)
    login_as("viewer")
    expect(page.locator("#pool-table tbody tr")).to_have_count(PAGE_SIZE)
    first_page = _pool_names_shown(page)
    # A full page load would forget this; an htmx swap keeps it.
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("link", name="Next page").click()

    expect(page).to_have_url(re.compile(r"/\?region=us-east-1&token=.+"))
    expect(page.locator("#pool-table tbody tr")).to_have_count(2)
    assert first_page | _pool_names_shown(page) == set(names)
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)

    page.get_by_role("link", name="First page").click()

    expect(page.locator("#pool-table tbody tr")).to_have_count(PAGE_SIZE)
    assert console_log.errors == []


def test_paging_after_the_session_ended_shows_the_login_page_not_a_form_in_the_table(
    page, login_as, console_log, region
):
    create_pools(region, [f"paged-pool-{number:02d}" for number in range(PAGE_SIZE + 1)])
    login_as("viewer")
    page.context.clear_cookies()

    page.get_by_role("link", name="Next page").click()

    # Back to the page the user was on (HX-Current-URL), not to the fragment htmx asked for.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#pool-table")).to_have_count(0)


def test_an_unreachable_endpoint_shows_the_error_and_a_hint(page, login_as, settings, screenshot):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{port}"

    login_as("viewer")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("EndpointUnavailable from ListIdentityPools")
    expect(alert).to_contain_text("check COGNITO_ENDPOINT")
    screenshot("pools-error")


def test_a_user_without_a_role_is_told_to_ask_for_one(page, login_as, console_log, screenshot):
    login_as(None)

    expect(page.get_by_role("heading", name="You may not open this page")).to_be_visible()
    expect(page.get_by_text("has no console role yet")).to_be_visible()
    expect(page.get_by_test_id("signed-in-role")).to_have_text("no role")
    screenshot("forbidden")
    # Chromium logs the page's own 403 status; anything else (a CSP violation) is a fault.
    assert [error for error in console_log.errors if "status of 403" not in error] == []
