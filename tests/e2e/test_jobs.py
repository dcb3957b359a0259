"""A bulk delete in Chromium with a real Celery worker, as the issue's acceptance runs it: select
identities in the identity browser, review, confirm with the count and a reason, watch the job
page update itself until the job ends, download the results."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.jobs.conftest import guest_identities, pool_identities
from tests.jobs.fleet import fleet  # noqa: F401 - the workers fixture

pytestmark = pytest.mark.e2e


def test_an_admin_deletes_selected_identities_watches_the_job_finish_and_downloads_its_results(
    page,
    login_as,
    console_log,
    screenshot,
    fleet,  # noqa: F811 - the fixture imported above
    cognito,
    make_pool,
):
    fleet.beat()
    fleet.worker("e2e", concurrency=1)
    pool_id = make_pool("e2e-jobs")
    ids = guest_identities(cognito, pool_id, 5)
    login_as("admin")

    page.goto(f"/pools/{pool_id}/identities/")
    for identity in ids[:3]:
        page.get_by_label(f"Select {identity}").check()
    expect(page.get_by_text("3 selected")).to_be_visible()
    page.get_by_role("button", name="Delete selected…").click()

    # The selection goes straight to the review, as a list pasted and reviewed would.
    expect(page.get_by_role("heading", name="Confirm the deletion")).to_be_visible()
    page.get_by_label(re.compile("to confirm")).fill("DELETE 3 IDENTITIES")
    page.get_by_label("Reason").fill("E2E-7 test clean-up")
    screenshot("jobs-confirm")
    page.get_by_role("button", name="Delete 3 identities").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    page.evaluate("window.stillTheSamePage = true")
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded", timeout=60_000)
    expect(page.get_by_test_id("count-done")).to_have_text("3")
    # The end arrives with the last poll: the Ended line and the final numbers, no reload.
    expect(page.get_by_test_id("job-ended")).to_contain_text("Ended (UTC)")
    expect(page.get_by_test_id("job-numbers")).to_have_text("3 identities: 3 deleted.")
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place by polling
    screenshot("jobs-finished")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download results (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))

    assert [row[1:3] for row in rows[1:]] == [[identity, "done"] for identity in ids[:3]]
    assert sorted(pool_identities(cognito, pool_id)) == sorted(ids[3:])
    assert console_log.errors == []


def test_bad_lines_are_shown_by_number_before_anything_starts(
    page, login_as, console_log, cognito, make_pool
):
    pool_id = make_pool("e2e-bad-lines")
    ids = guest_identities(cognito, pool_id, 1)
    login_as("admin")

    page.goto(f"/jobs/new/delete?pool={pool_id}")
    page.get_by_label("Identity ids, one per line").fill("\n".join([*ids, "not-an-id"]))
    page.get_by_role("button", name="Review…").click()

    expect(page.get_by_test_id("input-problems")).to_contain_text("Line 2: “not-an-id” is not an identity id")
    assert console_log.errors == []
