"""`manage.py job prune`: a dry run waited for, then (without --dry-run) the real run of exactly
its count. Celery runs tasks eagerly here, so the walks and chunks run in the test's process
(committed transactions, as in production: on_commit sends run at once)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from console.celery import app
from console.jobs import prune
from console.jobs.models import Job, Kind, Status

from .conftest import developer_identity, guest_identities, pool_identities

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "audit"])


@pytest.fixture(autouse=True)
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def run(*args: str) -> str:
    out = StringIO()
    call_command("job", "prune", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def pool(cognito, pool_id):
    guests = guest_identities(cognito, pool_id, 70)
    users = [developer_identity(cognito, pool_id, f"user-{n}") for n in range(3)]
    return pool_id, guests, users


def test_a_dry_run_prints_the_count_last_and_deletes_nothing(pool, admin, cognito):
    pool_id, _, _ = pool

    output = run(
        "--pool", pool_id, "--unauthenticated", "--reason", "OPS-1", "--user", admin.username, "--dry-run"
    )

    job = Job.objects.get()
    assert output.splitlines()[-1] == "70"
    assert (job.kind, job.status, job.total, job.reason) == (
        Kind.PRUNE_DRY_RUN,
        Status.SUCCEEDED,
        70,
        "OPS-1",
    )
    assert len(pool_identities(cognito, pool_id)) == 73


def test_without_dry_run_it_starts_the_real_run_for_that_count_and_prints_its_id_last(pool, admin, cognito):
    pool_id, _, users = pool

    output = run("--pool", pool_id, "--unauthenticated", "--reason", "OPS-2", "--user", admin.username)

    real = Job.objects.get(kind=Kind.PRUNE)
    assert output.splitlines()[-1] == str(real.pk)
    assert "Dry run" in output and "matched 70 identities" in output
    assert (real.dry_run.total, real.total, real.created_by, real.reason) == (70, 70, admin, "OPS-2")
    real.refresh_from_db()
    assert (real.status, real.done) == (Status.SUCCEEDED, 70)  # eager: it already ran
    assert sorted(pool_identities(cognito, pool_id)) == sorted(users)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give at least one condition"),
        (
            ["--unauthenticated", "--modified-before", "2020-13-01"],
            "--modified-before '2020-13-01' is not a date",
        ),
        (
            ["--created-before", (dt.date.today() + dt.timedelta(days=3)).isoformat()],
            "--created-before .* is in the future",
        ),
    ],
)
def test_bad_filters_start_nothing_and_say_why_in_one_line(pool, admin, args, message):
    pool_id, _, _ = pool
    with pytest.raises(CommandError, match=message) as refused:
        run("--pool", pool_id, *args, "--reason", "x", "--user", admin.username)

    assert "\n" not in str(refused.value)
    assert not Job.objects.exists()


def test_the_user_must_run_jobs_and_the_reason_is_required(pool, support, admin):
    pool_id, _, _ = pool
    with pytest.raises(CommandError, match="may not run jobs"):
        run("--pool", pool_id, "--unauthenticated", "--reason", "x", "--user", support.username)
    with pytest.raises(CommandError, match="--reason must say why"):
        run("--pool", pool_id, "--unauthenticated", "--reason", " ", "--user", admin.username)
    assert not Job.objects.exists()


def test_an_unknown_pool_is_refused(admin):
    with pytest.raises(CommandError, match=r"Nothing was started: Pool .*ResourceNotFoundException"):
        run(
            "--pool",
            "us-east-1:0a1b2c3d-0000-4000-8000-0000000000ff",
            "--disabled",
            "--reason",
            "x",
            "--user",
            admin.username,
        )


def test_nothing_to_prune_starts_no_real_run(cognito, pool_id, admin):
    developer_identity(cognito, pool_id, "ann")

    output = run("--pool", pool_id, "--unauthenticated", "--reason", "x", "--user", admin.username)

    assert output.splitlines()[-1] == "Nothing to prune: no real run was started."
    assert list(Job.objects.values_list("kind", flat=True)) == [Kind.PRUNE_DRY_RUN]
    assert prune.real_run_of(Job.objects.get()) is None
