"""Prune: the dry run counts, the real run deletes what the dry run matched and still matches.

Walks run in this process (walk.run_walk), chunks with `drive`; nothing goes through a broker.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from console.audit.models import AuditEvent
from console.emulator.models import Identity
from console.jobs import broker, prune, runner, walk
from console.jobs.models import Chunk, Item, Job, Kind, Outcome, Status, WalkMark, WalkState
from tests.cognito import DEVELOPER

from .conftest import REASON, developer_identity, drive, guest_identities, pool_identities

pytestmark = pytest.mark.django_db

OLD = dt.datetime(2020, 5, 1, 12, 0, tzinfo=dt.UTC)
CUTOFF = dt.date(2021, 1, 1)
UNAUTHENTICATED = prune.Filters(unauthenticated=True)


def no_walk(job_id: int) -> None:
    """A `send` for walks that sends nothing: the tests run walks themselves."""


def walk_to_the_end(job: Job) -> Job:
    """Run the job's walk in this process until it has listed the whole pool."""
    for _ in range(1000):
        job.refresh_from_db()
        if job.walk_state != WalkState.LISTING:
            break
        walk.run_walk(job.pk, send=no_walk)
    job.refresh_from_db()
    return job


def dry_run(pool_id: str, filters: prune.Filters, user) -> Job:
    return walk_to_the_end(prune.start_dry_run(pool_id, filters, user=user, reason=REASON, send=no_walk))


def real_run(dry: Job, user) -> Job:
    job = walk_to_the_end(prune.start_real_run(dry, user=user, reason=REASON, send=no_walk))
    return drive(job)


def backdate(ids: list[str], created: dt.datetime = OLD, modified: dt.datetime | None = None) -> None:
    Identity.objects.filter(identity_id__in=ids).update(created_at=created, modified_at=modified or created)


def ledger(job: Job) -> Counter[str]:
    return Counter(Item.objects.filter(job=job).values_list("outcome", flat=True))


def matched(job: Job) -> list[str]:
    return list(Item.objects.filter(job=job).order_by("line").values_list("target", flat=True))


def deleted_by(job: Job) -> set[str]:
    return set(Item.objects.filter(job=job, outcome=Outcome.DONE).values_list("target", flat=True))


def test_a_dry_run_counts_the_matches_in_listing_order_and_deletes_nothing(cognito, pool_id, admin):
    guests = guest_identities(cognito, pool_id, 3)
    signed_in = developer_identity(cognito, pool_id, "ann")
    guests += guest_identities(cognito, pool_id, 2)

    job = dry_run(pool_id, UNAUTHENTICATED, admin)

    assert (job.status, job.total, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, 5, 5, 0, 0)
    assert matched(job) == guests
    items = Item.objects.filter(job=job)
    assert not items.filter(chunk__isnull=False).exists() and not items.exclude(outcome=Outcome.DONE).exists()
    assert list(items.order_by("line").values_list("line", flat=True)) == [1, 2, 3, 5, 6]
    assert "logins: none" in items.first().message
    assert job.params["filters"] == UNAUTHENTICATED.to_dict()
    assert (job.cursor["listed"], job.cursor["pages"]) == (6, 1)
    assert sorted(pool_identities(cognito, pool_id)) == sorted([*guests, signed_in])
    start = AuditEvent.objects.get(operation="job.start")
    assert start.request["filter"] == "Identities that have no linked logins (guests)"


