"""Scheduled inventory syncs: one pool daily at a chosen time, or every pool nightly; started once
when due, never twice for a pool still syncing; the schedule pages for the sync kind."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from console.audit.models import AuditEvent
from console.jobs import schedules
from console.jobs.models import Job, Kind, PruneSchedule, ScheduleKind, Status
from tests.cognito import full_pool_settings

from .conftest import guest_identities
from .sync_helpers import finish, live_ids

pytestmark = pytest.mark.django_db

AT = time(2, 0)


def due(schedule: PruneSchedule) -> datetime:
    """A moment when the schedule is due (its next run)."""
    return schedule.next_run_at + timedelta(seconds=1)


def test_a_pool_sync_schedule_starts_one_sync_when_due(cognito, pool_id, admin):
    ids = guest_identities(cognito, pool_id, 65)
    schedule = schedules.create_sync(pool_id, disabled=True, time_of_day=AT, reason="OPS-1", user=admin)
    assert schedules.tick(now=schedule.next_run_at - timedelta(minutes=1)).syncs == ()

    ticked = schedules.tick(now=due(schedule))

    (job_id,) = ticked.syncs
    assert ticked.dry_runs == ()
    job = Job.objects.get(pk=job_id)
    assert (job.kind, job.pool_id, job.schedule, job.created_by) == (Kind.SYNC, pool_id, schedule, admin)
    assert job.params["disabled"] is True and job.reason.startswith(
        f"Scheduled sync {schedule.pk} (02:00 UTC)"
    )
    assert schedules.tick(now=due(schedule)).syncs == ()  # once, not on every tick
    schedule.refresh_from_db()
    assert schedule.next_run_at.astimezone(UTC).time() == AT
    assert finish(job).status == Status.SUCCEEDED and live_ids(pool_id) == set(ids)
    assert AuditEvent.objects.filter(operation="job.start", actor=f"schedules:{schedule.pk}").count() == 1


def test_an_all_pools_schedule_syncs_every_pool_of_every_region(cognito_in, admin, settings):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]
    pools = {
        cognito_in(region).create_identity_pool(**full_pool_settings(IdentityPoolName=name))["IdentityPoolId"]
        for region, name in (("us-east-1", "a"), ("eu-west-1", "b"))
    }
    schedule = schedules.create_sync("", disabled=False, time_of_day=AT, reason="nightly", user=admin)

    ticked = schedules.tick(now=due(schedule))

    assert {Job.objects.get(pk=pk).pool_id for pk in ticked.syncs} == pools


def test_a_pool_still_syncing_is_not_synced_twice_and_the_schedule_says_so(cognito, pool_id, admin):
    schedule = schedules.create_sync(pool_id, disabled=False, time_of_day=AT, reason="OPS-1", user=admin)
    first = schedules.tick(now=due(schedule)).syncs[0]
    schedule.refresh_from_db()

    assert schedules.tick(now=due(schedule)).syncs == ()

    schedule.refresh_from_db()
    assert f"job {first}" in schedule.last_problem
    assert Job.objects.filter(kind=Kind.SYNC).count() == 1


def test_a_schedule_whose_owner_may_no_longer_run_jobs_starts_nothing(pool_id, admin):
    schedule = schedules.create_sync(pool_id, disabled=False, time_of_day=AT, reason="OPS-1", user=admin)
    admin.groups.clear()

    assert schedules.tick(now=due(schedule)).syncs == ()
    schedule.refresh_from_db()
    assert "may no longer run jobs" in schedule.last_problem


def form(pool: str = "", **changes) -> dict[str, str]:
    data = {
        "kind": "sync",
        "pool_id": pool,
        "time_of_day": "01:30",
        "enabled": "on",
        "reason": "OPS-3 nightly",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_admin_saves_a_nightly_sync_of_every_pool_and_everyone_sees_it(as_admin, as_viewer):
    assert (
        "Schedule an inventory sync"
        in as_admin.get(reverse("jobs:schedule_new"), {"kind": "sync"}).content.decode()
    )

    answer = as_admin.post(reverse("jobs:schedule_new"), form(disabled="on"))

    assert answer.status_code == 302
    schedule = PruneSchedule.objects.get()
    assert (schedule.kind, schedule.pool_id, schedule.filters) == (ScheduleKind.SYNC, "", {"disabled": True})
    assert schedule.time_of_day == time(1, 30)
    event = AuditEvent.objects.get(operation="schedule.create")
    assert event.after["kind"] == "sync" and event.after["pools"] == "every pool"
    html = as_viewer.get(reverse("jobs:schedules")).content.decode()
    assert f"Every pool of {', '.join(settings.AWS_REGIONS)}" in html
    assert "Inventory sync, with the disabled pass (each pool listed twice)" in html


def test_a_sync_schedule_of_an_unknown_pool_is_refused(as_admin):
    answer = as_admin.post(
        reverse("jobs:schedule_new"), form("us-east-1:00000000-0000-4000-8000-000000000000")
    )

    assert answer.status_code == 200 and "Nothing was saved" in answer.content.decode()
    assert not PruneSchedule.objects.exists()


def test_an_admin_edits_a_sync_schedule_and_cannot_change_its_pool(as_admin, pool_id, make_pool, admin):
    schedule = schedules.create_sync(pool_id, disabled=False, time_of_day=AT, reason="OPS-1", user=admin)
    url = reverse("jobs:schedule_edit", args=[schedule.pk])
    assert "Sync schedule" in as_admin.get(url).content.decode()

    answer = as_admin.post(url, form(make_pool("other"), time_of_day="04:45", disabled="on", enabled=None))

    assert answer.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.pool_id, schedule.time_of_day, schedule.enabled) == (pool_id, time(4, 45), False)
    assert schedule.filters == {"disabled": True}


def test_support_cannot_save_a_sync_schedule(as_support):
    assert as_support.post(reverse("jobs:schedule_new"), form()).status_code == 403
    assert not PruneSchedule.objects.exists()
