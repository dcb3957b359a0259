"""`make run`'s start-up: the demo admin's banner names the password file and demo ids to try,
and comes again once the worker is ready; beat's routine task lines stay out of the way."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from console.aws.clients import build_client
from console.localrun.banner import print_again
from console.tasklog import RoutineTaskFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_run(settings, tmp_path):
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    (tmp_path / ".run").mkdir()
    return tmp_path


def test_the_banner_gives_the_password_its_file_and_demo_ids_to_try(local_run, region):
    call_command("seed_demo")
    out = io.StringIO()

    call_command("demo_admin", stdout=out)

    text = out.getvalue()
    password = (local_run / ".run" / "demo-admin-password").read_text().strip()
    assert f"Demo admin: admin / {password}" in text
    assert ".run/demo-admin-password" in text
    client = build_client(region, "local")
    pools = client.list_identity_pools(MaxResults=60)["IdentityPools"]
    shop = next(pool["IdentityPoolId"] for pool in pools if pool["IdentityPoolName"] == "Demo shop customers")
    identity = client.lookup_developer_identity(IdentityPoolId=shop, DeveloperUserIdentifier="shop-user-0001")
    assert "shop-user-0001" in text
    assert f"identity id {identity['IdentityId']} (shop-user-0001)" in text


def test_the_worker_prints_the_banner_again_when_ready(local_run, region, capfd):
    call_command("seed_demo")
    call_command("demo_admin", stdout=io.StringIO())

    print_again(sender=None)

    password = (local_run / ".run" / "demo-admin-password").read_text().strip()
    assert f"Demo admin: admin / {password}" in capfd.readouterr().out


def test_without_debug_the_worker_prints_no_banner(local_run, settings, capfd):
    (local_run / ".run" / "banner.txt").write_text("Demo admin: admin / secret")
    settings.DEBUG = False

    print_again(sender=None)

    assert "Demo admin" not in capfd.readouterr().out


@pytest.fixture
def root_level():
    root = logging.getLogger()
    before = root.level
    yield root.setLevel  # setLevel, not .level: it also clears isEnabledFor's cache
    root.setLevel(before)


def _record(logger: str, message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(logger, logging.INFO, __file__, 1, message, args, None)


@pytest.mark.parametrize(
    ("logger", "message", "args"),
    [
        ("celery.beat", "Scheduler: Sending due task %s (%s)", ("reconcile-jobs", "console.jobs.reconcile")),
        ("celery.worker.strategy", "Task %s[%s] received", ("console.jobs.reconcile", "abc")),
        (
            "celery.app.trace",
            "Task %s[%s] succeeded in 0.01s: 'Reconciled()'",
            ("console.jobs.run_schedules", "a"),
        ),
    ],
)
def test_beats_routine_task_lines_are_debug_lines(logger, message, args, root_level):
    root_level(logging.INFO)
    record = _record(logger, message, *args)

    assert RoutineTaskFilter().filter(record) is False
    assert record.levelname == "DEBUG"

    root_level(logging.DEBUG)  # LOG_LEVEL=debug shows them
    assert RoutineTaskFilter().filter(_record(logger, message, *args)) is True


def test_other_task_lines_stay_at_info():
    record = _record("celery.app.trace", "Task %s[%s] succeeded", "console.jobs.run_chunk", "a")

    assert RoutineTaskFilter().filter(record) is True
    assert record.levelname == "INFO"
