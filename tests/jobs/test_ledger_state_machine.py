"""Any interleaving of claim, commit, crash, give-back, lease expiry, cancel and reconcile ends
with every chunk terminal exactly once and the job's counters equal to its ledger.

A hypothesis state machine drives the runner's plain functions against the database: workers
receive broker messages (duplicated, late or lost), die holding a chunk, commit late; the
clock jumps past leases; the reconciler runs whenever. No Cognito call is made: a worker's
"call" is the outcome it commits.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from console.jobs import parsing, reconcile, runner
from console.jobs.models import TERMINAL_CHUNK, Chunk, Item, Job, Kind, Outcome, Status

POOL = "us-east-1:00000000-0000-4000-8000-000000000000"
WORKERS = 3
PICK = st.integers(min_value=0, max_value=5)
ITEMS = 3


class LedgerMachine(RuleBasedStateMachine):
    user = None  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.now = timezone.now()
        self.queue: list[int] = []  # chunk numbers of messages "in the broker"
        self.held: dict[int, runner.Claim] = {}
        self.commits: Counter[int] = Counter()
        targets = [
            parsing.Target(line, f"source-{line}", f"destination-{line}") for line in range(1, ITEMS + 1)
        ]
        self.job = runner.create_job(
            Kind.MERGE, POOL, targets, reason="state machine", user=self.user, send=self.send
        )

    def send(self, job_id: int, number: int) -> None:
        self.queue.append(number)

    def dispatch(self) -> None:
        runner.dispatch(self.job.pk, send=self.send, now=self.now)

    def holder(self, pick: int) -> int:
        return sorted(self.held)[pick % len(self.held)]

    @precondition(lambda self: self.queue and len(self.held) < WORKERS)
    @rule(pick=PICK, fate=st.sampled_from(["taken", "duplicated", "lost"]))
    def deliver(self, pick: int, fate: str) -> None:
        """The broker hands a message to a free worker; a copy may stay behind, or it is lost."""
        number = self.queue[pick % len(self.queue)]
        if fate != "duplicated":
            self.queue.remove(number)
        if fate == "lost":
            return
        worker = min(set(range(WORKERS)) - set(self.held))
        claim = runner.claim_chunk(self.job.pk, number, f"w{worker}", now=self.now)
        if claim is not None:
            self.held[worker] = claim

    @precondition(lambda self: self.held)
    @rule(pick=PICK, succeed=st.booleans())
    def commit(self, pick: int, succeed: bool) -> None:
        claim = self.held.pop(self.holder(pick))
        outcome = runner.DONE if succeed else runner.Result(Outcome.FAILED, "ResourceConflictException", "no")
        if runner.commit_chunk(claim, {item.pk: outcome for item in claim.items}, now=self.now):
            self.commits[claim.number] += 1
            self.dispatch()

    @precondition(lambda self: self.held)
    @rule(pick=PICK)
    def crash(self, pick: int) -> None:
        """A worker dies holding its chunk: its claim is simply forgotten."""
        self.held.pop(self.holder(pick))

    @precondition(lambda self: self.held)
    @rule(pick=PICK)
    def give_back(self, pick: int) -> None:
        """A worker was throttled past its time and gives its chunk back."""
        if runner.release_chunk(self.held.pop(self.holder(pick))):
            self.dispatch()

    @rule(leases=st.sampled_from([1.1, 0, 0.5]))
    def reconcile(self, leases: float) -> None:
        """Time passes (a share of the lease, or past it), then the reconciler runs."""
        self.now += timedelta(seconds=leases * django_settings.JOB_LEASE_SECONDS)
        reconcile.reconcile(now=self.now, send=self.send)

    @precondition(lambda self: self.commits)
    @rule(dice=st.integers(min_value=0, max_value=9))
    def cancel(self, dice: int) -> None:
        """Someone cancels the job mid-way, once in a while (often, nothing else would be explored;
        hypothesis favours small values, so the rare value is not 0)."""
        if dice == 7:
            runner.cancel_job(self.job.pk, by="someone", now=self.now)

    @invariant()
    def no_chunk_is_committed_twice(self) -> None:
        assert all(count <= 1 for count in self.commits.values()), self.commits

    @invariant()
    def counters_equal_the_ledger(self) -> None:
        job = Job.objects.get(pk=self.job.pk)
        ledger = Counter(Item.objects.filter(job=job).values_list("outcome", flat=True))
        assert (job.done, job.failed, job.skipped) == (
            ledger[Outcome.DONE],
            ledger[Outcome.FAILED],
            ledger[Outcome.SKIPPED],
        )
        terminal_items = Item.objects.filter(job=job, chunk__status__in=TERMINAL_CHUNK)
        assert not terminal_items.filter(outcome=Outcome.PENDING).exists()
        assert (
            not Item.objects.filter(job=job)
            .exclude(chunk__status__in=TERMINAL_CHUNK)
            .exclude(outcome=Outcome.PENDING)
            .exists()
        )

    def teardown(self) -> None:
        """Whatever happened, live workers and the reconciler finish the job.

        Workers still holding a chunk were slow, not dead (dying is the `crash` rule): they
        commit late, whoever holds their chunk now.
        """
        for worker in sorted(self.held):
            claim = self.held.pop(worker)
            if runner.commit_chunk(claim, {item.pk: runner.DONE for item in claim.items}, now=self.now):
                self.commits[claim.number] += 1
        self.no_chunk_is_committed_twice()
        for _ in range(50):
            if not Job.objects.get(pk=self.job.pk).is_active:
                break
            self.held.clear()
            self.now += timedelta(
                seconds=django_settings.JOB_LEASE_SECONDS + django_settings.JOB_REDISPATCH_SECONDS
            )
            reconcile.reconcile(now=self.now, send=self.send)
            while self.queue:
                claim = runner.claim_chunk(self.job.pk, self.queue.pop(0), "survivor", now=self.now)
                if claim and runner.commit_chunk(
                    claim, {item.pk: runner.DONE for item in claim.items}, now=self.now
                ):
                    self.commits[claim.number] += 1
            reconcile.reconcile(now=self.now, send=self.send)
        job = Job.objects.get(pk=self.job.pk)
        assert job.status in (Status.SUCCEEDED, Status.FAILED, Status.PARTIALLY_FAILED, Status.CANCELLED)
        assert not Chunk.objects.filter(job=job).exclude(status__in=TERMINAL_CHUNK).exists()
        assert job.done + job.failed + job.skipped == job.total
        self.no_chunk_is_committed_twice()
        self.counters_equal_the_ledger()


# Transactional: chunks are sent when their transaction commits, as in production.
@pytest.mark.django_db(transaction=True)
def test_any_interleaving_ends_with_every_chunk_terminal_exactly_once(admin):
    LedgerMachine.user = admin
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=150,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
