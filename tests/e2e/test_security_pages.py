"""The security pages in Chromium: login lockout, password again, typed confirmation by keyboard."""

from __future__ import annotations

import re
import time
from importlib import import_module

import pytest
from django.conf import settings
from playwright.sync_api import expect

from console.accounts import permissions
from console.safeguards.reauth import PASSWORD_AT
from tests.conftest import PASSWORD, _make_user
from tests.e2e.conftest import sign_in
from tests.security_urls import DANGER_TEXT

pytestmark = pytest.mark.e2e

LOCKED = "Too many failed sign-in attempts for this account from your address"


def _only_status_errors(console_log) -> list[str]:
    # Chromium logs a page's own 4xx status as an error; anything else (CSP) is a fault.
    return [error for error in console_log.errors if "status of 4" not in error]


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(
    page, django_user_model, console_log, screenshot
):
    user = _make_user(django_user_model, "e2e-locked", "viewer")
    for _ in range(5):
        sign_in(page, user.username, "wrong-password")

    expect(page.get_by_role("alert")).to_contain_text(LOCKED)
    expect(page.get_by_role("alert")).to_contain_text("try again in 15 minutes or ask an admin to unlock it")
    screenshot("login-locked")

    sign_in(page, user.username, PASSWORD)

    expect(page.get_by_role("alert")).to_contain_text(LOCKED)
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    assert _only_status_errors(console_log) == []


@pytest.fixture
def danger_page(monkeypatch):
    monkeypatch.setitem(permissions.MATRIX, "test-danger", {"GET": "edit_pools", "POST": "edit_pools"})
    return "/test/danger/"


def _age_password(page, seconds: float) -> None:
    """Make the browser's session remember the password as typed `seconds` ago."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    store[PASSWORD_AT] = time.time() - seconds
    store.save()


@pytest.mark.urls("tests.security_urls")
def test_the_confirmation_is_typed_and_submitted_with_the_keyboard_alone(
    page, login_as, danger_page, console_log, screenshot
):
    login_as("admin")
    page.goto(danger_page)
    confirmation = page.get_by_label(re.compile("to confirm"))
    expect(confirmation).to_be_focused()

    page.keyboard.type("DELETE 3")
    page.keyboard.press("Tab")
    page.keyboard.type("SUP-981 customer asked")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete 3 identities")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("#id_confirmation_error")).to_contain_text("That does not match.")
    expect(page.get_by_label(re.compile("to confirm"))).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Reason")).to_have_value("SUP-981 customer asked")
    screenshot("confirm-error")

    page.get_by_label(re.compile("to confirm")).fill(DANGER_TEXT)
    with page.expect_navigation():
        page.get_by_label(re.compile("to confirm")).press("Enter")

    expect(page.locator("body")).to_have_text("deleted; reason: SUP-981 customer asked")
    assert _only_status_errors(console_log) == []


@pytest.mark.urls("tests.security_urls")
def test_an_old_password_is_asked_again_and_the_user_comes_back(page, login_as, danger_page, screenshot):
    login_as("admin")
    _age_password(page, 3600)

    page.goto(danger_page)

    expect(page).to_have_url(re.compile(r"/accounts/reauth/\?next=%2Ftest%2Fdanger%2F$"))
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    screenshot("reauth")
    page.get_by_label(re.compile("Password for")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/test/danger/$"))
    expect(page.get_by_test_id("confirm-form")).to_be_visible()
