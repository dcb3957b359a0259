"""The ledger's rules, through the plain functions: claim, lease, commit, repeat, cancel, reconcile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from console.audit.models import AuditEvent
from console.aws import errors
from console.aws.identities import Unprocessed
from console.jobs import parsing, reconcile, retrying, runner
from console.jobs.models import Chunk, ChunkStatus, Item, Job, Kind, Outcome, Status

from .conftest import (
    REASON,
    developer_identity,
    drive,
    guest_identities,
    no_broker,
    pool_identities,
    targets_of,
)

pytestmark = pytest.mark.django_db


def after_lease(seconds: float = 1) -> timezone.datetime:
    return timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS + seconds)


def die_after_the_call(job: Job, number: int = 0) -> runner.Claim:
    """A worker claims the chunk and makes its call, then dies before committing."""
    claim = runner.claim_chunk(job.pk, number, "doomed")
    assert claim is not None
    runner.RUNNERS[claim.kind](runner.Attempt(claim))
    return claim


def outcomes(job: Job) -> dict[str, str]:
    return dict(Item.objects.filter(job=job).values_list("target", "outcome"))


def test_creating_a_job_freezes_its_items_into_chunks_with_its_start_event(cognito, pool_id, make_job, admin):
    ids = guest_identities(cognito, pool_id, 61)

    job = make_job(Kind.DELETE, pool_id, targets_of(ids))

    assert (job.status, job.total, job.region, job.created_by_name) == (
        "queued",
        61,
        "us-east-1",
        admin.username,
    )
    assert list(Chunk.objects.filter(job=job).values_list("number", flat=True)) == [0, 1]
    assert Item.objects.filter(job=job, chunk__number=0).count() == 60
    assert list(Item.objects.filter(job=job).values_list("line", flat=True)) == list(range(1, 62))
    event = AuditEvent.objects.get(operation="job.start")
    assert (event.pool_id, event.reason, event.request["job"], event.request["items"]) == (
        pool_id,
        REASON,
        job.pk,
        61,
    )


def test_a_delete_job_deletes_exactly_the_listed_identities(cognito, pool_id, make_job):
    ids = guest_identities(cognito, pool_id, 70)

    job = drive(make_job(Kind.DELETE, pool_id, targets_of(ids[:65])))

    assert (job.status, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, 65, 0, 0)
    assert set(pool_identities(cognito, pool_id)) == set(ids[65:])
    assert set(outcomes(job).values()) == {Outcome.DONE}
    assert job.started_at and job.finished_at


def test_chunk_calls_are_audited_as_the_job_with_its_reason(cognito, pool_id, make_job):
    ids = guest_identities(cognito, pool_id, 3)

    job = drive(make_job(Kind.DELETE, pool_id, targets_of(ids)))

    event = AuditEvent.objects.get(operation="DeleteIdentities")
    assert (event.actor, event.reason, event.request["IdentityIdsToDelete"]) == (
        f"jobs:{job.pk}",
        REASON,
        ids,
    )


def test_a_chunk_whose_worker_died_after_its_call_is_repeated_and_recorded_once_as_done(
    cognito, pool_id, make_job
):
    ids = guest_identities(cognito, pool_id, 5)
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))
    die_after_the_call(job)
    assert pool_identities(cognito, pool_id) == []

    report = reconcile.reconcile(now=after_lease(), send=no_broker)
    job = drive(job)

    assert report.leases_taken_back == 1
    assert (job.status, job.done, job.failed) == (Status.SUCCEEDED, 5, 0)
    assert set(outcomes(job).values()) == {Outcome.DONE}
    chunk = Chunk.objects.get(job=job)
    assert (chunk.status, chunk.claims, chunk.lost_leases) == (ChunkStatus.DONE, 2, 1)
    assert AuditEvent.objects.filter(operation="DeleteIdentities", outcome="success").count() == 2


def test_a_late_commit_after_another_worker_took_the_chunk_is_dropped(cognito, pool_id, make_job):
    ids = guest_identities(cognito, pool_id, 2)
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))
    slow = runner.claim_chunk(job.pk, 0, "slow")
    reconcile.reconcile(now=after_lease(), send=no_broker)
    fast = runner.claim_chunk(job.pk, 0, "fast")
    results = {item.pk: runner.DONE for item in fast.items}

    assert runner.commit_chunk(fast, results) is True
    assert runner.commit_chunk(slow, results) is False
    job.refresh_from_db()
    assert job.done == 2


def test_a_slow_holder_still_commits_when_nobody_took_its_chunk_back(cognito, pool_id, make_job):
    ids = guest_identities(cognito, pool_id, 2)
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))
    slow = runner.claim_chunk(job.pk, 0, "slow")
    reconcile.reconcile(now=after_lease(), send=no_broker)

    assert runner.commit_chunk(slow, {item.pk: runner.DONE for item in slow.items}) is True
    assert runner.claim_chunk(job.pk, 0, "late") is None
    assert runner.finish_if_complete(job.pk) == Status.SUCCEEDED


def test_unprocessed_ids_are_asked_again_then_fail_with_their_error_code(pool_id, make_job, monkeypatch):
    monkeypatch.setattr(retrying, "BACKOFF_BASE", 0.001)
    ids = [f"us-east-1:0000000{n}-0000-4000-8000-000000000000" for n in range(3)]
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))
    claim = runner.claim_chunk(job.pk, 0, "test")
    asked: list[list[str]] = []

    def delete(
        region: str, identity_ids: list[str], *, reason: str, max_wait: float
    ) -> tuple[Unprocessed, ...]:
        asked.append(list(identity_ids))
        left = [Unprocessed(ids[0], "AccessDenied")]
        if len(asked) == 1:
            left.append(Unprocessed(ids[1], "InternalServerError"))
        return tuple(left)

    results = runner.run_delete(runner.Attempt(claim), delete=delete)

    assert asked == [ids, ids[:2], ids[:1], ids[:1]]
    by_item = {item.target: results[item.pk] for item in claim.items}
    assert by_item[ids[0]].outcome == Outcome.FAILED and by_item[ids[0]].error_code == "AccessDenied"
    assert by_item[ids[1]] == by_item[ids[2]] == runner.DONE


def test_a_refused_call_fails_its_items_with_the_services_code(cognito, pool_id, make_job):
    job = make_job(Kind.MERGE, pool_id, [parsing.Target(1, "nobody", "nobody-else")], developer_provider="x")

    job = drive(job)

    item = Item.objects.get(job=job)
    assert (job.status, job.failed, item.outcome) == (Status.FAILED, 1, Outcome.FAILED)
    assert item.error_code in (
        "NotAuthorizedException",
        "InvalidParameterException",
        "ResourceNotFoundException",
    )
    assert item.message


def test_a_chunk_that_keeps_killing_its_workers_fails_its_items_in_the_end(
    cognito, pool_id, make_job, settings
):
    settings.JOB_MAX_LOST_LEASES = 2
    ids = guest_identities(cognito, pool_id, 2)
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))

    runner.claim_chunk(job.pk, 0, "first")
    reconcile.reconcile(now=after_lease(), send=no_broker)
    runner.claim_chunk(job.pk, 0, "second")
    report = reconcile.reconcile(now=after_lease(60), send=no_broker)

    job.refresh_from_db()
    assert report.chunks_given_up == 1
    assert (job.status, job.failed) == (Status.FAILED, 2)
    assert set(Item.objects.filter(job=job).values_list("error_code", flat=True)) == {
        reconcile.WORKER_LOST_CODE
    }


def test_dispatch_keeps_a_window_of_chunks_queued(cognito, pool_id, admin, settings):
    settings.JOB_WINDOW = 3
    ids = [f"us-east-1:{n:08x}-0000-4000-8000-000000000000" for n in range(600)]
    job = runner.create_job(Kind.DELETE, pool_id, targets_of(ids), reason=REASON, user=admin, send=no_broker)

    first = runner.dispatch(job.pk, send=no_broker)
    again = runner.dispatch(job.pk, send=no_broker)
    runner.run_chunk(job.pk, 0, send=no_broker)  # a finished chunk sends the next one

    assert (first, again) == ([0, 1, 2], [])
    queued = Chunk.objects.filter(job=job, status=ChunkStatus.PENDING, dispatched_at__isnull=False)
    assert list(queued.values_list("number", flat=True)) == [1, 2, 3]


def test_a_chunk_whose_message_was_lost_is_sent_again(
    pool_id, make_job, settings, django_capture_on_commit_callbacks
):
    job = make_job(Kind.DELETE, pool_id, targets_of(["us-east-1:00000001-0000-4000-8000-000000000000"]))
    runner.dispatch(job.pk, send=no_broker)
    sent: list[int] = []

    with django_capture_on_commit_callbacks(execute=True):
        soon = reconcile.reconcile(send=lambda job_id, number: sent.append(number))
        later = timezone.now() + timedelta(seconds=settings.JOB_REDISPATCH_SECONDS + 1)
        report = reconcile.reconcile(now=later, send=lambda job_id, number: sent.append(number))

    assert soon.resent == 0 and report.resent == 1
    assert sent == [0]


def test_a_broker_that_does_not_answer_delays_a_job_and_loses_nothing(
    cognito, pool_id, make_job, settings, caplog, django_capture_on_commit_callbacks
):
    ids = guest_identities(cognito, pool_id, 3)
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))

    def broker_down(job_id: int, number: int) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    sent: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        runner.dispatch(job.pk, send=broker_down)
        reconcile.reconcile(send=lambda job_id, number: sent.append(number))
        assert sent == []  # it waits: the message may only be late
        reconcile.reconcile(
            now=timezone.now() + timedelta(seconds=settings.JOB_REDISPATCH_SECONDS + 1),
            send=lambda job_id, number: sent.append(number),
        )

    assert "reconciler will re-send it" in caplog.text
    assert sent == [0]
    assert drive(job).done == 3


def test_cancel_mid_job_skips_what_had_not_run_and_says_what_was_done(cognito, pool_id, make_job, settings):
    settings.JOB_WINDOW = 2
    ids = guest_identities(cognito, pool_id, 200)
    job = make_job(Kind.DELETE, pool_id, targets_of(ids))
    runner.dispatch(job.pk, send=no_broker)  # chunks 0 and 1 are on their way
    runner.run_chunk(job.pk, 0, send=no_broker)  # ... and chunk 2 once 0 is done

    assert runner.cancel_job(job.pk, by="alice-admin") is True
    job.refresh_from_db()
    assert (job.status, job.skipped) == (Status.CANCELLING, 20)  # chunk 3 was never sent
    for number in (1, 2):  # their messages arrive after the cancel
        runner.run_chunk(job.pk, number, send=no_broker)
    job.refresh_from_db()

    assert (job.status, job.done, job.skipped, job.failed) == (Status.CANCELLED, 60, 140, 0)
    assert len(pool_identities(cognito, pool_id)) == 140
    skipped = Item.objects.filter(job=job, outcome=Outcome.SKIPPED)
    assert set(skipped.values_list("message", flat=True)) == {runner.CANCELLED_MESSAGE}
    event = AuditEvent.objects.get(operation="job.cancel")
    assert event.request == {"job": job.pk, "kind": "delete", "done_before_cancel": 60}


def test_cancelling_an_ended_job_changes_nothing(cognito, pool_id, make_job):
    job = drive(make_job(Kind.DELETE, pool_id, targets_of(guest_identities(cognito, pool_id, 1))))

    assert runner.cancel_job(job.pk, by="alice-admin") is False
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert not AuditEvent.objects.filter(operation="job.cancel").exists()


def test_a_merge_claimed_again_looks_before_merging_twice(cognito, pool_id, make_job):
    developer_identity(cognito, pool_id, "src")
    destination = developer_identity(cognito, pool_id, "dst")
    job = make_job(
        Kind.MERGE, pool_id, [parsing.Target(1, "src", "dst")], developer_provider="login.example.app"
    )
    die_after_the_call(job)

    reconcile.reconcile(now=after_lease(), send=no_broker)
    job = drive(job)

    item = Item.objects.get(job=job)
    assert (job.status, item.outcome, item.result) == (Status.SUCCEEDED, Outcome.DONE, destination)
    assert "Already merged" in item.message
    assert AuditEvent.objects.filter(operation="MergeDeveloperIdentities").count() == 1


def test_a_job_with_some_failures_is_partially_failed(cognito, pool_id, make_job):
    developer_identity(cognito, pool_id, "a")
    developer_identity(cognito, pool_id, "b")
    pairs = [parsing.Target(1, "a", "b"), parsing.Target(2, "ghost", "b")]

    job = drive(make_job(Kind.MERGE, pool_id, pairs, developer_provider="login.example.app"))

    assert (job.status, job.done, job.failed) == (Status.PARTIALLY_FAILED, 1, 1)
    assert Item.objects.get(job=job, line=2).error_code == "ResourceNotFoundException"


def test_a_throttled_call_is_retried_and_counted_never_failed(pool_id, make_job, monkeypatch):
    monkeypatch.setattr(retrying, "BACKOFF_BASE", 0.001)
    job = make_job(Kind.DELETE, pool_id, targets_of(["us-east-1:00000001-0000-4000-8000-000000000000"]))
    claim = runner.claim_chunk(job.pk, 0, "test")
    answers = [errors.Throttled("Rate exceeded"), errors.Throttled("Rate exceeded"), ()]

    def delete(*args, **kwargs):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    results = runner.run_delete(runner.Attempt(claim), delete=delete)

    job.refresh_from_db()
    assert set(results.values()) == {runner.DONE}
    assert job.throttled == 2


def test_a_chunk_throttled_past_its_time_is_given_back_not_failed(pool_id, make_job, monkeypatch):
    monkeypatch.setattr(retrying, "BACKOFF_BASE", 0.001)
    job = make_job(Kind.DELETE, pool_id, targets_of(["us-east-1:00000001-0000-4000-8000-000000000000"]))
    claim = runner.claim_chunk(job.pk, 0, "test")

    def throttled_until_out_of_time(attempt: runner.Attempt) -> dict:
        raise retrying.OutOfTime

    monkeypatch.setitem(runner.RUNNERS, Kind.DELETE, throttled_until_out_of_time)

    assert runner._run_claimed(claim) is False

    chunk = Chunk.objects.get(job=job)
    assert (chunk.status, chunk.dispatched_at) == (ChunkStatus.PENDING, None)
    assert Item.objects.get(job=job).outcome == Outcome.PENDING
