"""Prune pages: the filter form starts a dry run; the dry run's page shows the count, the filter,
a sample, and (to admins who entered their password recently) the typed confirmation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.jobs import prune
from console.jobs.models import Job, Kind, Status
from console.safeguards.reauth import PASSWORD_AT

from .conftest import REASON, developer_identity, guest_identities
from .test_prune import no_walk, step_once, walk_to_the_end

pytestmark = pytest.mark.django_db

NEW = reverse("jobs:new_prune")
UNAUTHENTICATED = prune.Filters(unauthenticated=True)


def start(client, pool_id: str, **fields: str):
    return client.post(NEW, {"pool_id": pool_id, **fields})


def problems(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def finished_dry_run(cognito, pool_id, admin) -> Job:
    guest_identities(cognito, pool_id, 3)
    developer_identity(cognito, pool_id, "ann")
    return walk_to_the_end(prune.start_dry_run(pool_id, UNAUTHENTICATED, user=admin, send=no_walk))


def run_url(job: Job) -> str:
    return reverse("jobs:prune_run", args=[job.pk])


def test_the_form_has_labelled_conditions_and_the_pool_from_the_query(as_admin, pool_id):
    html = as_admin.get(NEW, {"pool": pool_id}).content.decode()

    assert f'value="{pool_id}"' in html
    for field, label in [
        ("unauthenticated", "Unauthenticated: no linked logins"),
        ("disabled", "Disabled"),
        ("modified_days", "Not modified for at least (days)"),
        ("modified_before", "… or not modified since (UTC date)"),
        ("created_days", "Created at least (days) ago"),
        ("created_before", "… or created before (UTC date)"),
    ]:
        assert f'for="id_{field}"' in html and label in html
    assert 'type="date"' in html and 'type="checkbox"' in html


def test_the_pool_page_links_to_the_prune_form_for_admins_only(as_admin, as_viewer, pool_id):
    link = f'href="{NEW}?pool={pool_id.replace(":", "%3A")}"'

    assert link in as_admin.get(reverse("pools:detail", args=[pool_id])).content.decode()
    assert link not in as_viewer.get(reverse("pools:detail", args=[pool_id])).content.decode()


def test_support_and_viewers_cannot_start_a_prune_or_run_one(
    as_support, as_viewer, finished_dry_run, pool_id
):
    for client in (as_support, as_viewer):
        assert client.get(NEW).status_code == 403
        assert start(client, pool_id, unauthenticated="on").status_code == 403
        typed = {"confirmation": "PRUNE 3 IDENTITIES", "reason": REASON}
        assert client.post(run_url(finished_dry_run), typed).status_code == 403
    assert Job.objects.count() == 1


def test_submitting_the_filter_starts_a_dry_run_and_records_it(as_admin, pool_id):
    response = start(as_admin, pool_id, unauthenticated="on", created_before="2024-02-29", reason="OPS-9")

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.pool_id, job.reason) == (Kind.PRUNE_DRY_RUN, pool_id, "OPS-9")
    assert prune.filters_of(job) == prune.Filters(unauthenticated=True, created_before=dt.date(2024, 2, 29))
    event = AuditEvent.objects.get(operation="job.start")
    assert event.request["filter"] == (
        "Identities that have no linked logins (guests) and were created before 2024-02-29 00:00 UTC"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose at least one condition"),
        ({"modified_before": "31/12/2020"}, "Give the date as YYYY-MM-DD."),
        ({"created_before": "2020-02-30"}, "Give the date as YYYY-MM-DD."),
        (
            {"created_before": (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()},
            "in the future",
        ),
    ],
    ids=["no-condition", "bad-date", "no-such-day", "future"],
)
def test_bad_filters_are_refused_with_a_clear_error_and_start_nothing(as_admin, pool_id, fields, message):
    html = problems(start(as_admin, pool_id, **fields))

    assert message in html
    assert not Job.objects.exists()


def test_an_unknown_pool_is_reported(as_admin):
    html = problems(start(as_admin, "us-east-1:0a1b2c3d-0000-4000-8000-0000000000ff", unauthenticated="on"))

    assert "ResourceNotFoundException" in html
    assert not Job.objects.exists()


def test_the_dry_runs_page_shows_count_filter_sample_and_the_confirmation(as_admin, finished_dry_run):
    html = as_admin.get(reverse("jobs:detail", args=[finished_dry_run.pk])).content.decode()

    assert "<strong>3</strong> matching identities" in html
    assert "Identities that have no linked logins (guests)" in html
    assert "Listing: 4 identities listed in 1 page" in html
    for target in prune.ids_of(prune.sample(finished_dry_run)):
        assert target in html
    assert "PRUNE 3 IDENTITIES" in html and f'action="{run_url(finished_dry_run)}"' in html


def test_viewers_see_the_count_but_no_confirmation(as_viewer, finished_dry_run):
    html = as_viewer.get(reverse("jobs:detail", args=[finished_dry_run.pk])).content.decode()

    assert "<strong>3</strong> matching identities" in html
    assert "PRUNE 3 IDENTITIES" not in html and "Only admins can run a prune." in html


def test_the_matches_download_as_csv(as_support, finished_dry_run):
    response = as_support.get(reverse("jobs:results", args=[finished_dry_run.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["line", "identity_id", "outcome"]
    assert [row[1] for row in rows[1:]] == prune.ids_of(prune.sample(finished_dry_run))
    assert all(row[2] == "done" and "logins: none" in row[4] for row in rows[1:])


def test_typing_the_count_back_starts_the_real_run(as_admin, finished_dry_run):
    response = as_admin.post(
        run_url(finished_dry_run), {"confirmation": "PRUNE 3 IDENTITIES", "reason": "OPS-10"}
    )

    job = Job.objects.get(kind=Kind.PRUNE)
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.dry_run, job.total, job.reason, job.status) == (finished_dry_run, 3, "OPS-10", Status.QUEUED)
    html = as_admin.get(reverse("jobs:detail", args=[finished_dry_run.pk])).content.decode()
    assert "Run for real as job" in html and "PRUNE 3 IDENTITIES" not in html


@pytest.mark.parametrize(
    ("typed", "reason", "message"),
    [
        ("PRUNE 4 IDENTITIES", REASON, "That does not match. Type “PRUNE 3 IDENTITIES” exactly"),
        ("prune 3 identities", REASON, "That does not match."),
        ("PRUNE 3 IDENTITIES", "", "Say why"),
    ],
)
def test_a_wrong_count_or_no_reason_starts_nothing(as_admin, finished_dry_run, typed, reason, message):
    response = as_admin.post(run_url(finished_dry_run), {"confirmation": typed, "reason": reason})

    assert response.status_code == 400 and message in response.content.decode()
    assert not Job.objects.filter(kind=Kind.PRUNE).exists()


def test_the_real_run_asks_for_the_password_when_it_was_typed_long_ago(as_admin, finished_dry_run):
    session = as_admin.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()
    page = as_admin.get(reverse("jobs:detail", args=[finished_dry_run.pk])).content.decode()

    post = as_admin.post(run_url(finished_dry_run), {"confirmation": "PRUNE 3 IDENTITIES", "reason": REASON})

    assert "Enter your password to run this prune" in page and "PRUNE 3 IDENTITIES" not in page
    assert post.status_code == 302 and post.url.startswith(reverse("reauth"))
    assert not Job.objects.filter(kind=Kind.PRUNE).exists()


def test_a_second_real_run_of_the_same_dry_run_is_refused(as_admin, finished_dry_run):
    typed = {"confirmation": "PRUNE 3 IDENTITIES", "reason": REASON}
    as_admin.post(run_url(finished_dry_run), typed)

    again = as_admin.post(run_url(finished_dry_run), typed, follow=True)

    assert "was already run" in again.content.decode()
    assert Job.objects.filter(kind=Kind.PRUNE).count() == 1


def test_a_dry_run_without_matches_offers_no_real_run(as_admin, cognito, pool_id, admin):
    developer_identity(cognito, pool_id, "ann")
    dry = walk_to_the_end(prune.start_dry_run(pool_id, UNAUTHENTICATED, user=admin, send=no_walk))

    html = as_admin.get(reverse("jobs:detail", args=[dry.pk])).content.decode()
    refused = as_admin.post(
        run_url(dry), {"confirmation": "PRUNE 0 IDENTITIES", "reason": REASON}, follow=True
    )

    assert "No identity matches: there is nothing to prune." in html and "confirm-form" not in html
    assert "matched no identity" in refused.content.decode()
    assert not Job.objects.filter(kind=Kind.PRUNE).exists()


def test_the_polled_progress_fragment_shows_the_count_so_far(as_admin, cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 70)
    job = prune.start_dry_run(pool_id, UNAUTHENTICATED, user=admin, send=no_walk)
    step_once(job)
    response = as_admin.get(reverse("jobs:progress", args=[job.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "<strong>60</strong> matching identities so far" in html
    assert "Listing: 60 identities listed in 1 page" in html
    # The total grows while listing: the bar does not pretend to be full.
    assert "60 of 60" not in html
    assert 'data-testid="job-numbers">60 listed · 60 matched so far.<' in html
    assert 'data-testid="walk-progress">listing</progress>' in html and 'data-testid="job-bar"' not in html


def test_a_real_runs_page_says_how_many_newly_match(as_viewer, finished_dry_run, admin):
    job = prune.start_real_run(finished_dry_run, user=admin, reason=REASON, send=no_walk)
    Job.objects.filter(pk=job.pk).update(cursor={**job.cursor, "new_matches": 2})

    html = as_viewer.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert "2 identities newly match the filter; run a new dry run to include them." in html
    assert f'Dry run <a href="{reverse("jobs:detail", args=[finished_dry_run.pk])}">' in html