def test_the_real_run_deletes_what_the_dry_run_counted_on_a_pool_that_does_not_change(
    cognito, pool_id, admin
):
    guests = guest_identities(cognito, pool_id, 130)  # three pages
    keep = [developer_identity(cognito, pool_id, f"user-{n}") for n in range(5)]
    dry = dry_run(pool_id, UNAUTHENTICATED, admin)

    job = real_run(dry, admin)

    assert (job.status, job.total, job.done, job.failed, job.skipped) == (Status.SUCCEEDED, 130, 130, 0, 0)
    assert deleted_by(job) == set(guests)
    assert sorted(pool_identities(cognito, pool_id)) == sorted(keep)
    assert Chunk.objects.filter(job=job).count() == 3  # one per page with matches
    assert job.cursor["new_matches"] == 0
    calls = AuditEvent.objects.filter(operation="DeleteIdentities", actor=f"jobs:{job.pk}")
    assert (
        sum(len(request["IdentityIdsToDelete"]) for request in calls.values_list("request", flat=True)) == 130
    )
    starts = AuditEvent.objects.filter(operation="job.start").order_by("id")
    assert [event.request.get("dry_run") for event in starts] == [None, dry.pk]


def test_identities_changed_since_the_dry_run_survive_and_are_skipped_with_the_reason(
    cognito, pool_id, admin
):
    guests = guest_identities(cognito, pool_id, 6)
    backdate(guests)
    filters = prune.Filters(unauthenticated=True, modified_before=CUTOFF)
    dry = dry_run(pool_id, filters, admin)
    assert dry.total == 6
    signed_in, touched, vanished = guests[0], guests[1], guests[2]
    # A login linked to one guest; another linked and unlinked again (a guest still, but its
    # LastModifiedDate moved); one deleted.
    cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, IdentityId=signed_in, Logins={DEVELOPER: "linked-later"}
    )
    cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, IdentityId=touched, Logins={DEVELOPER: "briefly"}
    )
    cognito.unlink_developer_identity(
        IdentityId=touched,
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="briefly",
    )
    cognito.delete_identities(IdentityIdsToDelete=[vanished])
    newcomer = guest_identities(cognito, pool_id, 1)[0]
    backdate([newcomer])

    job = real_run(dry, admin)

    assert (job.status, job.total, job.done, job.skipped) == (Status.SUCCEEDED, 6, 3, 3)
    assert deleted_by(job) == set(guests[3:])
    assert set(pool_identities(cognito, pool_id)) >= {signed_in, touched, newcomer}
    reasons = dict(Item.objects.filter(job=job, outcome=Outcome.SKIPPED).values_list("target", "message"))
    assert reasons[signed_in].startswith(
        "Not deleted: changed since the dry run: now has logins login.example.app"
    )
    assert reasons[touched].startswith("Not deleted: changed since the dry run: modified ")
    assert reasons[vanished] == prune.GONE_MESSAGE
    assert job.cursor["new_matches"] == 1  # the newcomer: counted, not deleted
    assert not Item.objects.filter(job=job, target=newcomer).exists()


@pytest.fixture
def assorted(cognito, pool_id):
    """One identity of each sort, named: old and new guests, old and new signed-in users, an old
    disabled identity, and a signed-in user created long ago but used today."""
    named = {
        "guest_old": guest_identities(cognito, pool_id, 1)[0],
        "guest_new": guest_identities(cognito, pool_id, 1)[0],
        "user_old": developer_identity(cognito, pool_id, "old"),
        "user_new": developer_identity(cognito, pool_id, "new"),
        "disabled_old": developer_identity(cognito, pool_id, "gone"),
        "user_used_today": developer_identity(cognito, pool_id, "regular"),
    }
    # Unlinking its only login disables an identity (it stays listed unless HideDisabled).
    cognito.unlink_developer_identity(
        IdentityId=named["disabled_old"],
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="gone",
    )
    assert Identity.objects.get(identity_id=named["disabled_old"]).disabled
    backdate([named[name] for name in ("guest_old", "user_old", "disabled_old")])
    backdate([named["user_used_today"]], created=OLD, modified=timezone.now())
    return named


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (prune.Filters(unauthenticated=True), {"guest_old", "guest_new", "disabled_old"}),
        (prune.Filters(disabled=True), {"disabled_old"}),
        (prune.Filters(modified_before=CUTOFF), {"guest_old", "user_old", "disabled_old"}),
        (prune.Filters(created_before=CUTOFF), {"guest_old", "user_old", "disabled_old", "user_used_today"}),
        (prune.Filters(unauthenticated=True, created_before=CUTOFF), {"guest_old", "disabled_old"}),
        (prune.Filters(disabled=True, unauthenticated=True, modified_before=CUTOFF), {"disabled_old"}),
        (prune.Filters(disabled=True, created_before=dt.date(2019, 1, 1)), set()),
    ],
    ids=["unauthenticated", "disabled", "modified", "created", "guest-and-created", "all-three", "none"],
)
def test_each_filter_and_their_combination(cognito, pool_id, admin, assorted, filters, expected):
    dry = dry_run(pool_id, filters, admin)

    wanted = {assorted[name] for name in expected}
    assert set(matched(dry)) == wanted and dry.total == len(wanted)
    assert not WalkMark.objects.exists()  # the disabled filter's marks are gone with the walk
    if not wanted:
        with pytest.raises(ValueError, match="matched no identity"):
            prune.start_real_run(dry, user=admin, reason=REASON)
        return
    job = real_run(dry, admin)
    assert (job.status, job.done) == (Status.SUCCEEDED, len(wanted))
    assert set(pool_identities(cognito, pool_id)) == set(assorted.values()) - wanted


