"""Scheduled prunes: runs start when due (once), go on alone under their limit, stop above it.

Most tests call schedules.tick() themselves and run the walks and chunks in this process; one
runs real Celery beat and a worker with a one-second schedule check.
"""

from __future__ import annotations

import time as time_module
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.audit.models import AuditEvent
from console.emulator.models import Identity
from console.jobs import schedules, walk
from console.jobs.models import Job, Kind, PruneSchedule, Status
from console.safeguards.reauth import PASSWORD_AT
from tests.cognito import DEVELOPER

from .conftest import drive, guest_identities
from .fleet import Fleet, wait_for

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = schedules.ScheduleFilter(unauthenticated=True)


def run_walks_and_chunks(job_id: int) -> Job:
    """Run the job's walk (if any) and its chunks in this process, until it ends."""
    for _ in range(50):
        walk.run_walk(job_id, send=lambda _job_id: None)
        job = drive(job_id)
        if not job.is_active:
            return job
    raise AssertionError(f"job {job_id} did not end: {Job.objects.get(pk=job_id)}")


def authenticated_identities(cognito, pool_id: str, count: int) -> list[str]:
    return [
        cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEVELOPER: f"keeper-{n}"}
        )["IdentityId"]
        for n in range(count)
    ]


def schedule_for(pool_id: str, user, *, limit: int, at: time = time(3, 30), **kwargs) -> PruneSchedule:
    return schedules.create(
        pool_id,
        kwargs.pop("filters", UNAUTHENTICATED),
        time_of_day=at,
        max_unconfirmed=limit,
        reason="OPS-7 nightly guest clean-up",
        user=user,
        **kwargs,
    )


def make_due(schedule: PruneSchedule, when: datetime | None = None) -> datetime:
    """Move the schedule's next run into the past; the moment it became due."""
    due = when or timezone.now() - timedelta(minutes=1)
    PruneSchedule.objects.filter(pk=schedule.pk).update(next_run_at=due)
    return due


# ---------------------------------------------------------------------------------------
# When runs are due


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 2, 1, 0, tzinfo=UTC), datetime(2026, 12, 2, 3, 30, tzinfo=UTC)),
        (datetime(2026, 12, 2, 3, 30, tzinfo=UTC), datetime(2026, 12, 3, 3, 30, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), datetime(2027, 1, 1, 3, 30, tzinfo=UTC)),
    ],
)
def test_the_next_run_is_the_next_occurrence_of_the_time_in_utc(now, expected):
    assert schedules.next_run_after(time(3, 30), now) == expected


def test_a_schedules_ages_become_the_dates_of_the_day_it_runs():
    filters = schedules.ScheduleFilter(unauthenticated=True, modified_days=90, created_days=30)
    day = datetime(2026, 12, 2, tzinfo=UTC).date()
    on_day = filters.on(day)
    assert on_day.unauthenticated and not on_day.disabled
    assert on_day.modified_before == datetime(2026, 9, 3, tzinfo=UTC).date()
    assert on_day.created_before == datetime(2026, 11, 2, tzinfo=UTC).date()
    assert filters.describe() == (
        "Identities unauthenticated (no linked logins), and not modified for 90 days, "
        "and created more than 30 days ago"
    )


def test_a_due_schedule_starts_one_dry_run_however_often_beat_ticks(admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=100)
    assert schedules.tick().dry_runs == ()  # its first run is at the next 03:30
    make_due(schedule)

    now = timezone.now()
    first = schedules.start_due(now=now)
    again = schedules.start_due(now=now)

    assert len(first) == 1 and again == []
    job = Job.objects.get(pk=first[0])
    assert (job.kind, job.schedule_id, job.created_by) == (Kind.PRUNE_DRY_RUN, schedule.pk, admin)
    schedule.refresh_from_db()
    assert schedule.next_run_at == schedules.next_run_after(time(3, 30), now)
    assert schedule.last_run_at == now


def test_a_run_missed_for_days_starts_once_not_once_per_day(admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=100)
    make_due(schedule, timezone.now() - timedelta(days=3))
    assert len(schedules.start_due()) == 1
    assert schedules.start_due() == []
    schedule.refresh_from_db()
    assert schedule.next_run_at > timezone.now()


def test_a_disabled_schedule_does_not_run(admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=100, enabled=False)
    make_due(schedule)
    assert schedules.start_due() == []
    assert not Job.objects.exists()


