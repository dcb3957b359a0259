"""Export pages: the form on the pool page and at /jobs/new/export, the job page's file section,
the download (streamed, audited, for the roles that see developer user ids), and an expired file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.audit.models import AuditEvent
from console.inventory.models import PoolState
from console.jobs import export, parsing, runner
from console.jobs.models import Job, Kind, Status

from .conftest import guest_identities
from .export_helpers import export_dir, finish, no_broker, records, start, steps  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(cognito, pool_id, admin):
    """A finished CSV export of a pool of 7 guests."""
    guest_identities(cognito, pool_id, 7)
    return finish(start(pool_id, admin))


def test_the_pool_page_offers_the_export_form_to_admins_only(as_admin, as_viewer, pool_id):
    url = reverse("pools:detail", args=[pool_id])

    html = as_admin.get(url).content.decode()
    assert 'id="section-export"' in html
    assert f'action="{reverse("jobs:new_export")}"' in html
    assert f'name="pool_id" value="{pool_id}"' in html
    assert "one LookupDeveloperIdentity call for every identity with a developer login" in html
    assert 'id="section-export"' not in as_viewer.get(url).content.decode()


def test_posting_the_form_starts_the_export_and_shows_its_page(as_admin, admin, pool_id, monkeypatch):
    monkeypatch.setattr("console.jobs.broker._send_walk_task", no_broker)

    response = as_admin.post(
        reverse("jobs:new_export"),
        {"pool_id": pool_id, "file_format": "jsonl", "developer_ids": "1", "reason": "GDPR-7"},
    )

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.pool_id, job.reason, job.created_by) == (Kind.EXPORT, pool_id, "GDPR-7", admin)
    assert job.params == {"format": "jsonl", "developer_ids": True, "developer_provider": "login.example.app"}
    assert AuditEvent.objects.get(operation="job.start").actor == admin.username
    html = as_admin.get(response.url).content.decode()
    assert "JSON Lines, with developer user ids" in html
    assert "can be downloaded here once the export has listed the whole pool" in html


def test_the_export_page_has_the_same_form_with_the_pool_filled_in(as_admin, pool_id):
    html = as_admin.get(reverse("jobs:new_export"), {"pool": pool_id}).content.decode()

    assert '<label for="export-pool">Identity pool</label>' in html
    assert f'<option value="{pool_id}" selected>everything — {pool_id}</option>' in html
    assert "Reason (optional, kept in the audit trail)" in html


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"pool_id": "not-a-pool", "file_format": "csv"}, "is not an identity pool id"),
        (
            {"pool_id": "us-east-1:0a1b2c3d-0000-4000-8000-000000000001", "file_format": "csv"},
            "ResourceNotFound",
        ),
        ({"pool_id": "POOL", "file_format": "xml"}, "Choose CSV or JSON Lines."),
        ({"pool_id": "", "file_format": "csv"}, "Choose the pool from the list, or type its id"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_starts_nothing(as_admin, pool_id, data, problem):
    data = {key: pool_id if value == "POOL" else value for key, value in data.items()}

    response = as_admin.post(reverse("jobs:new_export"), data)

    assert response.status_code == 400
    assert problem in response.content.decode()
    assert "Nothing was started." in response.content.decode()
    assert not Job.objects.exists()


def test_support_and_viewers_cannot_start_an_export(as_support, as_viewer, pool_id):
    for client in (as_support, as_viewer):
        assert client.get(reverse("jobs:new_export")).status_code == 403
        assert (
            client.post(reverse("jobs:new_export"), {"pool_id": pool_id, "file_format": "csv"}).status_code
            == 403
        )
    assert not Job.objects.exists()


def test_a_finished_export_page_offers_the_download_and_says_until_when(as_support, finished):
    html = as_support.get(reverse("jobs:detail", args=[finished.pk])).content.decode()

    assert reverse("jobs:export_file", args=[finished.pk]) in html
    assert 'data-testid="job-numbers">7 identities written: the whole pool.<' in html
    assert '<dd data-testid="count-done">7</dd>' in html
    assert f'kept until <time datetime="{finished.file_expires_at.isoformat()}' in html
    assert "Download results (CSV)" not in html  # an export has no items


def test_the_download_streams_the_file_as_an_attachment_and_is_audited(as_support, support, finished):
    response = as_support.get(reverse("jobs:export_file", args=[finished.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{export.download_name(finished)}"'
    body = b"".join(response.streaming_content)
    assert body == export.file_path(finished).read_bytes()
    event = AuditEvent.objects.get(operation="job.export_download")
    assert (event.actor, event.pool_id) == (support.username, finished.pool_id)
    assert event.request["job"] == finished.pk and event.request["identities"] == 7


def test_a_jsonl_download_says_so(as_admin, cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 2)
    job = finish(start(pool_id, admin, "jsonl"))

    response = as_admin.get(reverse("jobs:export_file", args=[job.pk]))

    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["identity_id"] for line in lines] == [r["identity_id"] for r in records(job)]


def test_viewers_see_the_export_page_without_the_download_and_cannot_fetch_the_file(as_viewer, finished):
    # Exports may hold developer user ids, which the identity page hides from viewers.
    html = as_viewer.get(reverse("jobs:detail", args=[finished.pk])).content.decode()

    assert reverse("jobs:export_file", args=[finished.pk]) not in html
    assert "support and admins download it" in html
    assert as_viewer.get(reverse("jobs:export_file", args=[finished.pk])).status_code == 403
    assert not AuditEvent.objects.filter(operation="job.export_download").exists()


def test_the_download_needs_a_signed_in_user(client, finished):
    response = client.get(reverse("jobs:export_file", args=[finished.pk]))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not AuditEvent.objects.filter(operation="job.export_download").exists()


def test_a_running_export_has_nothing_to_download_yet(as_admin, cognito, pool_id, admin):
    job = start(pool_id, admin)

    response = as_admin.get(reverse("jobs:export_file", args=[job.pk]), follow=True)

    assert "still running" in response.content.decode()
    assert not AuditEvent.objects.filter(operation="job.export_download").exists()


def test_an_expired_file_is_gone_and_the_page_says_when(as_admin, finished):
    expires = finished.file_expires_at
    export.expire_files(now=expires + timedelta(seconds=1))

    html = as_admin.get(reverse("jobs:detail", args=[finished.pk])).content.decode()
    assert "The file expired on" in html
    assert reverse("jobs:export_file", args=[finished.pk]) not in html
    response = as_admin.get(reverse("jobs:export_file", args=[finished.pk]), follow=True)
    assert f"expired on {expires:%Y-%m-%d %H:%M} UTC" in response.content.decode()


@pytest.fixture
def cancelled(cognito, pool_id, admin):
    """An export of 150 guests cancelled after its first page (60 identities), the pool's size
    known to the inventory."""
    guest_identities(cognito, pool_id, 150)
    PoolState.objects.create(pool_id=pool_id, region="us-east-1", as_of=timezone.now(), total=150)
    job = start(pool_id, admin)
    steps(job, 1)
    runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)
    assert job.status == Status.CANCELLED
    return job


def test_a_cancelled_export_page_offers_its_partial_file_labelled_partial(as_support, cancelled):
    html = as_support.get(reverse("jobs:detail", args=[cancelled.pk])).content.decode()

    assert "Partial: 60 of 150 identities." in html
    assert "60 identities written, then it was cancelled" in html
    assert 'data-testid="export-download"' in html and "Download the partial file" in html
    assert f'kept until <time datetime="{cancelled.file_expires_at.isoformat()}' in html


def test_the_partial_file_downloads_named_partial_and_the_download_is_audited(as_support, support, cancelled):
    response = as_support.get(reverse("jobs:export_file", args=[cancelled.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-partial.csv"')
    assert b"".join(response.streaming_content) == export.file_path(cancelled).read_bytes()
    event = AuditEvent.objects.get(operation="job.export_download")
    assert (event.actor, event.request["identities"], event.request["partial"]) == (
        support.username,
        60,
        True,
    )


def test_viewers_see_the_partial_label_without_the_download(as_viewer, cancelled):
    html = as_viewer.get(reverse("jobs:detail", args=[cancelled.pk])).content.decode()

    assert "Partial: 60 of 150 identities." in html
    assert reverse("jobs:export_file", args=[cancelled.pk]) not in html
    assert as_viewer.get(reverse("jobs:export_file", args=[cancelled.pk])).status_code == 403


def test_the_cancel_question_of_an_export_says_the_partial_file_is_kept(as_admin, cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 150)
    PoolState.objects.create(pool_id=pool_id, region="us-east-1", as_of=timezone.now(), total=150)
    job = start(pool_id, admin)
    steps(job, 1)

    html = as_admin.get(reverse("jobs:cancel", args=[job.pk])).content.decode()

    assert "stay in a partial file (now 60 of 150)" in html and "labelled “partial”" in html


def test_a_cancelled_export_of_a_pool_never_synced_says_its_size_is_unknown(
    as_admin, cognito, pool_id, admin
):
    guest_identities(cognito, pool_id, 70)
    job = start(pool_id, admin)
    steps(job, 1)
    runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)

    html = as_admin.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert "Partial: 60 of an unknown number of identities." in html


def test_the_file_of_another_kind_of_job_is_404(as_admin, make_job, cognito, pool_id):
    job = make_job(Kind.DELETE, pool_id, [parsing.Target(1, guest_identities(cognito, pool_id, 1)[0])])

    assert as_admin.get(reverse("jobs:export_file", args=[job.pk])).status_code == 404


def test_a_file_missing_from_the_folder_is_explained_not_a_server_error(as_admin, finished):
    export.file_path(finished).unlink()

    response = as_admin.get(reverse("jobs:export_file", args=[finished.pk]), follow=True)

    assert response.status_code == 200
    assert "does not share JOB_EXPORT_DIR with the workers" in response.content.decode()
    assert not AuditEvent.objects.filter(operation="job.export_download").exists()


def test_head_of_the_file_is_not_recorded_as_a_download(as_admin, finished):
    response = as_admin.head(reverse("jobs:export_file", args=[finished.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b""  # read to its end: the file is closed
    assert not AuditEvent.objects.filter(operation="job.export_download").exists()
