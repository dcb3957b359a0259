"""The pool page's "Sync inventory" section (admins): the estimate before starting, the button,
the running sync linked; the sync's job page and the job list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.jobs.models import Job, Kind

from .conftest import guest_identities
from .sync_helpers import finish, no_broker, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch, settings):
    monkeypatch.setattr("console.jobs.broker._send_walk_task", no_broker)
    settings.COGNITO_RATE_LIMITS = {"ListIdentities": 5}


def pool_page(client, pool_id: str) -> str:
    return client.get(reverse("pools:detail", args=[pool_id])).content.decode()


def test_a_pool_never_synced_shows_the_time_per_300_identities_to_admins_only(
    as_admin, as_support, as_viewer, pool_id
):
    html = pool_page(as_admin, pool_id)

    assert 'id="section-sync"' in html and "This pool has never been synced." in html
    # 300 identities are 5 pages: 1 s at 5 ListIdentities a second.
    assert "unknown size: about 1 s per 300 identities" in html
    assert "it doubles the listing (about 2 s per 300 identities)" in html
    assert f'action="{reverse("jobs:new_sync")}"' in html
    for client in (as_support, as_viewer):
        assert 'id="section-sync"' not in pool_page(client, pool_id)


def test_after_a_sync_the_estimate_uses_the_pools_size_then(as_admin, admin, cognito, pool_id, settings):
    guest_identities(cognito, pool_id, 125)
    job = finish(start(pool_id, admin))
    settings.COGNITO_RATE_LIMITS = {"ListIdentities": 0.5}  # a lowered quota: 3 pages take 6 s

    html = pool_page(as_admin, pool_id)

    assert "a sync should take about 6 s (125 identities at the last sync)" in html
    assert "(0.5 a second)" in html
    assert f'href="{reverse("jobs:detail", args=[job.pk])}"' in html


def test_the_button_starts_a_sync_and_its_page_shows_what_was_listed(as_admin, admin, cognito, pool_id):
    guest_identities(cognito, pool_id, 70)

    response = as_admin.post(reverse("jobs:new_sync"), {"pool_id": pool_id, "disabled": "1", "reason": "T-1"})

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.params["disabled"], job.reason, job.created_by) == (Kind.SYNC, True, "T-1", admin)
    assert AuditEvent.objects.get(operation="job.start").actor == admin.username
    html = as_admin.get(response.url).content.decode()
    assert "Sync inventory" in html and 'data-testid="job-numbers">0 listed · 0 enabled so far.<' in html
    finish(job)
    html = as_admin.get(response.url).content.decode()
    assert "Listed the whole pool: 70 identities (70 enabled); 0 no longer listed, marked gone." in html
    assert "Download results" not in html


def test_a_second_start_goes_to_the_running_sync(as_admin, admin, pool_id):
    running = start(pool_id, admin)

    assert f"job {running.pk}" in pool_page(as_admin, pool_id)
    response = as_admin.post(reverse("jobs:new_sync"), {"pool_id": pool_id}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("jobs:detail", args=[running.pk])
    assert f"already running: job {running.pk}" in response.content.decode()
    assert Job.objects.count() == 1


def test_support_cannot_start_a_sync(as_support, pool_id):
    assert as_support.post(reverse("jobs:new_sync"), {"pool_id": pool_id}).status_code == 403
    assert not Job.objects.exists()


def test_the_job_list_filters_syncs(as_viewer, admin, pool_id):
    job = start(pool_id, admin)

    html = as_viewer.get(reverse("jobs:list"), {"kind": "sync"}).content.decode()

    assert "Sync inventory" in html and f'href="{reverse("jobs:detail", args=[job.pk])}"' in html
