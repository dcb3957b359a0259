"""In Chromium: an htmx request that fails is never dropped silently, and a session that ends
while a page is open leads back to that page after signing in, saying what was not saved."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _htmx_alert(page):
    return page.locator("#htmx-alert")


def _filter_the_audit_trail(page) -> None:
    page.get_by_label("Operation").select_option("TagResource")
    page.get_by_role("button", name="Filter").click()


def test_a_user_who_lost_a_role_sees_which_role_an_htmx_action_needs(page, login_as, screenshot):
    user = login_as("admin")
    page.goto("/audit/")
    expect(_htmx_alert(page)).to_be_hidden()
    # Demoted while the page is open: the next htmx request is refused.
    user.groups.set([Group.objects.get(name="viewer")])

    _filter_the_audit_trail(page)

    expect(_htmx_alert(page)).to_be_visible()
    expect(_htmx_alert(page)).to_contain_text("This needs the admin role (view audit).")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    screenshot("htmx-403")

    page.get_by_role("button", name="Dismiss").click()
    expect(_htmx_alert(page)).to_be_hidden()


def test_a_server_error_answering_htmx_names_the_request_id_to_quote(page, login_as, monkeypatch):
    login_as("admin")
    page.goto("/audit/")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("console.audit.views.page_of", broken)
    with page.expect_response(re.compile(r"/audit/\?")) as answer:
        _filter_the_audit_trail(page)

    request_id = answer.value.headers["x-request-id"]
    expect(_htmx_alert(page)).to_contain_text(f"quote request id {request_id}")


def test_a_request_that_gets_no_answer_says_the_console_did_not_answer(page, login_as):
    login_as("admin")
    page.goto("/audit/")
    page.route(re.compile(r"/audit/\?"), lambda route: route.abort())

    _filter_the_audit_trail(page)

    expect(_htmx_alert(page)).to_contain_text("The console did not answer")


def test_a_change_sent_after_the_session_ended_is_not_saved_and_the_user_is_told(page, login_as):
    user = login_as("viewer")
    page.goto("/")
    Session.objects.all().delete()  # the session ends on the server while the page is open

    with page.expect_navigation():
        _htmx_post_button(
            page, "Confirm password", "/accounts/reauth/", '{"password": "not-sent-anyway"}'
        ).click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/&unsaved=1$"))
    expect(page.get_by_test_id("unsaved")).to_contain_text("not saved")

    sign_in_here(page, user.username)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name=re.compile("Identity pools"))).to_be_visible()
    expect(page.get_by_text("it was not saved")).to_be_visible()


def _htmx_post_button(page, label: str, url: str, values: str):
    """An htmx button like the ones later pages have (none posts with htmx on the pages yet)."""
    page.evaluate(
        """([label, url, values]) => {
            const button = document.createElement("button");
            button.textContent = label;
            button.setAttribute("hx-post", url);
            button.setAttribute("hx-vals", values);
            document.querySelector("main").append(button);
            htmx.process(button);
        }""",
        [label, url, values],
    )
    return page.get_by_role("button", name=label)


def sign_in_here(page, username: str) -> None:
    """Sign in on the login page already open (keeping its next and unsaved fields)."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