def test_a_schedule_whose_owner_lost_the_right_to_run_jobs_says_so_and_runs_nothing(admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=100)
    make_due(schedule)
    admin.groups.clear()
    admin.groups.add(Group.objects.get(name="viewer"))

    assert schedules.start_due() == []

    schedule.refresh_from_db()
    assert "may no longer run jobs" in schedule.last_problem
    assert not Job.objects.exists()


# ---------------------------------------------------------------------------------------
# What a run does


def test_under_its_limit_a_scheduled_prune_deletes_the_matches_on_its_own(admin, cognito, pool_id):
    guests = guest_identities(cognito, pool_id, 5)
    keepers = authenticated_identities(cognito, pool_id, 3)
    schedule = schedule_for(pool_id, admin, limit=5)
    make_due(schedule)

    (dry_run_id,) = schedules.tick().dry_runs
    dry_run = run_walks_and_chunks(dry_run_id)
    assert (dry_run.status, dry_run.done) == (Status.SUCCEEDED, 5)

    ticked = schedules.tick()
    assert len(ticked.real_runs) == 1 and ticked.awaiting == ()
    real_run = run_walks_and_chunks(ticked.real_runs[0])

    assert (real_run.kind, real_run.status, real_run.done) == (Kind.PRUNE, Status.SUCCEEDED, 5)
    assert (real_run.dry_run_id, real_run.schedule_id, real_run.created_by) == (
        dry_run.pk,
        schedule.pk,
        admin,
    )
    left = set(Identity.objects.filter(pool__pool_id=pool_id).values_list("identity_id", flat=True))
    assert left == set(keepers) and not left & set(guests)
    started = AuditEvent.objects.filter(operation="job.start", request__job=real_run.pk).get()
    assert started.actor == f"schedules:{schedule.pk}"
    assert schedules.tick() == schedules.Ticked()  # decided once


def test_above_its_limit_a_scheduled_prune_stops_at_its_dry_run_for_an_admin(
    admin, as_admin, cognito, pool_id
):
    guests = guest_identities(cognito, pool_id, 4)
    schedule = schedule_for(pool_id, admin, limit=3)
    make_due(schedule)
    (dry_run_id,) = schedules.tick().dry_runs
    run_walks_and_chunks(dry_run_id)

    ticked = schedules.tick()

    assert ticked.real_runs == () and ticked.awaiting == (dry_run_id,)
    assert not Job.objects.filter(kind=Kind.PRUNE).exists()
    assert set(Identity.objects.filter(pool__pool_id=pool_id).values_list("identity_id", flat=True)) == set(
        guests
    )
    page = as_admin.get(reverse("jobs:detail", args=[dry_run_id]))
    assert "above its schedule" in page.content.decode()
    assert schedules.tick() == schedules.Ticked()


def test_a_dry_run_that_finds_nothing_starts_no_real_run(admin, cognito, pool_id):
    authenticated_identities(cognito, pool_id, 2)
    schedule = schedule_for(pool_id, admin, limit=10)
    make_due(schedule)
    (dry_run_id,) = schedules.tick().dry_runs
    run_walks_and_chunks(dry_run_id)

    assert schedules.tick() == schedules.Ticked()
    assert Job.objects.get(pk=dry_run_id).params[schedules.DECISION] == schedules.NOTHING


# ---------------------------------------------------------------------------------------
# The pages


