"""Single sign-on in Chromium, through the real test provider's own pages (tests/sso_provider.py)."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from console.safeguards.reauth import PASSWORD_AT
from tests.sso_provider import PROVIDER_NAME

pytestmark = pytest.mark.e2e


def _console_errors(console_log, live_server) -> list[str]:
    # The provider's development pages load a web font from the internet, which fails offline:
    # only what the console's own pages report (CSP violations included) matters here.
    return [error for error in console_log.errors if live_server.url in error or "pageerror" in error]


def _sign_in_at_provider(page, login: str) -> None:
    """On the provider's login page: who is signing in (the test provider takes any password)."""
    expect(page.locator("input[name=login]")).to_be_visible()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign-in").click()


def _sign_in_with_sso(page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    _sign_in_at_provider(page, login)


@pytest.mark.parametrize(("login", "role"), [("ada-admin", "admin"), ("sam-support", "support")])
def test_signing_in_through_the_providers_login_page_gives_the_role_of_the_group(
    page, sso, live_server, console_log, login, role
):
    _sign_in_with_sso(page, login)

    expect(page.get_by_test_id("signed-in-user")).to_have_text(login)
    expect(page.get_by_test_id("signed-in-role")).to_have_text(role)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Identity pools")
    assert _console_errors(console_log, live_server) == []


def test_someone_in_no_console_group_is_refused(page, sso, live_server, console_log):
    _sign_in_with_sso(page, "nia-nogroup")

    expect(page.get_by_test_id("sso-refusal")).to_contain_text("none of the groups that give a console role")
    expect(page.get_by_test_id("signed-in-user")).to_have_count(0)
    # The refusal page's own status (403) is the only thing reported.
    assert [
        error for error in _console_errors(console_log, live_server) if "status of 403" not in error
    ] == []


def _password_typed_long_ago(page) -> None:
    key = next(
        cookie["value"] for cookie in page.context.cookies() if cookie["name"] == settings.SESSION_COOKIE_NAME
    )
    session = SessionStore(key)
    session[PASSWORD_AT] = time.time() - 3600
    session.save()


def test_deleting_a_pool_re_authenticates_at_the_provider(
    page, sso, live_server, console_log, make_pool, cognito
):
    pool_id = make_pool("retired app")
    _sign_in_with_sso(page, "ada-admin")
    page.goto(f"/pools/{pool_id}/delete")
    page.get_by_label("Type retired app to confirm").fill("retired app")
    page.get_by_label("Reason").fill("TICKET-7: app retired")
    _password_typed_long_ago(page)

    # The post is not carried out: the console sends the browser to the provider (a form's
    # redirect to another origin, which the policy's form-action allows), which asks again.
    page.get_by_role("button", name="Delete pool").click()
    _sign_in_at_provider(page, "ada-admin")

    expect(page).to_have_url(re.compile(rf"/pools/{re.escape(pool_id)}/delete$"))
    assert cognito.list_identity_pools(MaxResults=60)["IdentityPools"] != []
    page.get_by_label("Type retired app to confirm").fill("retired app")
    page.get_by_label("Reason").fill("TICKET-7: app retired")
    page.get_by_role("button", name="Delete pool").click()
    expect(page.get_by_text(f"Pool “retired app” ({pool_id}) deleted.")).to_be_visible()
    assert cognito.list_identity_pools(MaxResults=60)["IdentityPools"] == []
    assert _console_errors(console_log, live_server) == []


def test_signing_out_ends_the_session_at_the_provider_too(page, sso, live_server, console_log):
    _sign_in_with_sso(page, "ada-admin")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Yes, sign me out").click()

    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.locator("input[name=login]")).to_be_visible()  # the provider asks again
    assert _console_errors(console_log, live_server) == []
