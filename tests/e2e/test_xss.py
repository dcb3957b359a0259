"""Hostile text does not run in a real browser.

The pages are loaded with the Content-Security-Policy switched off (bypass_csp), so what is
tested is the escaping alone: if a payload reached the page as markup, it would run and set
window.__xss. The CSP is a second wall, checked by the other browser tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, _make_user
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

PAYLOADS = (
    '"><img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    "'><svg onload=window.__xss=1>",
)


@pytest.fixture
def open_page(browser, live_server) -> Iterator[object]:
    """A page with the CSP bypassed, that records any dialog a payload might open."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture
def signed_in(open_page, django_user_model):
    user = _make_user(django_user_model, "e2e-xss-viewer", "viewer")
    sign_in(open_page, user.username, PASSWORD)
    return open_page


def _nothing_ran(page) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_a_service_error_message_is_shown_not_run(signed_in, payload):
    signed_in.goto("/?" + urlencode({"token": f"{payload} x"}))

    expect(signed_in.get_by_role("alert")).to_contain_text(f"{payload} x")
    _nothing_ran(signed_in)


def test_a_payload_swapped_in_by_htmx_is_shown_not_run(signed_in):
    payload = PAYLOADS[0]
    signed_in.goto("/")
    expect(signed_in.locator("#pool-table")).to_be_visible()

    signed_in.evaluate(
        "url => htmx.ajax('GET', url, {target: '#pool-table', swap: 'outerHTML'})",
        "/?" + urlencode({"token": f"{payload} x"}),
    )

    expect(signed_in.locator("#pool-table").get_by_role("alert")).to_contain_text(payload)
    _nothing_ran(signed_in)


def test_a_payload_as_the_region_is_shown_in_the_message_not_run(signed_in):
    payload = PAYLOADS[1]
    signed_in.goto("/")
    # A tampered form: the select offers only configured regions.
    signed_in.evaluate(
        "value => { document.querySelector('#region-select').options[0].value = value; }", payload
    )

    with signed_in.expect_navigation():
        signed_in.get_by_role("button", name="Switch").click()

    expect(signed_in.get_by_role("alert")).to_contain_text(payload)
    _nothing_ran(signed_in)


def test_a_payload_typed_as_a_username_is_put_back_in_the_field_not_run(open_page):
    payload = PAYLOADS[2]

    sign_in(open_page, payload, "wrong-password")

    expect(open_page.get_by_label("Username")).to_have_value(payload)
    _nothing_ran(open_page)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_check_would_notice_a_payload_that_ran(open_page, payload):
    # Proves the harness: the same payload served as markup does run in this context.
    open_page.goto("/accounts/login/")

    open_page.set_content(f"<!doctype html><title>t</title><p>{payload}</p>")

    open_page.wait_for_function("window.__xss === 1")
