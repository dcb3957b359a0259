"""`manage.py job`: delete, merge, show, wait and cancel without a browser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from console.audit.models import AuditEvent
from console.jobs import parsing
from console.jobs.models import Item, Job, Kind, Status
from tests.emulator.http_fixtures import database_url

from .conftest import developer_identity, drive, guest_identities, pool_identities, targets_of

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def run(*args: str, stderr: StringIO | None = None) -> str:
    out = StringIO()
    call_command("job", *args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def exit_code(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        run(*args)
    return exited.value.code


@pytest.fixture
def ids_file(tmp_path, cognito, pool_id):
    ids = guest_identities(cognito, pool_id, 3)
    path = tmp_path / "ids.txt"
    path.write_text("\n".join([*ids, ids[0]]) + "\n")
    return path, ids


@pytest.mark.django_db
def test_delete_prints_the_new_jobs_id_last_and_attributes_it_to_the_user(ids_file, pool_id, admin):
    path, ids = ids_file

    output = run(
        "delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "OPS-1", "--user", admin.username
    )

    job = Job.objects.get()
    assert output.splitlines()[-1] == str(job.pk)
    assert "1 duplicate line removed: 4." in output
    assert (job.kind, job.total, job.reason, job.created_by) == (Kind.DELETE, 3, "OPS-1", admin)
    assert list(Item.objects.filter(job=job).values_list("target", flat=True)) == ids
    assert AuditEvent.objects.get(operation="job.start").actor == admin.username


@pytest.mark.django_db
def test_merge_reads_a_csv_and_prints_the_jobs_id_last(tmp_path, cognito, pool_id, admin):
    developer_identity(cognito, pool_id, "old")
    developer_identity(cognito, pool_id, "new")
    path = tmp_path / "pairs.csv"
    path.write_text("source_user_identifier,destination_user_identifier\nold,new\n")

    output = run(
        "merge", "--pool", pool_id, "--csv", str(path), "--reason", "OPS-2", "--user", admin.username
    )

    job = Job.objects.get()
    assert output.splitlines()[-1] == str(job.pk)
    assert (job.kind, job.total, job.params) == (Kind.MERGE, 1, {"developer_provider": "login.example.app"})
    assert drive(job).status == Status.SUCCEEDED


@pytest.mark.django_db
def test_bad_input_starts_nothing_and_says_why_in_one_line(tmp_path, pool_id, admin):
    path = tmp_path / "ids.txt"
    path.write_text("not-an-id\nus-east-1:zz\n")

    with pytest.raises(CommandError) as refused:
        run("delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "x", "--user", admin.username)

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("Nothing was started: Line 1: “not-an-id” is not an identity id")
    assert "Line 2:" in message
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_delete_refuses_a_file_naming_another_pools_identity_and_starts_nothing(
    tmp_path, cognito, pool_id, make_pool, admin
):
    other_pool = make_pool("neighbour")
    mine = guest_identities(cognito, pool_id, 2)
    theirs = guest_identities(cognito, other_pool, 1)[0]
    path = tmp_path / "ids.txt"
    path.write_text(f"{mine[0]}\n{theirs}\n{mine[1]}\n")

    with pytest.raises(CommandError) as refused:
        run("delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "x", "--user", admin.username)

    message = str(refused.value)
    assert "\n" not in message
    assert message == (
        f"Nothing was started: 1 id refused: Line 2: {theirs} belongs to another identity pool, not {pool_id}."
    )
    assert not Job.objects.exists()
    assert pool_identities(cognito, other_pool) == [theirs]
    assert sorted(pool_identities(cognito, pool_id)) == sorted(mine)


@pytest.mark.django_db
def test_delete_leaves_out_ids_that_do_not_exist_and_shows_the_checks_progress(
    tmp_path, cognito, pool_id, admin
):
    mine = guest_identities(cognito, pool_id, 2)
    gone = "us-east-1:0a1b2c3d-0000-4000-8000-00000000beef"
    path = tmp_path / "ids.txt"
    path.write_text(f"{mine[0]}\n{gone}\n{mine[1]}\n")
    progress = StringIO()

    output = run(
        "delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "x", "--user", admin.username,
        stderr=progress,
    )  # fmt: skip

    job = Job.objects.get()
    assert "1 id does not exist (already deleted) and was left out: lines 2." in output
    assert output.splitlines()[-1] == str(job.pk)
    assert list(Item.objects.filter(job=job).values_list("line", "target")) == [(1, mine[0]), (3, mine[1])]
    assert progress.getvalue().splitlines()[-1] == "Checked 3 of 3 ids."


@pytest.mark.django_db
def test_delete_of_ids_that_all_do_not_exist_starts_nothing(tmp_path, pool_id, admin):
    path = tmp_path / "ids.txt"
    path.write_text("us-east-1:0a1b2c3d-0000-4000-8000-00000000beef\n")

    with pytest.raises(CommandError, match="none of the ids exists"):
        run("delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "x", "--user", admin.username)

    assert not Job.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "reason"),
    [("nobody", "There is no console user 'nobody'."), ("sam-support", "may not run jobs")],
)
def test_the_user_must_exist_and_may_run_jobs(ids_file, pool_id, support, who, reason):
    with pytest.raises(CommandError, match=reason):
        run("delete", "--pool", pool_id, "--ids-file", str(ids_file[0]), "--reason", "x", "--user", who)


@pytest.mark.django_db
def test_a_missing_file_and_an_empty_reason_are_refused(tmp_path, pool_id, admin):
    with pytest.raises(CommandError, match="Cannot read"):
        run(
            "delete",
            "--pool",
            pool_id,
            "--ids-file",
            str(tmp_path / "none"),
            "--reason",
            "x",
            "--user",
            "alice-admin",
        )
    with pytest.raises(CommandError, match="--reason must say why"):
        run(
            "delete", "--pool", pool_id, "--ids-file", str(tmp_path), "--reason", " ", "--user", "alice-admin"
        )


@pytest.mark.django_db
def test_show_prints_one_json_object_with_the_counts(make_job, cognito, pool_id):
    job = drive(make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 2))))

    shown = json.loads(run("show", str(job.pk), "--json"))

    assert {key: shown[key] for key in ("id", "kind", "status", "total", "done", "failed", "skipped")} == {
        "id": job.pk,
        "kind": "delete",
        "status": "succeeded",
        "total": 2,
        "done": 2,
        "failed": 0,
        "skipped": 0,
    }


@pytest.mark.django_db
def test_wait_exits_0_when_the_job_succeeded_1_when_it_ended_otherwise_2_on_timeout(
    make_job, cognito, pool_id
):
    succeeded = drive(make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 1))))
    failed = drive(
        make_job(Kind.MERGE, pool_id, [parsing.Target(1, "ghost", "nobody")], developer_provider="x")
    )
    queued = make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 1)))

    assert exit_code("wait", str(succeeded.pk)) == 0
    assert exit_code("wait", str(failed.pk)) == 1
    assert exit_code("wait", str(queued.pk), "--timeout", "0.2") == 2


@pytest.mark.django_db
def test_cancel_stops_a_job_in_the_users_name(make_job, cognito, pool_id, admin):
    job = make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 1)))

    output = run("cancel", str(job.pk), "--user", admin.username)

    job.refresh_from_db()
    assert "is being cancelled" in output
    assert (job.status, job.cancelled_by_name) == (Status.CANCELLED, admin.username)
    assert AuditEvent.objects.get(operation="job.cancel").actor == admin.username
    with pytest.raises(CommandError, match="there is nothing to cancel"):
        run("cancel", str(job.pk), "--user", admin.username)


@pytest.mark.django_db(transaction=True)
def test_from_the_command_line_a_job_goes_to_the_broker_and_errors_exit_non_zero(
    ids_file, pool_id, admin, redis_db
):
    env = dict(
        os.environ, DATABASE_URL=database_url(settings.DATABASES["default"]), REDIS_URL=settings.REDIS_URL
    )
    path, _ = ids_file
    started = subprocess.run(
        [
            *MANAGE,
            "job",
            "delete",
            "--pool",
            pool_id,
            "--ids-file",
            str(path),
            "--reason",
            "OPS-3",
            "--user",
            "alice-admin",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    job_id = int(started.stdout.splitlines()[-1])
    shown = subprocess.run(
        [*MANAGE, "job", "show", str(job_id), "--json"], env=env, capture_output=True, text=True
    )
    refused = subprocess.run([*MANAGE, "job", "show", "999999"], env=env, capture_output=True, text=True)

    assert started.returncode == 0
    assert redis_db.llen("celery") == 1  # chunk 0's message, sent once the job was committed
    assert json.loads(shown.stdout)["status"] == "queued"
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == ["CommandError: There is no job 999999."]


@pytest.mark.django_db
def test_merge_leaves_out_sources_the_pool_does_not_have_and_says_so(tmp_path, cognito, pool_id, admin):
    developer_identity(cognito, pool_id, "old")
    developer_identity(cognito, pool_id, "new")
    path = tmp_path / "pairs.csv"
    path.write_text("old,new\nghost,new\n")

    output = run(
        "merge", "--pool", pool_id, "--csv", str(path), "--reason", "OPS-3", "--user", admin.username
    )

    job = Job.objects.get()
    assert (
        "1 source developer user(s) do not exist in the pool; their pairs were left out: line 2 (ghost)."
        in output
    )
    assert list(Item.objects.filter(job=job).values_list("target", flat=True)) == ["old"]


@pytest.mark.django_db
def test_merge_of_only_unknown_sources_starts_nothing(tmp_path, pool_id, admin):
    path = tmp_path / "pairs.csv"
    path.write_text("ghost,new\n")

    with pytest.raises(CommandError, match="no source developer user exists in the pool"):
        run("merge", "--pool", pool_id, "--csv", str(path), "--reason", "OPS-4", "--user", admin.username)
    assert not Job.objects.exists()
