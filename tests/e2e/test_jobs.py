"""A bulk delete in Chromium with a real Celery worker: paste ids, review, confirm with the count
and a reason, watch the job page update itself until the job ends, download the results."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.jobs.conftest import guest_identities, pool_identities
from tests.jobs.fleet import fleet  # noqa: F401 - the workers fixture

pytestmark = pytest.mark.e2e


def test_an_admin_deletes_identities_watches_the_job_finish_and_downloads_its_results(
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

    page.goto(f"/jobs/new/delete?pool={pool_id}")
    page.get_by_label("Identity ids, one per line").fill("\n".join([*ids, "not-an-id"]))
    page.get_by_role("button", name="Review…").click()
    expect(page.get_by_test_id("input-problems")).to_contain_text("Line 6: “not-an-id” is not an identity id")
    page.get_by_label("Identity ids, one per line").fill("\n".join(ids))
    page.get_by_role("button", name="Review…").click()
    expect(page.get_by_role("heading", name="Confirm the deletion")).to_be_visible()
    page.get_by_label(re.compile("to confirm")).fill("DELETE 5 IDENTITIES")
    page.get_by_label("Reason").fill("E2E-7 test clean-up")
    screenshot("jobs-confirm")
    page.get_by_role("button", name="Delete 5 identities").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    page.evaluate("window.stillTheSamePage = true")
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded", timeout=60_000)
    expect(page.get_by_test_id("count-done")).to_have_text("5")
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place by polling
    screenshot("jobs-finished")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download results (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))

    assert [row[1:3] for row in rows[1:]] == [[identity, "done"] for identity in ids]
    assert pool_identities(cognito, pool_id) == []
    assert console_log.errors == []
