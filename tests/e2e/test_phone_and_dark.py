"""At phone width (390 px) no page scrolls sideways and the header folds into a menu that works
from the keyboard without JavaScript; with the system's dark mode the console is dark and keeps
its contrast."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.jobs import runner
from tests.cognito import DEVELOPER

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def pool_with_a_job(make_pool, cognito, django_user_model):
    """A pool with a developer identity, and a delete job (not run) on three of its guests."""
    pool_id = make_pool("a pool with a rather long name for a phone screen")
    identity = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "developer-user-with-a-long-identifier-0001"}
    )["IdentityId"]
    guests = [cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(3)]
    owner = django_user_model.objects.create_user("job-owner")
    job = runner.create_job(
        "delete",
        pool_id,
        [runner.Target(line, guest) for line, guest in enumerate(guests, start=1)],
        reason="TICKET-1 phone layout",
        user=owner,
        send=lambda job_id, number: None,
    )
    return pool_id, identity, job.pk


def test_no_page_scrolls_sideways_at_phone_width(phone, login_as, console_log, pool_with_a_job, screenshot):
    pool_id, identity, job_id = pool_with_a_job
    login_as("admin")
    pages = {
        "pool-list": "/",
        "pool": f"/pools/{pool_id}/",
        "identity": f"/identities/{identity}/",
        "jobs": "/jobs/",
        "job": f"/jobs/{job_id}/",
    }
    for name, url in pages.items():
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        screenshot(f"phone-{name}")
        assert not phone.evaluate(SCROLLS_SIDEWAYS), f"{url} scrolls sideways at 390 px"

    # A wide table scrolls in its own box, which takes the keyboard focus and is named.
    phone.goto("/jobs/")
    box = phone.get_by_role("region", name="Bulk jobs")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    assert box.get_attribute("tabindex") == "0"
    assert console_log.errors == []


def test_the_pool_pages_buttons_follow_its_title_without_a_gap(phone, login_as, pool_id):
    login_as("admin")
    phone.goto(f"/pools/{pool_id}/")

    ids_bottom = phone.locator(".pool-head .ids").bounding_box()
    first_button = (
        phone.locator(".pool-head").get_by_role("link", name="Identities", exact=True).bounding_box()
    )
    assert first_button["y"] - (ids_bottom["y"] + ids_bottom["height"]) < 24
    assert first_button["x"] < 30  # from the left edge, not pushed to the right


def test_the_header_folds_into_a_keyboard_menu_at_phone_width(phone, login_as, console_log):
    login_as("support")
    phone.goto("/")

    header = phone.locator("header").bounding_box()
    assert header["height"] < 60
    jobs = phone.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs")
    expect(jobs).to_be_hidden()
    # From the top of the page: skip link, brand, then the menu.
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    expect(phone.locator("summary", has_text="Menu")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(jobs).to_be_visible()
    expect(phone.get_by_label("Find")).to_be_visible()
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    jobs.focus()
    phone.keyboard.press("Enter")

    expect(phone).to_have_url(re.compile(r"/jobs/$"))
    assert console_log.errors == []


def test_the_header_shows_everything_without_a_menu_on_a_wide_screen(page, login_as):
    login_as("support")
    page.goto("/")

    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs")).to_be_visible()
    expect(page.get_by_label("Find")).to_be_visible()
    assert page.locator("header").bounding_box()["height"] < 60


def test_dark_mode_is_dark_and_keeps_its_contrast(page, login_as, pool_id, console_log, screenshot):
    page.emulate_media(color_scheme="dark")
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    screenshot("pool-dark")

    background = page.evaluate(f"{LUMINANCE}(getComputedStyle(document.body).backgroundColor)")
    assert background < 0.05  # dark: near black
    for selector in ("h1", "#section-settings dd", "#section-settings dt", ".breadcrumb a", "p.field-hint"):
        ratio = page.evaluate(CONTRAST_OF_TEXT, selector)
        assert ratio >= 4.5, (selector, ratio)
    # The focus ring on the page's background.
    page.get_by_role("link", name="Edit settings").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(CONTRAST_OF_FOCUS_RING) >= 3
    assert console_log.errors == []


def test_light_mode_stays_light(page, login_as, pool_id):
    page.emulate_media(color_scheme="light")
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")

    assert page.evaluate(f"{LUMINANCE}(getComputedStyle(document.body).backgroundColor)") > 0.8
    assert page.evaluate(CONTRAST_OF_TEXT, "#section-settings dd") >= 4.5


# WCAG 2 relative luminance of a computed "rgb(r, g, b)" colour.
LUMINANCE = """((colour) => colour.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
  v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0))"""

# The background behind an element: the first ancestor (or itself) with an opaque background.
BACKGROUND = """((el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    const alpha = c.match(/[\\d.]+/g)[3];
    if (alpha === undefined || Number(alpha) > 0) return c;
  }
  return "rgb(255, 255, 255)";
})"""

CONTRAST_OF_TEXT = f"""(selector) => {{
  const el = document.querySelector(selector);
  const [a, b] = [{LUMINANCE}(getComputedStyle(el).color), {LUMINANCE}({BACKGROUND}(el))].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}}"""

CONTRAST_OF_FOCUS_RING = f"""(() => {{
  const el = document.activeElement;
  const [a, b] = [{LUMINANCE}(getComputedStyle(el).outlineColor), {LUMINANCE}({BACKGROUND}(el.parentElement))]
    .sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}})()"""
