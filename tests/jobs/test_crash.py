"""Jobs lose nothing when workers die (DESIGN.md invariant 4), with real Celery workers.

Two workers (two pool processes each) and beat run on the test database and the tests' Redis,
sharing the gateway's rate limiter. In the middle of a job one worker's pool process is
SIGKILLed, then that whole worker, which is then started again. Afterwards the embedded
service holds exactly what it should, every item has exactly one outcome, the job's counters
equal its ledger, and no chunk is left claimed. Duplicate calls (a chunk's call made again
because its worker died before recording it) are allowed and reported.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from console.audit.models import AuditEvent
from console.emulator.models import Identity, IdentityLogin
from console.emulator.seeding import seed_identities
from console.jobs import parsing, runner
from console.jobs.models import Chunk, ChunkStatus, Item, Job, Kind, Outcome, Status

from .conftest import REASON
from .fleet import Fleet, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

FINISH_WITHIN = 240


def progress(job: Job) -> int:
    job.refresh_from_db()
    return job.processed


def crash_workers_during(job: Job, fleet: Fleet, marks: tuple[int, int]) -> None:
    """Two workers run the job; at marks[0] items one's pool child dies, at marks[1] the whole of it."""
    fleet.beat()
    doomed = fleet.worker("doomed")
    fleet.worker("steady")

    wait_for(lambda: progress(job) >= marks[0], FINISH_WITHIN, f"{marks[0]} items", fleet)
    assert job.is_active, "the job ended before the first kill: it tests nothing"
    fleet.kill_pool_child(doomed)

    wait_for(lambda: progress(job) >= marks[1], FINISH_WITHIN, f"{marks[1]} items", fleet)
    assert job.is_active, "the job ended before the second kill: it tests nothing"
    fleet.kill_worker(doomed)
    time.sleep(1)
    fleet.worker("restarted")

    wait_for(lambda: job.refresh_from_db() or not job.is_active, FINISH_WITHIN, "the job to end", fleet)


def assert_ledger_is_whole(job: Job, expected_targets: list[str]) -> None:
    """Exactly one outcome per input item, counters equal to the ledger, nothing left claimed."""
    items = list(Item.objects.filter(job=job).values_list("target", "outcome"))
    assert sorted(target for target, _ in items) == sorted(expected_targets)
    assert all(outcome != Outcome.PENDING for _, outcome in items)
    ledger = Counter(outcome for _, outcome in items)
    assert (job.done, job.failed, job.skipped) == (
        ledger[Outcome.DONE],
        ledger[Outcome.FAILED],
        ledger[Outcome.SKIPPED],
    )
    assert job.total == len(expected_targets)
    assert (
        not Chunk.objects.filter(job=job)
        .exclude(status__in=(ChunkStatus.DONE, ChunkStatus.CANCELLED))
        .exists()
    )


def report(job: Job, operation: str, key: str) -> dict[str, int]:
    """How often chunks were retried and how many calls were made twice, from the ledger and the trail."""
    chunks = Chunk.objects.filter(job=job)
    calls = AuditEvent.objects.filter(operation=operation, actor=f"jobs:{job.pk}", outcome="success")
    seen: Counter[str] = Counter()
    for request in calls.values_list("request", flat=True):
        values = request[key] if isinstance(request[key], list) else [request[key]]
        seen.update(values)
    figures = {
        "chunks": chunks.count(),
        "claimed more than once": chunks.filter(claims__gt=1).count(),
        "lost leases": sum(chunks.values_list("lost_leases", flat=True)),
        "successful calls": calls.count(),
        "items sent in a duplicate call": sum(count - 1 for count in seen.values() if count > 1),
        "throttled calls": job.throttled,
    }
    print(f"\njob {job.pk} ({job.kind}): {figures}")
    return figures


def test_a_delete_survives_a_killed_pool_process_and_a_killed_worker(fleet, admin):
    fleet.env["COGNITO_RATE_LIMITER"] = "true"
    fleet.env["COGNITO_RATE_LIMITS"] = "DeleteIdentities=6"
    seeded = seed_identities("crash", 10_000, logins_ratio=0.5)
    pool_identities = Identity.objects.filter(pool__pool_id=seeded.pool_id)
    # The filtered half: the identities with a linked login.
    subset = list(
        pool_identities.filter(logins__isnull=False).order_by("pk").values_list("identity_id", flat=True)
    )
    rest = set(pool_identities.filter(logins__isnull=True).values_list("identity_id", flat=True))
    assert (len(subset), len(rest)) == (5_000, 5_000)
    targets = [parsing.Target(line, identity) for line, identity in enumerate(subset, start=1)]

    job = runner.create_job(Kind.DELETE, seeded.pool_id, targets, reason=REASON, user=admin)
    crash_workers_during(job, fleet, (1_000, 2_500))

    job.refresh_from_db()
    assert (job.status, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, 5_000, 0, 0), fleet.logs()
    assert set(pool_identities.values_list("identity_id", flat=True)) == rest
    assert_ledger_is_whole(job, subset)
    figures = report(job, "DeleteIdentities", "IdentityIdsToDelete")
    assert figures["chunks"] == 84


def test_a_merge_survives_a_killed_pool_process_and_a_killed_worker(fleet, admin):
    fleet.env["COGNITO_RATE_LIMITER"] = "true"
    fleet.env["COGNITO_RATE_LIMITS"] = "MergeDeveloperIdentities=10,LookupDeveloperIdentity=50"
    seeded = seed_identities("merge-crash", 600, developer_provider="crash.example.dev", logins_ratio=1.0)
    users = list(
        IdentityLogin.objects.filter(pool__pool_id=seeded.pool_id, is_developer=True)
        .order_by("subject")
        .values_list("subject", flat=True)
    )
    pairs = [(users[n], users[n + 1]) for n in range(0, len(users) - 1, 2)]
    targets = [
        parsing.Target(line, source, destination) for line, (source, destination) in enumerate(pairs, start=1)
    ]

    job = runner.create_job(
        Kind.MERGE,
        seeded.pool_id,
        targets,
        reason=REASON,
        user=admin,
        params={"developer_provider": "crash.example.dev"},
    )
    crash_workers_during(job, fleet, (30, 60))

    job.refresh_from_db()
    assert (job.status, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, len(pairs), 0, 0), (
        fleet.logs()
    )
    owner = dict(
        IdentityLogin.objects.filter(pool__pool_id=seeded.pool_id, is_developer=True).values_list(
            "subject", "identity__identity_id"
        )
    )
    assert all(owner[source] == owner[destination] for source, destination in pairs)
    results = dict(Item.objects.filter(job=job).values_list("destination", "result"))
    assert all(results[destination] == owner[destination] for _, destination in pairs)
    assert_ledger_is_whole(job, [source for source, _ in pairs])
    report(job, "MergeDeveloperIdentities", "SourceUserIdentifier")
