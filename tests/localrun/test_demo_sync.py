"""`manage.py demo_sync` (make run): the demo pools' first inventory sync, started once, as jobs
that beat's reconciler sends to the worker."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from console.inventory import queries
from console.jobs import walk
from console.jobs.models import Job, Kind, Status

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "audit"])


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_the_first_start_syncs_every_pool_once_through_the_reconciler(cognito, make_pool, settings, tmp_path):
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    pools = {make_pool("a"), make_pool("b")}
    cognito.get_id(IdentityPoolId=sorted(pools)[0])
    run("demo_admin")

    said = run("demo_sync")

    jobs = list(Job.objects.filter(kind=Kind.SYNC))
    assert {job.pool_id for job in jobs} == pools and said.count("the worker runs it") == 2
    assert all(job.walk_dispatched_at is None and job.created_by.username == "admin" for job in jobs)
    sent: list[int] = []
    walk.reconcile_walks(send=sent.append)
    assert sorted(sent) == sorted(job.pk for job in jobs)
    for job in jobs:
        walk.run_walk(job.pk, send=lambda job_id: None)
        job.refresh_from_db()
        assert job.status == Status.SUCCEEDED
    assert queries.stats(sorted(pools)[0]).total == 1
    assert "no sync started" in run("demo_sync")
    assert Job.objects.filter(kind=Kind.SYNC).count() == 2


def test_it_needs_the_demo_admin(settings, pool_id):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="demo_admin"):
        run("demo_sync")
