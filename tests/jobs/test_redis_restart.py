"""Redis restarting in the middle of a job delays it and loses nothing.

The job runs on a Redis of its own (the embedded one `make run` uses, which keeps nothing on
disk): killing it and starting it again loses every queued message, and the rate limiter's
buckets. Workers and beat reconnect; the reconciler re-sends the chunks whose messages were
lost; every item still ends with exactly one outcome.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from console.emulator.models import Identity
from console.emulator.seeding import seed_identities
from console.jobs.models import Job, Status
from console.localrun.redis import answers, socket_url, start_embedded

from .fleet import Fleet, wait_for
from .test_crash import FINISH_WITHIN, assert_ledger_is_whole, progress, report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own_redis():
    """A throw-away embedded Redis on a short socket path; restart it with `restart()`."""
    folder = Path(tempfile.mkdtemp(prefix="jobs-redis-"))
    socket = folder / "redis.sock"
    server = {"process": start_embedded(socket)}

    def restart() -> None:
        server["process"].send_signal(signal.SIGKILL)
        server["process"].wait(timeout=10)
        assert not answers(socket_url(socket))
        time.sleep(1)
        server["process"] = start_embedded(socket)

    yield socket_url(socket), restart
    server["process"].kill()
    server["process"].wait(timeout=10)


def test_a_job_survives_redis_restarting_mid_job(fleet: Fleet, own_redis, admin, tmp_path):
    url, restart = own_redis
    # The command checks each id's pool first (LookupDeveloperIdentity): quick here, so that
    # the deletes, not the check, are what Redis restarts in the middle of.
    fleet.env.update(
        REDIS_URL=url,
        COGNITO_RATE_LIMITER="true",
        COGNITO_RATE_LIMITS="DeleteIdentities=5,LookupDeveloperIdentity=1000",
    )
    seeded = seed_identities("redis-restart", 3_000)
    ids = list(
        Identity.objects.filter(pool__pool_id=seeded.pool_id)
        .order_by("pk")
        .values_list("identity_id", flat=True)
    )
    (tmp_path / "ids.txt").write_text("\n".join(ids) + "\n")
    fleet.beat()
    fleet.worker("one")
    fleet.worker("two")
    command = ["job", "delete", "--pool", seeded.pool_id, "--ids-file", str(tmp_path / "ids.txt")]
    started = subprocess.run(
        [sys.executable, "manage.py", *command, "--reason", "REDIS-1", "--user", admin.username],
        cwd=settings.BASE_DIR,
        env={**os.environ, **fleet.env},
        capture_output=True,
        text=True,
        check=True,
    )
    job = Job.objects.get(pk=int(started.stdout.splitlines()[-1]))

    wait_for(lambda: progress(job) >= 600, FINISH_WITHIN, "600 items", fleet)
    assert job.is_active, "the job ended before Redis restarted: it tests nothing"
    restart()
    wait_for(lambda: job.refresh_from_db() or not job.is_active, FINISH_WITHIN, "the job to end", fleet)

    assert (job.status, job.done, job.failed) == (Status.SUCCEEDED, 3_000, 0), fleet.logs()
    assert not Identity.objects.filter(pool__pool_id=seeded.pool_id).exists()
    assert_ledger_is_whole(job, ids)
    assert re.search(r"resent=[1-9]", fleet.logs(tail=None)), "no lost message was re-sent"
    report(job, "DeleteIdentities", "IdentityIdsToDelete")
