"""An export whose worker is SIGKILLed mid-walk, with real Celery workers: the restarted worker
cuts the file back to its last committed size and carries on, so every identity of the pool
is in the file exactly once."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter

import pytest

from console.emulator.models import Identity
from console.emulator.seeding import seed_identities
from console.jobs import export
from console.jobs.models import Job, Status

from .fleet import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FINISH_WITHIN = 240
IDENTITIES = 30_000


def pages(job: Job) -> int:
    job.refresh_from_db()
    return int(job.cursor.get("pages", 0))


def test_an_export_survives_a_killed_worker_and_writes_each_identity_once(fleet, admin, settings, tmp_path):
    folder = tmp_path / "exports"
    settings.JOB_EXPORT_DIR = folder
    fleet.env["JOB_EXPORT_DIR"] = str(folder)
    # Paced, so that the kill falls in the middle of the walk (500 pages at 40 a second).
    fleet.env["COGNITO_RATE_LIMITER"] = "true"
    fleet.env["COGNITO_RATE_LIMITS"] = "ListIdentities=40"
    seeded = seed_identities("export-crash", IDENTITIES, logins_ratio=0.3)
    job = export.start_export(seeded.pool_id, "csv", user=admin, reason="crash test")

    fleet.beat()
    doomed = fleet.worker("doomed", concurrency=1)
    wait_for(lambda: pages(job) >= 100, FINISH_WITHIN, "100 pages", fleet)
    assert job.is_active, "the export ended before the kill: it tests nothing"
    fleet.kill_worker(doomed)
    written_at_kill = job.done
    time.sleep(1)
    fleet.worker("restarted", concurrency=1)
    wait_for(lambda: job.refresh_from_db() or not job.is_active, FINISH_WITHIN, "the export to end", fleet)

    job.refresh_from_db()
    assert (job.status, job.done, job.error) == (Status.SUCCEEDED, IDENTITIES, ""), fleet.logs()
    path = export.file_path(job)
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode())))
    counts = Counter(row["identity_id"] for row in rows)
    assert [identity for identity, count in counts.items() if count > 1] == []
    assert set(counts) == set(
        Identity.objects.filter(pool__pool_id=seeded.pool_id).values_list("identity_id", flat=True)
    )
    assert job.file_size == path.stat().st_size
    assert sum(1 for row in rows if row["login_providers"]) == IDENTITIES * 3 // 10
    print(
        f"\nexport job {job.pk}: {job.walk_claims} claims of its walk, {written_at_kill} written at the kill"
    )
    assert job.walk_claims > 1
