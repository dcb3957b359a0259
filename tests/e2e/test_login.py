"""Signing in and out through the real login form, in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import _make_user
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

LOGIN_PAGE = re.compile(r"/accounts/login/$")


@pytest.mark.parametrize("role", ["admin", "support", "viewer"])
def test_each_role_signs_in_sees_the_navigation_and_signs_out(page, login_as, console_log, role):
    user = login_as(role)

    expect(page).to_have_url(re.compile(r"/$"))
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Pools", "Jobs"):
        expect(nav.get_by_text(label, exact=True)).to_be_visible()
    # Only admins may read the audit trail, and only support and admins may look identities up:
    # a link the role may not open is not shown.
    for label, roles in (("Audit", {"admin"}), ("Lookup", {"admin", "support"})):
        link = nav.get_by_text(label, exact=True)
        if role in roles:
            expect(link).to_be_visible()
        else:
            expect(link).to_have_count(0)
    expect(page.get_by_test_id("signed-in-user")).to_have_text(user.username)
    expect(page.get_by_test_id("signed-in-role")).to_have_text(role)

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert console_log.errors == []


def test_after_signing_out_the_pools_page_asks_for_a_login_again(page, login_as):
    login_as("viewer")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()

    page.goto("/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(
    page, django_user_model, console_log, screenshot
):
    user = _make_user(django_user_model, "wrong-password-user", "viewer")

    sign_in(page, user.username, "not-the-password")

    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    expect(page.get_by_label("Username")).to_have_value(user.username)
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot("login-error")
    assert console_log.errors == []


def test_the_login_page_loads_its_stylesheet_and_htmx_without_console_errors(page, console_log, screenshot):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # The stylesheet applied (the top bar is dark) and htmx loaded under the CSP.
    topbar = page.locator("header.topbar")
    assert topbar.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(35, 47, 62)"
    assert page.evaluate("typeof htmx") == "object"
    screenshot("login")
    assert console_log.errors == []
