"""The jobs list, a job's page with its polled progress, Cancel, and the results CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.jobs import parsing
from console.jobs.models import Job, Kind, Status
from console.jobs.views import jobs as views

from .conftest import drive, guest_identities, targets_of

pytestmark = pytest.mark.django_db

OTHER_POOL = "us-east-1:0a1b2c3d-0000-4000-8000-0000000000ff"


def job_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-job-id="(\d+)"', html)]


@pytest.fixture
def jobs(make_job, pool_id, cognito, support):
    """A finished delete of the pool, a queued merge of another pool (started by support's name)."""
    finished = drive(make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 2))))
    queued = make_job(Kind.MERGE, OTHER_POOL, [parsing.Target(1, "a", "b")], developer_provider="dev")
    Job.objects.filter(pk=queued.pk).update(created_by_name=support.username)
    return finished, queued


def test_the_list_shows_every_job_newest_first_to_every_role(as_viewer, jobs):
    finished, queued = jobs

    html = as_viewer.get(reverse("jobs:list")).content.decode()

    assert job_ids(html) == [queued.pk, finished.pk]
    assert "Delete identities…" not in html  # viewers do not start jobs


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "merge"}, ["queued"]),
        ({"status": "succeeded"}, ["finished"]),
        ({"who": "sam-support"}, ["queued"]),
        ({"kind": "delete", "status": "queued"}, []),
    ],
)
def test_the_list_filters_by_kind_status_and_who(as_admin, jobs, query, expected):
    by_name = dict(zip(("finished", "queued"), jobs, strict=True))

    html = as_admin.get(reverse("jobs:list"), query).content.decode()

    assert job_ids(html) == [by_name[name].pk for name in expected]


def test_the_pool_pages_link_lists_that_pools_jobs(as_admin, jobs, pool_id):
    finished, _ = jobs

    html = as_admin.get(reverse("jobs:list"), {"pool": pool_id}).content.decode()

    assert job_ids(html) == [finished.pk]
    assert f'href="{reverse("jobs:new_delete")}?pool={pool_id.replace(":", "%3A")}"' in html


