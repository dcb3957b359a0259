"""A schedule's actions on the list: "Run now" (a dry run under the one-off prune's rule), enable
and disable (admins, re-authenticated, audited); the prune and schedule forms ask for ages as
days or a date, in the same words."""

from __future__ import annotations

import datetime as dt
import re
import time as time_module
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.audit.models import AuditEvent
from console.jobs import prune, schedules
from console.jobs.models import Job, Kind, PruneSchedule
from console.safeguards.reauth import PASSWORD_AT

from .conftest import guest_identities
from .test_schedules import run_walks_and_chunks, schedule_for

pytestmark = pytest.mark.django_db

LIST = reverse("jobs:schedules")
TODAY = dt.datetime.now(dt.UTC).date()


def run_now_url(schedule: PruneSchedule) -> str:
    return reverse("jobs:schedule_run_now", args=[schedule.pk])


def enabled_url(schedule: PruneSchedule) -> str:
    return reverse("jobs:schedule_enabled", args=[schedule.pk])


# ---------------------------------------------------------------------------------------
# Run now


def test_run_now_starts_a_dry_run_that_waits_for_the_typed_count_even_under_the_limit(
    as_admin, admin, cognito, pool_id
):
    guest_identities(cognito, pool_id, 2)
    schedule = schedule_for(pool_id, admin, limit=1000)
    next_run = schedule.next_run_at

    response = as_admin.post(run_now_url(schedule))
    job = Job.objects.get()
    run_walks_and_chunks(job.pk)
    ticked = schedules.tick()
    page = as_admin.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.schedule_id, job.created_by) == (Kind.PRUNE_DRY_RUN, schedule.pk, admin)
    assert job.reason == f"Run now of prune schedule {schedule.pk}: OPS-7 nightly guest clean-up"
    assert prune.filters_of(job) == prune.Filters(unauthenticated=True)
    # Under the schedule's limit, but run by hand: no real run starts by itself.
    assert ticked == schedules.Ticked()
    assert not Job.objects.filter(kind=Kind.PRUNE).exists()
    assert "As a one-off prune" in page and "PRUNE 2 IDENTITIES" in page
    assert AuditEvent.objects.filter(
        operation="job.start", request__job=job.pk, actor=admin.username
    ).exists()
    schedule.refresh_from_db()
    assert schedule.next_run_at == next_run  # the daily runs go on as planned


def test_run_now_uses_todays_dates_for_the_schedules_ages(as_admin, admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=0, filters=schedules.ScheduleFilter(modified_days=30))

    as_admin.post(run_now_url(schedule))

    today = timezone.now().date()
    assert prune.filters_of(Job.objects.get()).modified_before == today - timedelta(days=30)


def test_only_admins_run_a_schedule_now_and_only_by_post(as_admin, as_support, as_viewer, admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=10)

    assert as_support.post(run_now_url(schedule)).status_code == 403
    assert as_viewer.post(run_now_url(schedule)).status_code == 403
    assert as_admin.get(run_now_url(schedule)).status_code == 405
    assert not Job.objects.exists()


def test_run_now_of_a_sync_schedule_starts_its_sync_for_the_admin(as_admin, admin, pool_id):
    schedule = schedules.create_sync(
        pool_id, disabled=True, time_of_day=time(1, 0), reason="OPS-5", user=admin
    )

    response = as_admin.post(run_now_url(schedule))
    again = as_admin.post(run_now_url(schedule), follow=True)

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.pool_id, job.schedule_id, job.created_by) == (
        Kind.SYNC,
        pool_id,
        schedule.pk,
        admin,
    )
    assert job.reason == f"Run now of sync schedule {schedule.pk}: OPS-5"
    assert "already running" in again.content.decode()
    assert Job.objects.count() == 1
    assert AuditEvent.objects.filter(
        operation="job.start", request__job=job.pk, actor=admin.username
    ).exists()


def test_run_now_of_an_every_pool_sync_schedule_starts_one_sync_per_pool(as_admin, admin, make_pool):
    pools = {make_pool("first"), make_pool("second")}
    schedule = schedules.create_sync("", disabled=False, time_of_day=time(1, 0), reason="OPS-6", user=admin)

    response = as_admin.post(run_now_url(schedule), follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('jobs:list')}?kind=sync"
    assert f"2 sync(s) of schedule {schedule.pk} started." in response.content.decode()
    assert set(Job.objects.filter(kind=Kind.SYNC).values_list("pool_id", flat=True)) == pools


# ---------------------------------------------------------------------------------------
# Enabled or disabled


def test_the_list_shows_each_schedules_state_and_admins_switch_it(as_admin, admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=10)

    before = as_admin.get(LIST).content.decode()
    off = as_admin.post(enabled_url(schedule), {"enabled": "0"})
    after = as_admin.get(LIST).content.decode()

    assert re.search(r'data-testid="schedule-state">Enabled<', before)
    assert f'aria-label="Disable schedule {schedule.pk}"' in before
    assert off.status_code == 302
    schedule.refresh_from_db()
    assert schedule.enabled is False
    assert 'data-testid="schedule-state"><span class="job-status">Disabled</span>' in after
    assert f'aria-label="Enable schedule {schedule.pk}"' in after
    event = AuditEvent.objects.get(operation="schedule.disable")
    assert (event.actor, event.pool_id, event.before["enabled"], event.after["enabled"]) == (
        admin.username,
        pool_id,
        True,
        False,
    )
    assert schedule.created_by == admin


