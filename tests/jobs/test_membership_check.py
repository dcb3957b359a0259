"""A bulk delete's ids are checked against the pool before it can be confirmed: ids of another pool
of the same region are refused by line, ids that do not exist are left out, and the check runs in
a task (progress on the review page), resumes where it stopped, and survives throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.aws import limiter
from console.aws.clients import reset_clients
from console.jobs import membership, reconcile
from console.jobs.models import CheckStatus, Draft, Item, Job, Status

from .conftest import REASON, check_drafts, developer_identity, drive, guest_identities, pool_identities

pytestmark = pytest.mark.django_db

NEW = reverse("jobs:new_delete")
UNKNOWN = "us-east-1:0a1b2c3d-0000-4000-8000-00000000beef"


def review(client, pool_id: str, text: str):
    return client.post(NEW, {"pool_id": pool_id, "text": text, "review": "1"})


def confirm_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.url


def confirm(client, url: str, typed: str):
    return client.post(url, {"confirmation": typed, "reason": REASON})


@pytest.fixture
def other_pool(make_pool) -> str:
    """Another pool of the same region."""
    return make_pool("neighbour")


def test_a_pasted_list_is_checked_and_only_the_pools_identities_are_deleted(
    as_admin, cognito, pool_id, other_pool
):
    mine = [*guest_identities(cognito, pool_id, 2), developer_identity(cognito, pool_id, "dev-1")]
    theirs = guest_identities(cognito, other_pool, 1)[0]
    malformed = review(as_admin, pool_id, "\n".join([mine[0], "not-an-id", theirs]))
    assert "Line 2: “not-an-id” is not an identity id" in malformed.content.decode()
    assert not Draft.objects.exists()

    url = confirm_url(review(as_admin, pool_id, "\n".join([mine[0], theirs, mine[1], UNKNOWN, mine[2]])))
    while_checking = as_admin.get(url).content.decode()
    no_start = confirm(as_admin, url, "DELETE 3 IDENTITIES")
    started_while_checking = Job.objects.exists()
    check_drafts()
    page = as_admin.get(url).content.decode()
    started = confirm(as_admin, url, "DELETE 3 IDENTITIES")

    assert "Checked 0 of 5 ids" in while_checking and "DELETE" not in while_checking
    assert no_start.status_code == 302 and not started_while_checking
    assert f"Line 2: {theirs} belongs to another identity pool, not {pool_id}." in page
    assert f"Line 4: {UNKNOWN}" in page and "not exist (already deleted)" in page
    assert "DELETE 3 IDENTITIES" in page
    job = Job.objects.get()
    assert started.url == reverse("jobs:detail", args=[job.pk])
    assert list(Item.objects.filter(job=job).values_list("line", "target")) == [
        (1, mine[0]),
        (3, mine[1]),
        (5, mine[2]),
    ]
    assert drive(job).status == Status.SUCCEEDED
    assert pool_identities(cognito, pool_id) == []
    assert pool_identities(cognito, other_pool) == [theirs]


def test_the_identity_browsers_selection_with_another_pools_id_is_refused_by_the_check(
    as_admin, cognito, pool_id, other_pool
):
    mine = guest_identities(cognito, pool_id, 1)[0]
    theirs = guest_identities(cognito, other_pool, 1)[0]
    # A selection posted with a foreign id added (a tampered form): it only fills the form in.
    filled = as_admin.post(NEW, {"pool_id": pool_id, "identity_ids": [mine, theirs]})
    assert not Draft.objects.exists()

    url = confirm_url(review(as_admin, pool_id, filled.context["form"].initial["text"]))
    (draft,) = check_drafts()
    page = as_admin.get(url).content.decode()

    assert draft.targets == [[1, mine, ""]]
    assert draft.refused == [[2, theirs, f"belongs to another identity pool, not {pool_id}."]]
    assert f"Line 2: {theirs} belongs to another identity pool" in page
    assert "DELETE 1 IDENTITY" in page


def test_when_every_id_is_refused_the_page_says_so_and_offers_no_start(
    as_admin, cognito, pool_id, other_pool
):
    theirs = guest_identities(cognito, other_pool, 2)
    url = confirm_url(review(as_admin, pool_id, "\n".join([*theirs, UNKNOWN])))
    check_drafts()

    page = as_admin.get(url).content.decode()
    response = confirm(as_admin, url, "DELETE 0 IDENTITIES")

    assert "No id is left to delete" in page
    assert 'data-testid="confirm-form"' not in page
    assert response.status_code == 302 and not Job.objects.exists()
    assert sorted(pool_identities(cognito, other_pool)) == sorted(theirs)


def test_the_review_polls_while_the_ids_are_checked_and_stops_once_they_are(as_admin, cognito, pool_id):
    url = confirm_url(review(as_admin, pool_id, "\n".join(guest_identities(cognito, pool_id, 2))))

    page = as_admin.get(url).content.decode()
    polled = as_admin.get(url, headers={"HX-Request": "true"})
    check_drafts()
    last = as_admin.get(url, headers={"HX-Request": "true"})

    assert 'http-equiv="refresh"' in page and f'href="{url}">reload</a>' in page
    assert polled.status_code == 200 and 'hx-trigger="every 2s"' in polled.content.decode()
    assert "<html" not in polled.content.decode()
    assert last.status_code == 286
    assert "hx-trigger" not in last.content.decode() and "DELETE 2 IDENTITIES" in last.content.decode()
    assert 'http-equiv="refresh"' not in as_admin.get(url).content.decode()


def test_a_check_that_fails_shows_the_services_message_and_cannot_be_confirmed_until_checked_again(
    as_admin, settings, cognito, pool_id
):
    ids = guest_identities(cognito, pool_id, 2)
    url = confirm_url(review(as_admin, pool_id, "\n".join(ids)))
    settings.COGNITO_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
    reset_clients()

    (draft,) = check_drafts()
    page = as_admin.get(url).content.decode()
    refused = confirm(as_admin, url, "DELETE 2 IDENTITIES")
    started_after_error = Job.objects.exists()
    settings.COGNITO_ENDPOINT = "local"
    reset_clients()
    again = as_admin.post(url, {"check_again": "1"})
    (rechecked,) = check_drafts()

    assert (draft.check_status, draft.check_error_code) == (CheckStatus.FAILED, "EndpointUnavailable")
    assert f"LookupDeveloperIdentity for line 1 ({ids[0]}) answered EndpointUnavailable" in page
    assert "check COGNITO_ENDPOINT and the network" in page and "Check again" in page
    assert refused.status_code == 302 and not started_after_error
    assert again.status_code == 302
    assert (rechecked.check_status, rechecked.count) == (CheckStatus.READY, 2)
    assert confirm(as_admin, url, "DELETE 2 IDENTITIES").status_code == 302
    assert Job.objects.get().total == 2


def test_a_draft_can_be_discarded_while_it_is_checked(as_admin, cognito, pool_id):
    url = confirm_url(review(as_admin, pool_id, guest_identities(cognito, pool_id, 1)[0]))
    draft = Draft.objects.get()

    response = as_admin.post(url, {"discard": "1"})

    assert response.status_code == 302 and response.url.startswith(NEW)
    assert not Draft.objects.exists()
    assert membership.run_check(draft.pk) == "nothing to do"


def test_the_check_resumes_from_its_committed_position_without_asking_again(
    as_admin, cognito, pool_id, other_pool, monkeypatch
):
    monkeypatch.setattr(membership, "CHECK_BATCH", 2)
    mine = guest_identities(cognito, pool_id, 3)
    theirs = guest_identities(cognito, other_pool, 1)[0]
    confirm_url(review(as_admin, pool_id, "\n".join([mine[0], mine[1], theirs, mine[2]])))
    draft = Draft.objects.get()

    # One batch is committed, then the worker dies.
    assert membership.advance(draft, membership.Clock()) is True
    # Had the check asked about the first two ids again, this one would now be missing.
    cognito.delete_identities(IdentityIdsToDelete=[mine[0]])
    resent: list[int] = []
    fresh = reconcile.reconcile(send=lambda *_: None, send_check=resent.append)
    later = timezone.now() + timedelta(seconds=membership.stall_seconds() + 1)
    stalled = reconcile.reconcile(now=later, send=lambda *_: None, send_check=resent.append)
    outcome = membership.run_check(draft.pk)

    draft.refresh_from_db()
    assert (fresh.checks_resent, stalled.checks_resent, resent) == (0, 1, [draft.pk])
    assert outcome == "ready"
    assert draft.missing == []
    assert draft.refused == [[3, theirs, f"belongs to another identity pool, not {pool_id}."]]
    assert draft.targets == [[1, mine[0], ""], [2, mine[1], ""], [4, mine[2], ""]]


def test_a_task_whose_position_was_taken_by_another_commits_nothing(cognito, as_admin, pool_id, monkeypatch):
    monkeypatch.setattr(membership, "CHECK_BATCH", 1)
    confirm_url(review(as_admin, pool_id, "\n".join(guest_identities(cognito, pool_id, 2))))
    first, late = Draft.objects.get(), Draft.objects.get()

    assert membership.advance(first, membership.Clock()) is True
    assert membership.advance(late, membership.Clock()) is False

    assert Draft.objects.get().checked == 1


def test_a_task_out_of_time_sends_the_check_again(as_admin, cognito, pool_id):
    confirm_url(review(as_admin, pool_id, guest_identities(cognito, pool_id, 1)[0]))
    draft = Draft.objects.get()
    sent: list[int] = []

    assert membership.run_check(draft.pk, seconds=0, send=sent.append) == "continues"

    assert sent == [draft.pk]
    assert Draft.objects.get().check_status == CheckStatus.CHECKING


def test_throttled_lookups_are_retried_and_refuse_no_id_wrongly(
    as_admin, settings, redis_db, cognito, pool_id, other_pool
):
    mine = guest_identities(cognito, pool_id, 6)
    theirs = guest_identities(cognito, other_pool, 1)[0]
    confirm_url(review(as_admin, pool_id, "\n".join([*mine[:3], theirs, UNKNOWN, *mine[3:]])))
    settings.EMULATOR_QUOTAS = True
    settings.EMULATOR_QUOTA_OVERRIDES = {"LookupDeveloperIdentity": 2, "DescribeIdentity": 1}
    settings.COGNITO_RATE_LIMITER = True  # at its default of 5 LookupDeveloperIdentity a second
    limiter.reset()

    (draft,) = check_drafts()

    assert draft.check_status == CheckStatus.READY
    assert draft.check_throttled > 0
    assert [target for _, target, _ in draft.targets] == mine
    assert draft.refused == [[4, theirs, f"belongs to another identity pool, not {pool_id}."]]
    assert draft.missing == [[5, UNKNOWN]]


def test_drafts_are_kept_while_checked_and_an_hour_after(admin, pool_id):
    now = timezone.now()
    checking = Draft.objects.create(
        kind="delete", pool_id=pool_id, created_by=admin, created_at=now - timedelta(hours=5),
        check_status=CheckStatus.CHECKING, check_moved_at=now, checked_at=None,
    )  # fmt: skip
    recent = Draft.objects.create(
        kind="delete", pool_id=pool_id, created_by=admin, created_at=now - timedelta(hours=5),
        checked_at=now - timedelta(minutes=10),
    )  # fmt: skip
    Draft.objects.create(kind="merge", pool_id=pool_id, created_by=admin, checked_at=now - timedelta(hours=2))

    reconcile.reconcile(now=now, send=lambda *_: None, send_check=lambda _: None)

    assert set(Draft.objects.values_list("pk", flat=True)) == {checking.pk, recent.pk}


@pytest.mark.django_db(transaction=True)
def test_several_ids_are_asked_at_once_in_threads(settings, admin, cognito, pool_id, other_pool):
    settings.LOOKUP_WORKERS = 4
    mine = guest_identities(cognito, pool_id, 7)
    theirs = guest_identities(cognito, other_pool, 2)
    entries = list(enumerate([*mine[:4], theirs[0], *mine[4:], theirs[1]], start=1))

    found = membership.check_entries(pool_id, entries)

    assert found.refused == [
        [5, theirs[0], f"belongs to another identity pool, not {pool_id}."],
        [9, theirs[1], f"belongs to another identity pool, not {pool_id}."],
    ]
    assert found.missing == []