def schedule_form(pool: str, **changes) -> dict[str, str]:
    data = {
        "pool_id": pool,
        "unauthenticated": "on",
        "modified_days": "30",
        "time_of_day": "02:15",
        "max_unconfirmed": "1000",
        "enabled": "on",
        "reason": "OPS-9 guests",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_everyone_sees_schedules_but_only_admins_open_the_form(as_viewer, pool_id, admin):
    schedule_for(pool_id, admin, limit=10)
    page = as_viewer.get(reverse("jobs:schedules"))
    assert page.status_code == 200
    assert "Identities unauthenticated (no linked logins)" in page.content.decode()
    assert "Schedule a prune" not in page.content.decode()
    assert as_viewer.get(reverse("jobs:schedule_new")).status_code == 403
    assert as_viewer.post(reverse("jobs:schedule_new"), schedule_form(pool_id)).status_code == 403
    assert PruneSchedule.objects.count() == 1


def test_an_admin_saves_a_schedule_and_it_is_audited(as_admin, pool_id):
    answer = as_admin.post(reverse("jobs:schedule_new"), schedule_form(pool_id))

    assert answer.status_code == 302
    schedule = PruneSchedule.objects.get()
    assert schedule.filters == {
        "unauthenticated": True,
        "disabled": False,
        "modified_days": 30,
        "created_days": None,
    }
    assert (schedule.time_of_day, schedule.max_unconfirmed, schedule.enabled) == (time(2, 15), 1000, True)
    event = AuditEvent.objects.get(operation="schedule.create")
    assert (event.reason, event.pool_id) == ("OPS-9 guests", pool_id)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unauthenticated": None, "modified_days": ""}, "Choose at least one condition"),
        ({"time_of_day": "25:00"}, "HH:MM"),
        ({"max_unconfirmed": "-1"}, "greater than or equal to 0"),
        ({"reason": ""}, "Say why"),
        ({"pool_id": "us-east-1:00000000-0000-0000-0000-000000000000"}, "ResourceNotFoundException"),
    ],
)
def test_bad_schedule_input_is_explained_and_saves_nothing(as_admin, pool_id, changes, message):
    answer = as_admin.post(reverse("jobs:schedule_new"), schedule_form(pool_id, **changes))
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not PruneSchedule.objects.exists()
    assert not AuditEvent.objects.filter(operation="schedule.create").exists()


def test_saving_needs_the_password_again(as_admin, pool_id):
    session = as_admin.session
    session[PASSWORD_AT] = time_module.time() - 3600
    session.save()
    answer = as_admin.post(reverse("jobs:schedule_new"), schedule_form(pool_id))
    assert answer.status_code == 302 and answer.url.startswith(reverse("reauth"))
    assert not PruneSchedule.objects.exists()


def test_editing_a_schedule_makes_the_editor_its_owner(admin, django_user_model, pool_id):
    schedule = schedule_for(pool_id, admin, limit=10)
    other_admin = django_user_model.objects.create_user(username="otto-admin", password="x" * 20)
    other_admin.groups.add(Group.objects.get(name="admin"))
    client = Client()
    client.force_login(other_admin)
    answer = client.post(
        reverse("jobs:schedule_edit", args=[schedule.pk]),
        schedule_form("ignored", time_of_day="04:00", enabled=None, reason="OPS-10 pause"),
    )
    assert answer.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.pool_id, schedule.time_of_day, schedule.enabled) == (pool_id, time(4, 0), False)
    assert schedule.created_by == other_admin
    assert AuditEvent.objects.filter(operation="schedule.update", reason="OPS-10 pause").exists()


def test_deleting_a_schedule_asks_for_a_reason(admin, as_admin, pool_id):
    schedule = schedule_for(pool_id, admin, limit=10)
    url = reverse("jobs:schedule_delete", args=[schedule.pk])
    assert as_admin.post(url, {"reason": ""}).status_code == 200
    assert PruneSchedule.objects.filter(pk=schedule.pk).exists()
    assert as_admin.post(url, {"reason": "OPS-11 pool retired"}).status_code == 302
    assert not PruneSchedule.objects.filter(pk=schedule.pk).exists()
    assert AuditEvent.objects.filter(operation="schedule.delete", reason="OPS-11 pool retired").exists()


# ---------------------------------------------------------------------------------------
# Celery beat for real


@pytest.mark.django_db(transaction=True)
def test_beat_fires_a_due_schedule_and_the_prune_runs_on_the_workers(admin, cognito, pool_id, fleet: Fleet):
    guests = guest_identities(cognito, pool_id, 6)
    keepers = authenticated_identities(cognito, pool_id, 2)
    schedule = schedule_for(pool_id, admin, limit=10)
    make_due(schedule)
    fleet.env["JOB_SCHEDULE_SECONDS"] = "1"
    fleet.beat()
    fleet.worker("scheduled")

    def pruned() -> bool:
        return Job.objects.filter(schedule=schedule, kind=Kind.PRUNE, status=Status.SUCCEEDED).exists()

    wait_for(pruned, 120, "the scheduled prune to run", fleet)
    left = set(Identity.objects.filter(pool__pool_id=pool_id).values_list("identity_id", flat=True))
    assert left == set(keepers) and not left & set(guests)
