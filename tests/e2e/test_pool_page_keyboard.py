"""The pool page's in-place editors from the keyboard: the focus goes into an editor when it
opens, to the error summary when a save fails, and back to its button when it closes; a rename
shows the new name in the heading, the breadcrumb and the window title."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

FOCUSED_ID = "document.activeElement.id"


def _focused_id(page) -> str:
    return page.evaluate(FOCUSED_ID)


def _press(page, locator, key: str = "Enter") -> None:
    locator.focus()
    page.keyboard.press(key)


def test_the_roles_editor_takes_the_focus_and_cancel_gives_it_back(page, login_as, console_log, pool_id):
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")

    _press(page, page.get_by_role("link", name="Edit roles and mappings"))

    heading = page.get_by_role("heading", name="Edit roles and role mappings")
    expect(heading).to_be_focused()
    assert _focused_id(page) == "section-roles-heading"
    # The next Tab lands in the editor, not 50 links further down.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#section-roles') !== null")
    assert page.evaluate("document.activeElement.tagName") in {"INPUT", "SELECT"}

    _press(page, page.locator("#section-roles").get_by_role("link", name="Cancel"))

    expect(page.get_by_role("link", name="Edit roles and mappings")).to_be_focused()
    assert _focused_id(page) == "edit-roles"
    assert console_log.errors == []


def test_a_failed_save_focuses_the_error_summary(page, login_as, console_log, pool_id):
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    _press(page, page.get_by_role("link", name="Edit settings"))
    expect(page.get_by_role("heading", name="Edit settings")).to_be_focused()

    page.get_by_label("Pool name").fill("")
    page.keyboard.press("Enter")  # in the name field: the form's default button, "Review changes"

    summary = page.locator("#section-settings .error-box")
    expect(summary).to_contain_text("Some fields need a change")
    expect(summary).to_be_focused()
    # And with the button, too.
    _press(page, page.get_by_role("button", name="Review changes").last)
    expect(page.locator("#section-settings .error-box")).to_be_focused()

    _press(page, page.locator("#section-settings").get_by_role("link", name="Cancel"))
    expect(page.get_by_role("link", name="Edit settings")).to_be_focused()
    assert console_log.errors == []


def test_cancel_returns_to_the_edit_button_of_the_provider_it_opened(page, login_as, console_log, pool_id):
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    second = page.locator("#section-principal-tags").get_by_role("link", name="Edit").nth(1)
    opener_id = second.get_attribute("id")

    _press(page, second)
    expect(page.locator("#section-principal-tags-heading")).to_be_focused()
    _press(page, page.locator("#section-principal-tags").get_by_role("link", name="Cancel"))

    expect(page.locator(f"#{opener_id}")).to_be_focused()
    assert _focused_id(page) == opener_id
    assert console_log.errors == []


def test_the_focus_ring_stands_out_from_the_page(page, login_as, pool_id):
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    page.get_by_role("link", name="Edit tags").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focused from the keyboard: :focus-visible applies

    ring = page.evaluate(CONTRAST_OF_FOCUS_RING)
    assert ring["width"] >= 2
    assert ring["ratio"] >= 3, ring


def test_a_rename_in_place_shows_the_new_name_in_heading_breadcrumb_and_title(
    page, login_as, console_log, make_pool, cognito
):
    pool_id = make_pool("shop")
    login_as("admin")
    page.goto(f"/pools/{pool_id}/")
    expect(page).to_have_title("shop · Cognito Identity Console")
    page.evaluate("window.stillTheSamePage = true")

    _press(page, page.get_by_role("link", name="Edit settings"))
    page.get_by_label("Pool name").fill("shop EU")
    page.get_by_role("button", name="Review changes").last.click()
    page.locator("#section-settings").get_by_role("button", name="Save changes").click()

    expect(page.get_by_text("Settings of “shop EU” saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("shop EU")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("shop EU")
    expect(page).to_have_title("shop EU · Cognito Identity Console")
    expect(page.get_by_role("link", name="Edit settings")).to_be_focused()  # the editor closed
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("h1").count() == 1
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "shop EU"
    assert console_log.errors == []


# The WCAG 2 contrast ratio between the focused element's outline and the background behind it
# (the first ancestor with a background colour).
CONTRAST_OF_FOCUS_RING = """
(() => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => {
    v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let bg = el.parentElement;
  while (bg && parse(getComputedStyle(bg).backgroundColor)[3] === 0) bg = bg.parentElement;
  const back = bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)";
  const [a, b] = [lum(parse(style.outlineColor)), lum(parse(back))].sort((x, y) => y - x);
  return {ratio: (a + 0.05) / (b + 0.05), width: parseFloat(style.outlineWidth),
          outline: style.outlineColor, background: back};
})()
"""
