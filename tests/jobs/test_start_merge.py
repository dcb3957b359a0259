"""Starting a batch merge: a CSV of source,destination developer user ids; bad rows are reported
before anything starts; each pair is one MergeDeveloperIdentities call with its own outcome."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.audit.models import AuditEvent
from console.aws.clients import reset_clients
from console.jobs import membership
from console.jobs.models import CheckStatus, Draft, Item, Job, Outcome, Status
from tests.cognito import FACEBOOK

from .conftest import check_drafts, developer_identity, drive

pytestmark = pytest.mark.django_db

NEW = reverse("jobs:new_merge")


def review(client, pool_id: str, text: str = "", file=None):
    data = {"pool_id": pool_id, "text": text, "review": "1"}
    if file is not None:
        data["file"] = file
    return client.post(NEW, data)


def test_good_and_conflicting_rows_run_each_with_its_own_outcome(as_admin, cognito, pool_id):
    developer_identity(cognito, pool_id, "alice-old")
    alice = developer_identity(cognito, pool_id, "alice")
    developer_identity(cognito, pool_id, "bob-old", **{FACEBOOK: "fb-bob-1"})
    developer_identity(cognito, pool_id, "bob", **{FACEBOOK: "fb-bob-2"})
    csv = "source_user_identifier,destination_user_identifier\nalice-old,alice\nbob-old,bob\nghost,alice\n"
    upload = SimpleUploadedFile("pairs.csv", csv.encode(), content_type="text/csv")

    response = review(as_admin, pool_id, file=upload)
    assert response.status_code == 302
    page = as_admin.get(response.url).content.decode()
    started = as_admin.post(response.url, {"confirmation": "MERGE 2 PAIRS", "reason": "SUP-7 duplicates"})
    job = drive(Job.objects.get())

    # The unknown source is found at the review and left out, not failed inside the job.
    assert "MERGE 2 PAIRS" in page and "alice-old" in page and "Line 4: <code>ghost</code>" in page
    assert started.status_code == 302
    assert (job.kind, job.status, job.done, job.failed) == ("merge", Status.PARTIALLY_FAILED, 1, 1)
    assert job.params == {"developer_provider": "login.example.app"}
    rows = {item.line: item for item in Item.objects.filter(job=job)}
    assert set(rows) == {2, 3}
    assert (rows[2].outcome, rows[2].result) == (Outcome.DONE, alice)
    assert (rows[3].outcome, rows[3].error_code) == (Outcome.FAILED, "ResourceConflictException")
    assert developer_identity(cognito, pool_id, "alice-old") == alice
    merges = AuditEvent.objects.filter(operation="MergeDeveloperIdentities")
    assert merges.count() == 2 and {event.reason for event in merges} == {"SUP-7 duplicates"}
    assert {event.actor for event in merges} == {f"jobs:{job.pk}"}


def test_malformed_rows_are_reported_by_line_before_anything_starts(as_admin, pool_id):
    text = "\n".join(
        [
            "a,b",
            "only-one-column",
            "c,d,e",
            "f,f",
            ",g",
            "a,h",
            "b,i",
            "j," + "k" * 1025,
        ]
    )

    response = review(as_admin, pool_id, text)

    html = response.content.decode()
    assert "Line 2: expected 2 columns (source, destination), found 1." in html
    assert "Line 3: expected 2 columns (source, destination), found 3." in html
    assert "Line 4: “f” cannot be merged into itself." in html
    assert "Line 5: the source and the destination must both be given." in html
    assert "Line 6: “a” is already the source of line 1." in html
    assert "Line 7: “b” is the destination of line 1: chains depend on order" in html
    assert "Line 8: a developer user identifier has at most 1024 characters." in html
    assert "Line 1:" not in html
    assert not Draft.objects.exists() and not Job.objects.exists()


def test_duplicate_rows_are_dropped_and_trailing_empty_cells_forgiven(as_admin, cognito, pool_id):
    developer_identity(cognito, pool_id, "a")
    developer_identity(cognito, pool_id, "c")

    response = review(as_admin, pool_id, "a,b,,\na,b\nc,b\n")

    assert response.status_code == 302
    draft = Draft.objects.get()
    assert draft.targets == [[1, "a", "b"], [3, "c", "b"]]
    assert draft.notes == ["1 duplicate row removed: 2."]


def test_a_pool_without_a_developer_provider_cannot_merge(as_admin, cognito):
    pool_id = cognito.create_identity_pool(IdentityPoolName="guests", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]

    response = review(as_admin, pool_id, "a,b\n")

    assert "has no developer provider: only developer users can be merged." in response.content.decode()


def test_a_text_file_is_not_a_csv(as_admin, pool_id):
    upload = SimpleUploadedFile("pairs.txt", b"a,b\n", content_type="text/plain")

    response = review(as_admin, pool_id, file=upload)

    assert "Upload a .csv file; “pairs.txt” is not one." in response.content.decode()


def test_one_pair_is_confirmed_in_the_singular(as_admin, cognito, pool_id):
    developer_identity(cognito, pool_id, "a")

    response = review(as_admin, pool_id, "a,b\n")

    assert "MERGE 1 PAIR<" in as_admin.get(response.url).content.decode()


def test_a_line_longer_than_any_pair_is_that_lines_problem(as_admin, pool_id):
    # 140 KB in one line broke the csv module's field limit: a server error.
    upload = SimpleUploadedFile("pairs.csv", f"a,b\nc,{'d' * 140_000}\n".encode(), content_type="text/csv")

    response = review(as_admin, pool_id, file=upload)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: 140,002 characters, longer than any entry can be (at most 16,384)." in html
    assert not Draft.objects.exists() and not Job.objects.exists()


# ---------------------------------------------------------------------------------------
# The sources are checked against the pool before the typed confirmation


def test_when_no_source_exists_the_review_says_so_and_nothing_can_start(as_admin, pool_id):
    response = review(as_admin, pool_id, "ghost,alice\nphantom,alice\n")

    page = as_admin.get(response.url).content.decode()
    posted = as_admin.post(response.url, {"confirmation": "MERGE 0 PAIRS", "reason": "SUP-8"}, follow=True)

    assert "No pair is left to merge: no source developer user exists in the pool." in page
    assert "Line 1: <code>ghost</code>" in page and "Line 2: <code>phantom</code>" in page
    assert 'data-testid="confirm-form"' not in page
    assert "No pair is left to merge: nothing was started." in posted.content.decode()
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(operation="MergeDeveloperIdentities").exists()


def test_discard_and_fix_the_list_goes_back_to_the_input_and_starts_nothing(as_admin, cognito, pool_id):
    developer_identity(cognito, pool_id, "alice")
    response = review(as_admin, pool_id, "alice,bob\nghost,bob\n")
    page = as_admin.get(response.url).content.decode()

    back = as_admin.post(response.url, {"discard": "1"})

    assert "Either confirm below to merge the other 1 pair without them, or fix the list" in page
    assert "Discard and fix the list" in page and "MERGE 1 PAIR<" in page
    assert back.status_code == 302 and back.url.startswith(NEW)
    assert not Draft.objects.exists() and not Job.objects.exists()


def test_a_long_list_is_checked_in_the_background_with_its_progress_shown(as_admin, cognito, pool_id):
    developer_identity(cognito, pool_id, "keep")
    count = membership.INLINE_SOURCES + 2
    text = "\n".join(["keep,dest", *(f"ghost-{n},dest" for n in range(1, count))])

    response = review(as_admin, pool_id, text)
    checking = as_admin.get(response.url).content.decode()
    fragment = as_admin.get(response.url, HTTP_HX_REQUEST="true")
    early = as_admin.post(response.url, {"confirmation": "MERGE 1 PAIR", "reason": "SUP-9"}, follow=True)
    [draft] = check_drafts()
    ready = as_admin.get(response.url).content.decode()

    assert "Checking that every source developer user exists in the pool" in checking
    assert f"Checked 0 of {count} sources" in checking
    assert '<meta http-equiv="refresh"' in checking  # without JavaScript the page reloads itself
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "still being checked against the pool: nothing was started." in early.content.decode()
    assert not Job.objects.exists()
    assert draft.targets == [[1, "keep", "dest"]]
    assert f"{count - 1} source developer users do not exist in pool" in ready
    assert f"Line {count}: <code>ghost-{count - 1}</code>" in ready and "MERGE 1 PAIR<" in ready


def test_a_source_check_that_fails_shows_the_services_message_until_checked_again(
    as_admin, settings, cognito, pool_id
):
    users = [f"user-{n}" for n in range(membership.INLINE_SOURCES + 1)]
    for user in users:
        developer_identity(cognito, pool_id, user)
    response = review(as_admin, pool_id, "\n".join(f"{user},dest" for user in users))
    settings.COGNITO_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
    reset_clients()

    [draft] = check_drafts()
    page = as_admin.get(response.url).content.decode()
    typed = f"MERGE {len(users)} PAIRS"
    refused = as_admin.post(response.url, {"confirmation": typed, "reason": "SUP-10"})
    started_after_error = Job.objects.exists()
    settings.COGNITO_ENDPOINT = "local"
    reset_clients()
    as_admin.post(response.url, {"check_again": "1"})
    [rechecked] = check_drafts()

    assert draft.check_status == CheckStatus.FAILED
    assert "The check of the source developer users stopped: nothing can start" in page
    assert "LookupDeveloperIdentity for line 1 (user-0) answered EndpointUnavailable" in page
    assert refused.status_code == 302 and not started_after_error
    assert (rechecked.check_status, rechecked.count) == (CheckStatus.READY, len(users))
    assert as_admin.post(response.url, {"confirmation": typed, "reason": "SUP-10"}).status_code == 302
    assert Job.objects.get().total == len(users)


def test_support_may_not_review_a_merge(as_support, pool_id):
    assert review(as_support, pool_id, "a,b\n").status_code == 403
    assert not Draft.objects.exists()