def step_once(job: Job) -> None:
    claim = walk.claim_walk(job.pk)
    assert claim is not None
    walk.WALKERS[job.kind](claim)
    walk.release_walk(claim)


def test_the_disabled_filter_never_takes_an_identity_created_or_changed_during_the_walk(
    cognito, pool_id, admin, assorted
):
    job = prune.start_dry_run(pool_id, prune.Filters(disabled=True), user=admin, send=no_walk)
    step_once(job)  # the first pass (HideDisabled): one page, every enabled identity marked
    job.refresh_from_db()
    assert job.cursor["pass"] == 2 and WalkMark.objects.filter(job=job).count() == 5
    # Created after the first pass, so never marked; and one disabled after the first pass.
    newcomer = guest_identities(cognito, pool_id, 1)[0]
    cognito.unlink_developer_identity(
        IdentityId=assorted["user_new"],
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="new",
    )

    job = walk_to_the_end(job)

    assert matched(job) == [assorted["disabled_old"]]
    assert newcomer not in matched(job)
    assert not WalkMark.objects.filter(job=job).exists()


def test_listing_and_deleting_are_a_pipeline(
    cognito, pool_id, admin, monkeypatch, django_capture_on_commit_callbacks
):
    guest_identities(cognito, pool_id, 150)  # three pages
    dry = dry_run(pool_id, UNAUTHENTICATED, admin)
    sent: list[tuple[int, int]] = []
    monkeypatch.setattr(broker, "_send_chunk_task", lambda job_id, number: sent.append((job_id, number)))
    job = prune.start_real_run(dry, user=admin, reason=REASON, send=no_walk)

    with django_capture_on_commit_callbacks(execute=True):
        step_once(job)

    job.refresh_from_db()
    assert job.walk_state == WalkState.LISTING and job.cursor["token"]  # pages left to list
    chunk = Chunk.objects.get(job=job)
    assert (chunk.number, chunk.items.count(), chunk.dispatched_at is not None) == (0, 60, True)
    assert sent == [(job.pk, 0)]  # sent to the workers before the next page is listed
    # The chunk runs while the walk goes on; the rest follows.
    runner.run_chunk(job.pk, 0, worker="test", send=lambda *_: None)
    job = drive(walk_to_the_end(job))
    assert (job.status, job.done) == (Status.SUCCEEDED, 150)
    assert list(Chunk.objects.filter(job=job).values_list("number", flat=True)) == [0, 1, 2]


