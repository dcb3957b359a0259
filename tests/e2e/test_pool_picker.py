"""The job forms' pool picker in Chromium: the filter box narrows the list by name, Enter moves to
the list with the match chosen, and the form starts the job for that pool."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_an_admin_filters_the_pools_by_name_and_starts_a_dry_run_with_the_keyboard(
    page, login_as, console_log, make_pool
):
    make_pool("Checkout app")
    loyalty = make_pool("Loyalty app")
    login_as("admin")

    page.goto("/jobs/new/prune")
    box = page.get_by_label("Filter the list by name, id or region")
    box.fill("loyal")

    expect(page.get_by_text("1 of 2 pools match")).to_be_visible()
    box.press("Enter")
    picker = page.get_by_label("Identity pool", exact=True)
    expect(picker).to_be_focused()
    expect(picker).to_have_value(loyalty)

    page.get_by_label(re.compile("^Unauthenticated")).check()
    page.get_by_role("button", name="Start the dry run").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("pool-label")).to_contain_text("Loyalty app")
    assert console_log.errors == []
