"""Roles and the rules editor in Chromium: three rules, reordered from the keyboard; the role
tester then shows the rule that now comes first winning."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cognito import AUTH_ROLE, USER_POOL

pytestmark = pytest.mark.e2e

USER_POOL_KEY = f"{USER_POOL}:appclient1"
ADMINS = "arn:aws:iam::000000000000:role/admins"
STAFF = "arn:aws:iam::000000000000:role/staff"
READERS = "arn:aws:iam::000000000000:role/readers"
RULES = [
    ("cognito:groups", "Contains", "admins", ADMINS),
    ("cognito:groups", "Contains", "staff", STAFF),
    ("email", "NotEqual", "nobody@example.com", READERS),
]


def _fill_rule(block, number: int, claim: str, match: str, value: str, role: str) -> None:
    block.get_by_label("Claim", exact=True).nth(number).fill(claim)
    block.get_by_label("Match", exact=True).nth(number).select_option(match)
    block.get_by_label("Value", exact=True).nth(number).fill(value)
    block.get_by_label("Role ARN", exact=True).nth(number).fill(role)


def _rule_values(block) -> list[str]:
    return [field.input_value() for field in block.get_by_label("Value", exact=True).all()]


def test_a_rules_mapping_reordered_with_the_keyboard_decides_the_role(
    page, login_as, console_log, pool_id, cognito, screenshot
):
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    page.get_by_role("link", name="Edit roles and mappings").click()
    page.get_by_label("Authenticated role ARN").fill(AUTH_ROLE)
    block = page.locator("fieldset.mapping-block", has_text=USER_POOL_KEY)

    block.get_by_label("Choose the role with rules").check()
    # htmx posts the change and brings back the block with its rules editor and a first rule.
    expect(block.get_by_test_id("rules-editor")).to_be_visible()
    _fill_rule(block, 0, *RULES[0])
    for number, rule in enumerate(RULES[1:], start=1):
        block.get_by_role("button", name="Add a rule").click()
        expect(block.get_by_label("Claim", exact=True).nth(number)).to_be_focused()
        _fill_rule(block, number, *rule)
    block.get_by_label("When no role is decided").select_option("Deny")
    assert _rule_values(block) == ["admins", "staff", "nobody@example.com"]

    # Keyboard only: the third rule goes up twice; the focus stays on it as it moves.
    block.get_by_role("button", name="Move rule 3 up").focus()
    page.keyboard.press("Enter")
    expect(block.get_by_role("button", name="Move rule 2 up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(block.get_by_role("button", name="Move rule 1 down")).to_be_focused()
    # And the (new) second rule down once: staff is now last.
    page.keyboard.press("Tab")  # past Move rule 1 down ... to Remove rule 1
    block.get_by_role("button", name="Move rule 2 down").focus()
    page.keyboard.press("Enter")
    expect(block.get_by_role("button", name="Move rule 3 up")).to_be_focused()
    assert _rule_values(block) == ["nobody@example.com", "staff", "admins"]
    block.get_by_test_id("rules-editor").scroll_into_view_if_needed()
    screenshot("pool-rules-editor")

    page.get_by_role("button", name="Review changes").click()
    expect(page.get_by_role("heading", name="Review your changes")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Roles and role mappings of “everything” saved.")).to_be_visible()

    stored = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"][USER_POOL_KEY]
    assert [rule["Value"] for rule in stored["RulesConfiguration"]["Rules"]] == [
        "nobody@example.com",
        "staff",
        "admins",
    ]
    assert stored["AmbiguousRoleResolution"] == "Deny"

    tester = page.locator("#section-tester")
    tester.get_by_label("Sign-in with").select_option(USER_POOL)
    tester.get_by_label("Token claims (JSON) or the token itself (JWT)").fill(
        '{"aud": "appclient1", "sub": "u1", "email": "nobody@example.com", "cognito:groups": ["admins", "staff"]}'
    )
    tester.get_by_role("button", name="Test role resolution").click()

    expect(tester.get_by_test_id("tester-role")).to_have_text(STAFF)
    expect(tester.get_by_test_id("tester-why")).to_have_text(
        f"Rule 2 of the role mapping for {USER_POOL_KEY} matched (the first matching rule wins)."
    )
    screenshot("pool-role-tester")
    assert console_log.errors == []
