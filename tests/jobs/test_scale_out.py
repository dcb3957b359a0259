"""Scale-out: two Celery worker processes share one delete job, and together stay under the shared
limiter's bucket (docs/deploy.md, scale-out: `docker compose up --scale worker=N`).

The figure printed (calls per second measured from the audit trail, beside the bucket's rate) is
the scale-out benchmark; the assertion is the bucket's own bound, not a timing target: in any
span of s seconds at most capacity + rate x s calls can start.
"""

from __future__ import annotations

from collections import Counter

import pytest

from console.audit.models import AuditEvent
from console.emulator.models import Identity
from console.emulator.seeding import seed_identities
from console.jobs import parsing, runner
from console.jobs.models import Chunk, Kind, Status

from .conftest import REASON
from .fleet import Fleet, wait_for

# "audit" too: creating the job records a console action on the audit connection.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "audit"])

RATE = 4.0  # DeleteIdentities calls per second for the whole fleet
CAPACITY = max(RATE, 1.0)  # the limiter's bucket holds one second's worth (console/aws/limiter.py)
IDENTITIES = 1_200  # 20 chunks of 60: about five seconds at RATE


def _ready(fleet: Fleet, name: str) -> bool:
    path = fleet.log_dir / f"{name}.log"
    return path.exists() and " ready." in path.read_text()


def _most_calls_in_any_window(times: list[float], window: float) -> int:
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_two_workers_share_a_delete_job_and_stay_under_the_shared_bucket(fleet, admin):
    fleet.env["COGNITO_RATE_LIMITER"] = "true"
    fleet.env["COGNITO_RATE_LIMITS"] = f"DeleteIdentities={RATE:g}"
    seeded = seed_identities("scale-out", IDENTITIES)
    identities = list(
        Identity.objects.filter(pool__pool_id=seeded.pool_id).values_list("identity_id", flat=True)
    )
    fleet.beat()
    fleet.worker("one")
    fleet.worker("two")
    # Both listening before the job starts, so neither gets the whole window by arriving first.
    wait_for(lambda: _ready(fleet, "one") and _ready(fleet, "two"), 60, "both workers", fleet)

    targets = [parsing.Target(line, identity) for line, identity in enumerate(identities, start=1)]
    job = runner.create_job(Kind.DELETE, seeded.pool_id, targets, reason=REASON, user=admin)
    wait_for(lambda: job.refresh_from_db() or not job.is_active, 240, "the job to end", fleet)

    assert (job.status, job.done, job.failed) == (Status.SUCCEEDED, IDENTITIES, 0), fleet.logs()
    assert not Identity.objects.filter(pool__pool_id=seeded.pool_id).exists()
    # claimed_by is "<worker name>@<host>:<pid>": both workers ran chunks.
    per_worker = Counter(
        claimed_by.partition("@")[0]
        for claimed_by in Chunk.objects.filter(job=job).values_list("claimed_by", flat=True)
    )
    assert set(per_worker) == {"one", "two"}, per_worker
    assert sum(per_worker.values()) == IDENTITIES // runner.CHUNK_SIZE[Kind.DELETE]

    calls = AuditEvent.objects.filter(operation="DeleteIdentities", actor=f"jobs:{job.pk}").order_by(
        "created_at"
    )
    times = [moment.timestamp() for moment in calls.values_list("created_at", flat=True)]
    span = times[-1] - times[0]
    measured = (len(times) - 1) / span
    busiest_second = _most_calls_in_any_window(times, 1.0)
    # After the first bucketful (a burst), calls come at the refill rate.
    burst = int(CAPACITY)
    steady = (len(times) - 1 - burst) / (times[-1] - times[burst])
    print(
        f"\nscale-out: 2 workers, chunks per worker {dict(per_worker)}, {len(times)} DeleteIdentities calls "
        f"in {span:.2f} s = {measured:.2f}/s, {steady:.2f}/s after the first {burst} "
        f"(bucket: {RATE:g}/s, capacity {CAPACITY:g}); busiest second: {busiest_second} calls"
    )
    # The bucket's bound, plus two calls of slack: the trail records a call when it returns, so
    # call durations shift recorded times a little. Unpaced, the 20 calls take well under a second.
    assert len(times) <= CAPACITY + RATE * span + 2
    assert busiest_second <= CAPACITY + RATE * 1.0 + 2