def test_the_list_answers_htmx_with_its_table_only(as_admin, jobs):
    response = as_admin.get(reverse("jobs:list"), {"kind": "merge"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html and 'id="job-table"' in html
    assert job_ids(html) == [jobs[1].pk]
    assert "HX-Request" in response["Vary"]


def test_a_job_page_shows_its_counts_progress_and_who_started_it_and_why(as_viewer, jobs):
    finished, _ = jobs

    html = as_viewer.get(reverse("jobs:detail", args=[finished.pk])).content.decode()

    assert 'data-testid="job-numbers">2 identities: 2 deleted.<' in html
    assert re.search(r'<rect class="job-bar-done" x="0.00" width="100.00"[^>]*data-outcome="done">', html)
    assert 'data-testid="job-status">Succeeded<' in html
    assert 'data-testid="count-done">2<' in html
    assert "TICKET-42 clean-up" in html and "alice-admin" in html
    assert "hx-trigger" not in html  # ended: nothing to poll
    assert "Cancel job" not in html


def test_a_running_job_polls_its_progress_every_second_and_admins_may_cancel_it(as_admin, jobs):
    _, queued = jobs

    html = as_admin.get(reverse("jobs:detail", args=[queued.pk])).content.decode()

    assert f'hx-get="{reverse("jobs:progress", args=[queued.pk])}" hx-trigger="every 1s"' in html
    assert "Cancel job" in html


def test_viewers_see_no_cancel_button(as_viewer, jobs):
    _, queued = jobs

    response = as_viewer.get(reverse("jobs:detail", args=[queued.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Job #{queued.pk} " in html
    assert 'data-testid="job-status">Queued<' in html
    assert 'hx-trigger="every 1s"' in html  # the running job's page, still polling
    assert "Cancel job" not in html


def test_the_progress_fragment_keeps_polling_while_the_job_runs(as_viewer, jobs):
    _, queued = jobs

    response = as_viewer.get(reverse("jobs:progress", args=[queued.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="job-progress"' in html and "every 1s" in html


def test_the_progress_fragment_answers_286_once_the_job_ended(as_viewer, jobs):
    finished, _ = jobs

    response = as_viewer.get(reverse("jobs:progress", args=[finished.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 286
    assert "Succeeded" in response.content.decode()


def test_the_progress_url_without_htmx_goes_to_the_job_page(as_viewer, jobs):
    response = as_viewer.get(reverse("jobs:progress", args=[jobs[0].pk]))

    assert (response.status_code, response.url) == (302, reverse("jobs:detail", args=[jobs[0].pk]))


def test_an_admin_cancels_and_the_page_says_how_many_were_done_before(as_admin, jobs):
    _, queued = jobs

    response = as_admin.post(reverse("jobs:cancel", args=[queued.pk]), follow=True)

    queued.refresh_from_db()
    html = response.content.decode()
    assert queued.status == Status.CANCELLED
    assert "is being cancelled" in html
    assert "1 pair: 0 merged · 1 skipped." in html
    assert "What was merged before it stopped stays merged; the rest was skipped." in html


def test_cancelling_an_ended_job_says_so(as_admin, jobs):
    response = as_admin.post(reverse("jobs:cancel", args=[jobs[0].pk]), follow=True)

    assert "had already ended" in response.content.decode()


def test_support_and_viewers_cannot_cancel(as_support, as_viewer, jobs):
    for client in (as_support, as_viewer):
        assert client.post(reverse("jobs:cancel", args=[jobs[1].pk])).status_code == 403
    jobs[1].refresh_from_db()
    assert jobs[1].status == Status.QUEUED


def test_an_unknown_job_is_404(as_viewer):
    assert as_viewer.get(reverse("jobs:detail", args=[999])).status_code == 404


def test_the_results_list_every_input_item_with_its_outcome(as_support, jobs):
    finished, _ = jobs

    response = as_support.get(reverse("jobs:results", args=[finished.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="job-{finished.pk}-delete-results.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["line", "identity_id", "outcome", "error_code", "message"]
    assert [(row[0], row[2]) for row in rows[1:]] == [("1", "done"), ("2", "done")]


def test_merge_results_name_the_pair_and_the_identity_and_escape_formulas(as_support, make_job):
    job = make_job(Kind.MERGE, OTHER_POOL, [parsing.Target(1, "=cmd()", "b")], developer_provider="dev")

    response = as_support.get(reverse("jobs:results", args=[job.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == [
        "line",
        "source_user_identifier",
        "destination_user_identifier",
        "outcome",
        "identity_id",
    ]
    assert rows[1][:4] == ["1", "'=cmd()", "b", "pending"]


def test_results_of_a_large_job_stream_in_batches(as_admin, make_job, monkeypatch):
    monkeypatch.setattr(views, "RESULT_BATCH", 7)
    ids = [f"us-east-1:{n:08x}-0000-4000-8000-000000000000" for n in range(30)]
    job = make_job(Kind.DELETE, OTHER_POOL, targets_of(ids))

    response = as_admin.get(reverse("jobs:results", args=[job.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[1] for row in rows[1:]] == ids


def test_viewers_see_the_job_page_without_the_results_download_and_cannot_fetch_it(as_viewer, jobs):
    # A merge's results are developer user ids, which the identity page hides from viewers.
    _, merge = jobs

    html = as_viewer.get(reverse("jobs:detail", args=[merge.pk])).content.decode()

    assert "Download results (CSV)" not in html
    assert reverse("jobs:results", args=[merge.pk]) not in html
    assert as_viewer.get(reverse("jobs:results", args=[merge.pk])).status_code == 403
    assert not AuditEvent.objects.filter(operation="job.results_download").exists()


def test_every_results_download_is_recorded_in_the_audit_trail(as_support, support, jobs):
    _, merge = jobs
    url = reverse("jobs:results", args=[merge.pk])

    assert (
        "Download results (CSV)" in as_support.get(reverse("jobs:detail", args=[merge.pk])).content.decode()
    )
    b"".join(as_support.get(url).streaming_content)
    as_support.head(url)  # HEAD sends no results: not a download

    event = AuditEvent.objects.get(operation="job.results_download")
    assert (event.actor, event.pool_id) == (support.username, OTHER_POOL)
    assert event.request == {"job": merge.pk, "kind": "merge", "items": 1}
