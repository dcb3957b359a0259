"""Cancelling a job in Chromium: the question opens inline on the job's page (htmx), says what
stays done, and the answer stops the job; the page then shows its end without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from console.jobs import parsing, runner
from console.jobs.models import Kind
from tests.jobs.conftest import drive

pytestmark = pytest.mark.e2e

POOL = "us-east-1:0a1b2c3d-0000-4000-8000-0000000000aa"


def no_broker(job_id: int, number: int) -> None:
    """Sends nothing: the job stays queued until it is cancelled."""


def test_an_admin_is_asked_once_inline_then_the_job_stops(page, login_as, console_log):
    admin = login_as("admin")
    targets = [parsing.Target(n, f"us-east-1:{n:08x}-0000-4000-8000-000000000000") for n in range(1, 4)]
    job = runner.create_job(Kind.DELETE, POOL, targets, reason="E2E-9", user=admin, send=no_broker)

    page.goto(f"/jobs/{job.pk}/")
    page.get_by_role("link", name="Cancel job…").click()

    question = page.get_by_test_id("cancel-confirm")
    expect(question).to_contain_text("Identities already deleted stay deleted (0 so far)")
    expect(page.get_by_test_id("job-status")).to_have_text("Queued")
    page.get_by_role("button", name="Cancel the job").click()
    # Its chunks were sent: they are skipped when a worker claims them (here, this process).
    expect(page.get_by_test_id("job-status")).to_have_text("Cancelling")
    page.evaluate("window.stillTheSamePage = true")
    drive(job)

    expect(page.get_by_test_id("job-status")).to_have_text("Cancelled")
    assert page.evaluate("window.stillTheSamePage") is True  # the end came by polling
    expect(page.get_by_test_id("cancel-summary")).to_contain_text("3 identities: 0 deleted · 3 skipped.")
    expect(page.get_by_test_id("job-ended")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel job…")).to_have_count(0)
    assert console_log.errors == []


def test_the_question_stays_open_while_the_page_polls(page, login_as, console_log):
    admin = login_as("admin")
    targets = [parsing.Target(1, "us-east-1:00000001-0000-4000-8000-000000000000")]
    job = runner.create_job(Kind.DELETE, POOL, targets, reason="E2E-9", user=admin, send=no_broker)

    page.goto(f"/jobs/{job.pk}/")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="Cancel job…").click()
    expect(page.get_by_test_id("cancel-confirm")).to_be_visible()
    with page.expect_response(lambda response: response.url.endswith(f"/jobs/{job.pk}/progress")):
        pass  # at least one poll after the question opened

    expect(page.get_by_test_id("cancel-confirm")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True  # inline, not a new page
    assert console_log.errors == []