def test_a_prune_cancelled_mid_walk_skips_what_it_did_not_reach(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 150)
    dry = dry_run(pool_id, UNAUTHENTICATED, admin)
    job = prune.start_real_run(dry, user=admin, reason=REASON, send=no_walk)
    step_once(job)
    runner.run_chunk(job.pk, 0, worker="test", send=lambda *_: None)

    assert runner.cancel_job(job.pk, by=admin.username)
    job = drive(walk_to_the_end(job))

    assert (job.status, job.total, job.done, job.skipped) == (Status.CANCELLED, 150, 60, 90)
    assert ledger(job) == Counter({Outcome.DONE: 60, Outcome.SKIPPED: 90})
    assert set(Item.objects.filter(job=job, outcome=Outcome.SKIPPED).values_list("message", flat=True)) == {
        prune.CANCELLED_MESSAGE
    }
    assert len(pool_identities(cognito, pool_id)) == 90


def test_a_walk_whose_worker_died_resumes_from_its_last_committed_page(cognito, pool_id, admin):
    guests = guest_identities(cognito, pool_id, 150)
    dry = dry_run(pool_id, UNAUTHENTICATED, admin)
    job = prune.start_real_run(dry, user=admin, reason=REASON, send=no_walk)
    claim = walk.claim_walk(job.pk)
    walk.WALKERS[Kind.PRUNE](claim)  # page 1 committed, then the worker dies holding the walk
    assert walk.claim_walk(job.pk) is None  # its lease still holds

    later = timezone.now() + dt.timedelta(hours=1)
    assert walk.reconcile_walks(now=later, send=no_walk) == (1, 1)
    job = drive(walk_to_the_end(job))
    with pytest.raises(walk.WalkLost):  # the dead holder's late step counts for nothing
        walk.WALKERS[Kind.PRUNE](claim)

    assert (job.status, job.done, job.skipped) == (Status.SUCCEEDED, 150, 0)
    assert sorted(matched(job)) == sorted(guests)  # each once
    assert job.cursor["pages"] == 3 and Chunk.objects.filter(job=job).count() == 3


def test_a_real_run_needs_a_succeeded_dry_run_with_matches_and_only_one_run(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 2)
    pending = prune.start_dry_run(pool_id, UNAUTHENTICATED, user=admin, send=no_walk)
    with pytest.raises(ValueError, match="has not succeeded"):
        prune.start_real_run(pending, user=admin, reason=REASON)
    dry = walk_to_the_end(pending)
    with pytest.raises(ValueError, match="Say why"):
        prune.start_real_run(dry, user=admin, reason=" ")
    first = prune.start_real_run(dry, user=admin, reason=REASON, send=no_walk)

    with pytest.raises(ValueError, match=f"already run \\(job {first.pk}\\)"):
        prune.start_real_run(dry, user=admin, reason=REASON)
    with pytest.raises(ValueError, match="at least one condition"):
        prune.start_dry_run(pool_id, prune.Filters(), user=admin)
    assert Job.objects.filter(kind=Kind.PRUNE).count() == 1


def test_a_walk_refused_by_the_service_ends_the_job_failed_with_the_reason(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 2)
    job = prune.start_dry_run(pool_id, UNAUTHENTICATED, user=admin, send=no_walk)
    cognito.delete_identity_pool(IdentityPoolId=pool_id)

    job = walk_to_the_end(job)

    assert job.status == Status.FAILED
    assert job.error.startswith("ListIdentities failed: ResourceNotFoundException")
    assert "start a new dry run" in job.error


def test_filters_survive_their_dict_and_read_as_words():
    filters = prune.Filters(unauthenticated=True, disabled=True, modified_before=CUTOFF)

    assert prune.Filters.from_dict(filters.to_dict()) == filters
    assert filters.describe() == (
        "Identities that have no linked logins (guests), are disabled "
        "and were last modified before 2021-01-01 00:00 UTC"
    )
    assert prune.confirmation_text(1) == "PRUNE 1 IDENTITY"
    assert prune.confirmation_text(1234) == "PRUNE 1234 IDENTITIES"