def test_enabling_again_plans_the_next_run_to_come_not_a_missed_one(as_admin, admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=10, enabled=False)
    PruneSchedule.objects.filter(pk=schedule.pk).update(next_run_at=timezone.now() - timedelta(days=3))

    as_admin.post(enabled_url(schedule), {"enabled": "1"})

    schedule.refresh_from_db()
    assert schedule.enabled and schedule.next_run_at > timezone.now()
    assert schedules.tick() == schedules.Ticked()
    assert AuditEvent.objects.filter(operation="schedule.enable").count() == 1


def test_switching_to_the_state_it_has_or_to_nonsense_changes_nothing(as_admin, admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=10)

    same = as_admin.post(enabled_url(schedule), {"enabled": "1"}, follow=True)
    nonsense = as_admin.post(enabled_url(schedule), {"enabled": "maybe"}, follow=True)

    assert "was already enabled" in same.content.decode()
    assert "Nothing was changed" in nonsense.content.decode()
    assert PruneSchedule.objects.get().enabled
    assert not AuditEvent.objects.filter(operation__in=["schedule.enable", "schedule.disable"]).exists()


def test_switching_needs_the_admin_role_and_a_recent_password(
    as_admin, as_support, as_viewer, admin, pool_id
):
    schedule = schedule_for(pool_id, admin, limit=10)
    assert as_support.post(enabled_url(schedule), {"enabled": "0"}).status_code == 403
    assert as_viewer.post(enabled_url(schedule), {"enabled": "0"}).status_code == 403
    session = as_admin.session
    session[PASSWORD_AT] = time_module.time() - 3600
    session.save()

    answer = as_admin.post(enabled_url(schedule), {"enabled": "0"}, HTTP_REFERER=f"http://testserver{LIST}")

    assert answer.status_code == 302 and answer.url.startswith(reverse("reauth"))
    assert PruneSchedule.objects.get().enabled
    assert not AuditEvent.objects.filter(operation="schedule.disable").exists()
    assert "Disable" not in as_viewer.get(LIST).content.decode()


# ---------------------------------------------------------------------------------------
# Days or a date, in both forms


def _age_fields(html: str) -> list[str]:
    """The labels and hints of the four age fields, as the page shows them."""
    shown = []
    for name in ("modified_days", "modified_before", "created_days", "created_before"):
        label = re.search(rf'<label for="id_{name}">([^<]*)</label>', html)
        hint = re.search(rf'id="id_{name}_helptext">([^<]*)</p>', html)
        assert label and hint, name
        shown += [label.group(1), hint.group(1)]
    return shown


def test_the_prune_and_schedule_forms_ask_for_ages_in_the_same_words(as_admin):
    prune_page = as_admin.get(reverse("jobs:new_prune")).content.decode()
    schedule_page = as_admin.get(reverse("jobs:schedule_new")).content.decode()

    assert _age_fields(prune_page) == _age_fields(schedule_page)
    assert "Not modified for at least (days)" in _age_fields(prune_page)
    assert "a date given to it is turned into the days" in prune_page


def test_a_one_off_prune_turns_days_into_the_date_they_come_to_today(as_admin, pool_id):
    as_admin.post(reverse("jobs:new_prune"), {"pool_id": pool_id, "modified_days": "90", "created_days": "7"})

    filters = prune.filters_of(Job.objects.get())
    assert (filters.modified_before, filters.created_before) == (
        TODAY - timedelta(days=90),
        TODAY - timedelta(days=7),
    )


def test_a_schedule_turns_a_date_into_days(as_admin, pool_id):
    day = TODAY - timedelta(days=45)

    answer = as_admin.post(
        reverse("jobs:schedule_new"),
        {
            "pool_id": pool_id,
            "modified_before": day.isoformat(),
            "time_of_day": "02:15",
            "max_unconfirmed": "0",
            "enabled": "on",
            "reason": "OPS-12",
        },
    )

    assert answer.status_code == 302
    assert PruneSchedule.objects.get().filters["modified_days"] == 45


@pytest.mark.parametrize(
    ("url_name", "fields", "message"),
    [
        (
            "jobs:new_prune",
            {"modified_days": "30", "modified_before": "2024-01-01"},
            "Give days or a date, not both.",
        ),
        (
            "jobs:schedule_new",
            {"created_days": "30", "created_before": "2024-01-01"},
            "Give days or a date, not both.",
        ),
        ("jobs:schedule_new", {"created_before": TODAY.isoformat()}, "choose a date before today"),
        ("jobs:new_prune", {"modified_days": "0"}, "greater than or equal to 1"),
    ],
    ids=["prune-both", "schedule-both", "schedule-today", "prune-zero-days"],
)
def test_bad_ages_are_refused_and_nothing_is_saved_or_started(as_admin, pool_id, url_name, fields, message):
    data = {"pool_id": pool_id, "time_of_day": "02:15", "max_unconfirmed": "0", "reason": "OPS-13", **fields}

    answer = as_admin.post(reverse(url_name), data)

    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not Job.objects.exists() and not PruneSchedule.objects.exists()
    assert not AuditEvent.objects.filter(operation__in=["job.start", "schedule.create"]).exists()


def test_editing_a_schedule_shows_its_days(as_admin, admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=0, filters=schedules.ScheduleFilter(created_days=12))

    html = as_admin.get(reverse("jobs:schedule_edit", args=[schedule.pk])).content.decode()

    assert 'name="created_days" value="12"' in html
    assert re.search(r'name="created_before"(?![^>]*value=)', html)
