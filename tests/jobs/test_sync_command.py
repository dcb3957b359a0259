"""`manage.py job sync`: starts an inventory sync and prints its id last (or one per pool with
--all-pools); `job wait` and `job show --json` work for it; a running sync is not started twice."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from console.jobs.models import Job, Kind, Status
from tests.cognito import full_pool_settings

from .conftest import guest_identities
from .sync_helpers import finish, no_broker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("console.jobs.broker._send_walk_task", no_broker)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("job", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def wait(job_id: int) -> tuple[int, str]:
    out = StringIO()
    with pytest.raises(SystemExit) as ended:
        call_command("job", "wait", str(job_id), stdout=out, stderr=StringIO())
    return ended.value.code, out.getvalue()


def test_sync_prints_the_job_id_last_and_wait_and_show_follow_it(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 70)

    output, _ = run("sync", "--pool", pool_id, "--user", admin.username)

    job = Job.objects.get()
    assert output.splitlines()[-1] == str(job.pk)
    assert (job.kind, job.created_by, job.params["disabled"]) == (Kind.SYNC, admin, False)
    finish(job)
    code, said = wait(job.pk)
    assert code == 0 and f"Job {job.pk} succeeded" in said
    shown = json.loads(run("show", str(job.pk), "--json")[0])
    assert (shown["kind"], shown["status"], shown["listed"], shown["pages"]) == ("sync", "succeeded", 70, 2)
    assert shown["marked_gone"] == 0 and shown["as_of"] and shown["disabled_pass"] is False


def test_sync_with_disabled_records_the_option(pool_id, admin):
    output, _ = run("sync", "--pool", pool_id, "--user", admin.username, "--disabled")

    job = Job.objects.get()
    assert job.params["disabled"] is True and "disabled pass" in output


def test_all_pools_starts_one_sync_per_pool_of_every_region(cognito_in, admin, settings):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]
    pools = [
        cognito_in(region).create_identity_pool(**full_pool_settings(IdentityPoolName=name))["IdentityPoolId"]
        for region, name in (("us-east-1", "a"), ("us-east-1", "b"), ("eu-west-1", "c"))
    ]

    output, _ = run("sync", "--all-pools", "--user", admin.username)

    ids = [int(line) for line in output.splitlines()]
    jobs = Job.objects.filter(kind=Kind.SYNC)
    assert sorted(ids) == sorted(jobs.values_list("pk", flat=True)) and len(ids) == 3
    assert set(jobs.values_list("pool_id", flat=True)) == set(pools)
    for job in jobs:
        assert finish(job).status == Status.SUCCEEDED


def test_all_pools_names_a_sync_already_running_instead_of_starting_another(cognito, pool_id, admin):
    first, _ = run("sync", "--pool", pool_id, "--user", admin.username)

    output, said = run("sync", "--all-pools", "--user", admin.username)

    assert output.splitlines() == [first.splitlines()[-1]]
    assert "already running" in said
    assert Job.objects.filter(kind=Kind.SYNC).count() == 1


def test_a_second_sync_of_a_pool_says_which_job_is_running(pool_id, admin):
    first = run("sync", "--pool", pool_id, "--user", admin.username)[0].splitlines()[-1]

    with pytest.raises(CommandError, match=f"already running: job {first}"):
        run("sync", "--pool", pool_id, "--user", admin.username)


def test_sync_refuses_a_user_who_may_not_run_jobs_and_an_unknown_pool(support, admin):
    with pytest.raises(CommandError, match="may not run jobs"):
        run("sync", "--pool", "us-east-1:00000000-0000-4000-8000-000000000000", "--user", support.username)
    with pytest.raises(CommandError, match="Nothing was started"):
        run("sync", "--pool", "us-east-1:00000000-0000-4000-8000-000000000000", "--user", admin.username)
    assert not Job.objects.exists()
