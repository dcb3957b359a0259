"""The audit trail in Chromium: filtering in place with htmx, details, and pool history links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.audit.actor import audit_actor
from console.aws.calls import call

pytestmark = pytest.mark.e2e


def _pool_changed_by(user, region: str, name: str) -> str:
    with audit_actor(user.username, user=user, ip="203.0.113.7"):
        pool = call(
            region, "create_identity_pool", IdentityPoolName=name, AllowUnauthenticatedIdentities=False
        )
        pool.pop("ResponseMetadata")
        call(
            region,
            "update_identity_pool",
            audit_before=pool,
            audit_reason="Ticket 42",
            **{**pool, "IdentityPoolName": f"{name}-renamed"},
        )
    return pool["IdentityPoolId"]


def test_an_admin_filters_the_trail_in_place_and_reads_an_events_details(
    page, login_as, console_log, screenshot, region
):
    admin = login_as("admin")
    _pool_changed_by(admin, region, "audited-pool")
    page.goto("/audit/")
    rows = page.locator("#audit-table tbody tr[data-event-id]")
    # The creation and the update: "Changes only" (on by default) hides the sign-in.
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("UpdateIdentityPool")
    screenshot("audit")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Changes only").uncheck()
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"/audit/\?.*changes=0"))
    expect(rows).to_have_count(3)
    expect(rows.last).to_contain_text("console.login")
    page.get_by_label("Changes only").check()

    page.get_by_label("Operation").select_option("UpdateIdentityPool")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"/audit/\?.*operation=UpdateIdentityPool"))
    expect(rows).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True
    event = page.locator("#audit-table tbody.event").first
    event.get_by_text("Details").click()
    details = event.locator("details")
    expect(details).to_contain_text("Ticket 42")
    expect(details).to_contain_text("1 change")
    expect(details).to_contain_text('"audited-pool"')
    expect(details).to_contain_text('"audited-pool-renamed"')
    screenshot("audit-details")
    assert console_log.errors == []


def test_a_pools_history_link_opens_its_trail(page, login_as, console_log, region):
    admin = login_as("admin")
    pool_id = _pool_changed_by(admin, region, "history-pool")
    page.goto("/")

    # exact: the pool's name, now a link to its page, also contains "history".
    page.get_by_role("row", name=re.compile("history-pool")).get_by_role(
        "link", name="History", exact=True
    ).click()

    expect(page).to_have_url(re.compile(r"/audit/\?pool="))
    expect(page.locator("#audit-table tbody tr[data-event-id]")).to_have_count(2)
    expect(page.get_by_label("Pool id")).to_have_value(pool_id)
    assert console_log.errors == []
