"""Deleting a pool in Chromium: the typed name, a reason, and the list afterwards."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_delete_a_pool(page, login_as, console_log, make_pool, cognito, screenshot):
    pool_id = make_pool("retired app")
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")

    page.get_by_role("link", name="Delete pool").click()
    expect(page.get_by_text("Every identity of the pool will go with it")).to_be_visible()
    page.get_by_label("Type retired app to confirm").fill("Retired app")
    page.get_by_label("Reason").fill("TICKET-7: app retired")
    page.get_by_role("button", name="Delete pool").click()
    expect(page.get_by_text("That does not match.")).to_be_visible()
    screenshot("pool-delete")

    page.get_by_label("Type retired app to confirm").fill("retired app")
    page.get_by_role("button", name="Delete pool").click()

    expect(page.get_by_text(f"Pool “retired app” ({pool_id}) deleted.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Identity pools")
    assert cognito.list_identity_pools(MaxResults=60)["IdentityPools"] == []
    assert console_log.errors == []
