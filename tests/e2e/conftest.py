"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is the system one (/usr/bin/chromium); Playwright's own downloads are never
used, so the tests work offline. Without Chromium the tests are skipped, unless
REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Playwright's sync API runs an event loop in the test's thread; Django would then refuse
# the ORM calls the tests make (creating users, pools) as "async-unsafe". Tests are
# sequential, so the check protects nothing here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import PASSWORD, _make_user
from tests.sso_provider import oidc_provider, sso  # noqa: F401 - the single sign-on tests' provider

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / ".run" / "screenshots"


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "") == "1"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Chromium for the whole session (contexts keep the tests apart)."""
    if not CHROMIUM.exists():
        if _browser_required():
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing: install Debian's chromium package.")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Inside Playwright's sync API the tests run in a context of their own, and Django's
        # connections are context-local: every test after the first browser test (browser or
        # not) used a second set of connections in this thread. Close them while still in that
        # context; left open, PostgreSQL refused to drop the test database at the end.
        connections.close_all()


@dataclass
class ConsoleLog:
    """What the page reported on its console: errors include CSP violations."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture
def console_log() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, live_server, console_log: ConsoleLog) -> Iterator[object]:
    """A fresh browser context (no cookies) and page for each test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda message: _record_console(console_log, message))
    page.on("pageerror", lambda error: console_log.errors.append(f"pageerror: {error}"))
    yield page
    context.close()


def _record_console(log: ConsoleLog, message) -> None:
    if message.type == "error":
        log.errors.append(f"{message.text} ({message.location.get('url', '')})")


def sign_in(page, username: str, password: str) -> None:
    """Fill in and submit the real login form."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def login_as(page, django_user_model) -> Callable[[str | None], object]:
    """login_as("viewer"): create a user with that role (None: no role) and sign in through the form."""

    def login(role: str | None):
        user = _make_user(django_user_model, f"e2e-{role or 'norole'}", role)
        sign_in(page, user.username, PASSWORD)
        return user

    return login


@pytest.fixture
def screenshot(page) -> Callable[[str], Path]:
    """screenshot("login"): save the full page under .run/screenshots/ for a person to look at."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        # Hiding the caret leaves style="" on every input; htmx's settle would copy that onto
        # the swapped-in inputs, which the CSP (no inline styles) reports as a violation.
        page.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")
        return path

    return take
