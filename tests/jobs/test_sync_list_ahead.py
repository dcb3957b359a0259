"""A sync lists its next page while the current one commits (walk.ListAhead): every page still
committed once, from the position it was listed at, no call spent on a page never used, and no
thread or database connection left behind when the walk stops (done, given back, cancelled)."""

from __future__ import annotations

import threading

import pytest

from console.jobs import walk
from console.jobs.models import Job, Status

from .conftest import guest_identities
from .sync_helpers import finish, live_ids, start

# The walk's second connection sees only committed rows: these tests commit theirs.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ahead(monkeypatch) -> list[bool]:
    """List ahead on every database (a worker's walk does on PostgreSQL); the pages the walk
    took from the thread (True) or listed itself (False), in order."""
    monkeypatch.setattr(walk, "can_list_ahead", lambda: True)
    taken: list[bool] = []
    original = walk.ListAhead.take

    def take(self, token, **kwargs):
        page = original(self, token, **kwargs)
        taken.append(page is not None)
        return page

    monkeypatch.setattr(walk.ListAhead, "take", take)
    return taken


def walk_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("walk-")]


def test_pages_listed_ahead_are_each_committed_once(cognito, pool_id, admin, ahead, calls):
    ids = guest_identities(cognito, pool_id, 250)  # five pages

    job = finish(start(pool_id, admin))

    assert (job.status, job.done, job.cursor["pages"]) == (Status.SUCCEEDED, 250, 5)
    assert live_ids(pool_id) == set(ids)
    # The first page is listed by the step itself; the other four were listed ahead.
    assert ahead == [True] * 4
    assert calls["ListIdentities"] == 5
    assert walk_threads() == []


def test_a_walk_given_back_between_tasks_lists_nothing_for_nobody(cognito, pool_id, admin, ahead, calls):
    ids = guest_identities(cognito, pool_id, 250)
    job = start(pool_id, admin)
    claim = walk.claim_walk(job.pk)
    # A task whose time share ends after its second page: it does not list a third ahead.
    claim.deadline = float("inf")
    assert walk.WALKERS[job.kind](claim) == walk.StepResult.MORE
    claim.deadline = 0.0
    assert walk.WALKERS[job.kind](claim) == walk.StepResult.MORE
    assert claim.ahead is not None
    claim.ahead.close()
    walk.release_walk(claim)
    assert calls["ListIdentities"] == 2

    job = finish(job)

    assert (job.status, job.done, job.cursor["pages"]) == (Status.SUCCEEDED, 250, 5)
    assert live_ids(pool_id) == set(ids)
    assert calls["ListIdentities"] == 5
    assert walk_threads() == []


def test_a_page_listed_ahead_for_a_cancelled_sync_is_not_committed(cognito, pool_id, admin, ahead):
    guest_identities(cognito, pool_id, 250)
    job = start(pool_id, admin)
    claim = walk.claim_walk(job.pk)
    claim.deadline = float("inf")
    walk.WALKERS[job.kind](claim)  # page 1 committed, page 2 being listed ahead
    Job.objects.filter(pk=job.pk).update(status=Status.CANCELLING)
    walk.release_walk(claim)
    claim.ahead.close()

    job = finish(job)

    assert job.status == Status.CANCELLED
    assert (job.done, job.cursor["pages"]) == (60, 1)
    assert len(live_ids(pool_id)) == 60
    assert walk_threads() == []


def test_a_walk_taken_over_while_listing_ahead_commits_nothing_more(cognito, pool_id, admin, ahead):
    ids = guest_identities(cognito, pool_id, 250)
    job = start(pool_id, admin)
    claim = walk.claim_walk(job.pk)
    claim.deadline = float("inf")
    walk.WALKERS[job.kind](claim)
    # The lease expired and another worker took the walk: this holder's next step stops.
    Job.objects.filter(pk=job.pk).update(walk_token=None, walk_lease_until=None)
    with pytest.raises(walk.WalkLost):
        walk.WALKERS[job.kind](claim)
    claim.ahead.close()

    job = finish(job)

    assert (job.status, job.done, job.cursor["pages"]) == (Status.SUCCEEDED, 250, 5)
    assert live_ids(pool_id) == set(ids)
    assert walk_threads() == []
