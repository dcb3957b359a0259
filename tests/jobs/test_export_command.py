"""`manage.py job export`: starts an export, prints its id last; `job show --json` names its file."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from console.audit.models import AuditEvent
from console.jobs.models import Job, Kind, Status

from .conftest import guest_identities
from .export_helpers import export_dir, finish, no_broker, records, steps  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("console.jobs.broker._send_walk_task", no_broker)


def run(*args: str) -> str:
    out = StringIO()
    call_command("job", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_export_prints_the_new_jobs_id_last_and_show_names_the_file(cognito, pool_id, admin, settings):
    guest_identities(cognito, pool_id, 4)

    output = run(
        "export", "--pool", pool_id, "--format", "jsonl", "--user", admin.username, "--reason", "DPO-9"
    )

    job = Job.objects.get()
    assert output.splitlines()[-1] == str(job.pk)
    assert (job.kind, job.reason, job.created_by, job.params["format"]) == (
        Kind.EXPORT,
        "DPO-9",
        admin,
        "jsonl",
    )
    assert AuditEvent.objects.get(operation="job.start").actor == admin.username
    job = finish(job)
    shown = json.loads(run("show", str(job.pk), "--json"))
    assert shown["status"] == Status.SUCCEEDED
    assert shown["file"] == str(settings.JOB_EXPORT_DIR / job.file_name)
    assert shown["file_size"] == job.file_size > 0
    assert shown["file_partial"] is False
    assert len(records(job)) == 4


def test_show_says_a_cancelled_exports_file_is_partial(cognito, pool_id, admin, settings):
    guest_identities(cognito, pool_id, 70)
    job_id = int(
        run("export", "--pool", pool_id, "--format", "csv", "--user", admin.username).splitlines()[-1]
    )
    steps(Job.objects.get(pk=job_id), 1)
    run("cancel", str(job_id), "--user", admin.username)
    job = finish(Job.objects.get(pk=job_id))

    shown = json.loads(run("show", str(job_id), "--json"))

    assert (shown["status"], shown["file_partial"]) == (Status.CANCELLED, True)
    assert shown["file"] == str(settings.JOB_EXPORT_DIR / job.file_name)
    assert len(records(job)) == 60


def test_export_with_developer_ids_records_the_option(pool_id, admin):
    run("export", "--pool", pool_id, "--format", "csv", "--user", admin.username, "--developer-ids")

    assert Job.objects.get().params["developer_ids"] is True


def test_show_of_another_kind_has_no_file_field(make_job, cognito, pool_id):
    from console.jobs import parsing

    job = make_job(Kind.DELETE, pool_id, [parsing.Target(1, guest_identities(cognito, pool_id, 1)[0])])

    assert "file" not in json.loads(run("show", str(job.pk), "--json"))


def test_an_export_that_cannot_start_exits_non_zero_with_the_reason(cognito, admin, support):
    bare = cognito.create_identity_pool(IdentityPoolName="bare", AllowUnauthenticatedIdentities=True)

    with pytest.raises(CommandError, match="has no developer provider"):
        run(
            "export",
            "--pool",
            bare["IdentityPoolId"],
            "--format",
            "csv",
            "--user",
            admin.username,
            "--developer-ids",
        )
    with pytest.raises(CommandError, match="is not an identity pool id"):
        run("export", "--pool", "nope", "--format", "csv", "--user", admin.username)
    with pytest.raises(CommandError, match="may not run jobs"):
        run("export", "--pool", bare["IdentityPoolId"], "--format", "csv", "--user", support.username)
    with pytest.raises(CommandError, match="invalid choice"):
        run("export", "--pool", bare["IdentityPoolId"], "--format", "xml", "--user", admin.username)
    assert not Job.objects.exists()
