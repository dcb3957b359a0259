"""The identity browser's selection in Chromium: ticks on page 1 and page 2 add up, and "Delete
selected" opens the bulk delete's review with all of them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.aws.clients import build_client
from console.jobs.models import Draft
from tests.cognito import full_pool_settings

pytestmark = pytest.mark.e2e


def test_ticks_on_two_pages_go_to_one_delete_review(page, login_as, console_log, screenshot, region):
    client = build_client(region, "local")
    pool_id = client.create_identity_pool(**full_pool_settings(IdentityPoolName="tidy"))["IdentityPoolId"]
    created = [client.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(15)]
    login_as("admin")
    page.goto(f"/pools/{pool_id}/identities/?size=10")
    count = page.get_by_test_id("selection-count")

    page.get_by_label(f"Select {created[1]}").check()
    page.get_by_label(f"Select {created[4]}").check()
    expect(count).to_have_text("2 selected")
    page.get_by_role("button", name="Next page").click()

    expect(page.get_by_test_id("page-number")).to_have_text("Page 2")
    expect(count).to_have_text("2 selected")
    page.get_by_label(f"Select {created[12]}").check()
    expect(count).to_have_text("3 selected")
    screenshot("identity-selection-page-2")
    page.get_by_role("button", name="Delete selected…").click()

    expect(page.get_by_role("heading", name="Confirm the deletion")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Checked \d of 3 ids")).first).to_be_visible()
    [draft] = Draft.objects.all()
    assert [target for _, target, _ in draft.targets] == [created[1], created[4], created[12]]
    assert console_log.errors == []
