"""Starting a bulk delete: the ids pasted, uploaded or selected; checked line by line; then the
password recently, the typed count and a reason; then the job."""

from __future__ import annotations

import os
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from console.audit.models import AuditEvent
from console.jobs.models import Draft, Item, Job, Status
from console.safeguards.reauth import PASSWORD_AT

from .conftest import REASON, check_drafts, drive, guest_identities, pool_identities

pytestmark = pytest.mark.django_db

NEW = reverse("jobs:new_delete")
OTHER_REGION_ID = "eu-west-1:0a1b2c3d-0000-4000-8000-000000000001"


def review(client, pool_id: str, text: str = "", file=None):
    data = {"pool_id": pool_id, "text": text, "review": "1"}
    if file is not None:
        data["file"] = file
    return client.post(NEW, data)


def confirm_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.url


def confirm(client, url: str, typed: str, reason: str = REASON):
    return client.post(url, {"confirmation": typed, "reason": reason})


def test_the_form_offers_a_text_box_and_a_file_with_the_pool_from_the_query(as_admin, pool_id):
    html = as_admin.get(NEW, {"pool": pool_id}).content.decode()

    assert f'value="{pool_id}"' in html
    assert 'type="file"' in html and "<textarea" in html
    assert 'enctype="multipart/form-data"' in html


def test_support_and_viewers_cannot_start_jobs(as_support, as_viewer, pool_id):
    assert as_support.get(NEW).status_code == 403
    assert as_viewer.post(NEW, {"pool_id": pool_id, "text": "x", "review": "1"}).status_code == 403


def test_pasted_ids_are_reviewed_then_confirmed_by_their_count_and_start_a_job(
    as_admin, admin, cognito, pool_id
):
    ids = guest_identities(cognito, pool_id, 3)

    url = confirm_url(review(as_admin, pool_id, "\n".join(ids)))
    check_drafts()
    page = as_admin.get(url).content.decode()
    response = confirm(as_admin, url, "DELETE 3 IDENTITIES")

    assert "DELETE 3 IDENTITIES" in page and ids[0] in page
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.pool_id, job.total, job.reason, job.created_by) == (
        "delete",
        pool_id,
        3,
        REASON,
        admin,
    )
    assert list(Item.objects.filter(job=job).values_list("target", flat=True)) == ids
    start = AuditEvent.objects.get(operation="job.start")
    assert (start.actor, start.reason, start.pool_id) == (admin.username, REASON, pool_id)
    assert not Draft.objects.exists()
    assert drive(job).status == Status.SUCCEEDED
    assert pool_identities(cognito, pool_id) == []


def test_bad_lines_are_reported_by_number_and_nothing_starts(as_admin, cognito, pool_id):
    good = guest_identities(cognito, pool_id, 1)[0]
    text = f"{good}\nnot-an-id\n\n{OTHER_REGION_ID}\nus-east-1:ABC\n"

    response = review(as_admin, pool_id, text)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: “not-an-id” is not an identity id" in html
    assert f"Line 4: {OTHER_REGION_ID} is an identity of region eu-west-1, so not of pool {pool_id}." in html
    assert "Line 5:" in html
    assert "Line 1:" not in html and "Line 3:" not in html
    assert not Draft.objects.exists() and not Job.objects.exists()
    assert good in html  # the text box keeps what was typed


def test_duplicates_are_removed_and_said_so(as_admin, cognito, pool_id):
    first, second = guest_identities(cognito, pool_id, 2)

    url = confirm_url(review(as_admin, pool_id, f"{first}\n{second}\n{first}\n{first}\n"))
    check_drafts()

    page = as_admin.get(url).content.decode()
    notes, danger = _notes_and_danger_box(page)
    assert "2 duplicate lines removed: 3, 4." in notes
    assert "duplicate" not in danger
    assert "2 identities of pool" in danger and "will be deleted" in danger
    assert "DELETE 2 IDENTITIES" in page


def test_one_duplicate_is_one_line_removed(as_admin, cognito, pool_id):
    (only,) = guest_identities(cognito, pool_id, 1)

    url = confirm_url(review(as_admin, pool_id, f"{only}\n{only}\n"))
    check_drafts()

    notes, danger = _notes_and_danger_box(as_admin.get(url).content.decode())
    assert "1 duplicate line removed: 2." in notes
    assert "1 identity of pool" in danger and "will be deleted" in danger
    assert "(s)" not in notes + danger


def _notes_and_danger_box(page: str) -> tuple[str, str]:
    """The notes above the confirmation's red box, and the box: only what cannot be undone."""
    notes = re.search(r'<ul class="confirm-notes" data-testid="confirm-notes">(.*?)</ul>', page, re.S)
    danger = re.search(r'<div class="danger-zone">(.*?)</div>', page, re.S)
    assert notes and danger
    assert page.index(notes[0]) < page.index(danger[0])
    return notes[1], danger[1]


def test_an_uploaded_text_file_is_read(as_admin, cognito, pool_id):
    ids = guest_identities(cognito, pool_id, 2)
    upload = SimpleUploadedFile("ids.txt", ("\n".join(ids) + "\n").encode(), content_type="text/plain")

    url = confirm_url(review(as_admin, pool_id, file=upload))

    assert Draft.objects.get().targets == [[1, ids[0], ""], [2, ids[1], ""]]
    check_drafts()
    assert "DELETE 2 IDENTITIES" in as_admin.get(url).content.decode()


def test_an_uploaded_csv_gives_its_first_column_and_skips_its_header(as_admin, cognito, pool_id):
    ids = guest_identities(cognito, pool_id, 2)
    body = "identity_id,note\n" + "".join(f'"{identity}",user {n}\n' for n, identity in enumerate(ids))
    upload = SimpleUploadedFile("export.csv", body.encode("utf-8-sig"), content_type="text/csv")

    confirm_url(review(as_admin, pool_id, file=upload))

    assert Draft.objects.get().targets == [[2, ids[0], ""], [3, ids[1], ""]]


def test_the_upload_validator_refuses_what_is_not_text(as_admin, pool_id):
    upload = SimpleUploadedFile(
        "ids.xlsx", b"PK\x03\x04\x00\x00binary", content_type="application/vnd.ms-excel"
    )

    response = review(as_admin, pool_id, file=upload)

    assert response.status_code == 200
    assert "Upload a .txt or .csv file; “ids.xlsx” is not one." in response.content.decode()
    assert not Draft.objects.exists()


def test_pasting_and_uploading_together_is_refused(as_admin, pool_id):
    upload = SimpleUploadedFile("ids.txt", b"x\n", content_type="text/plain")

    response = review(as_admin, pool_id, "something", file=upload)

    assert "Paste the list or upload a file, not both." in response.content.decode()


def test_an_unknown_pool_is_reported(as_admin):
    missing = "us-east-1:0a1b2c3d-0000-4000-8000-00000000dead"

    response = review(as_admin, missing, "us-east-1:0a1b2c3d-0000-4000-8000-000000000001")

    assert f"Pool {missing}: ResourceNotFoundException" in response.content.decode()


def test_the_identity_browsers_selection_fills_the_form_and_never_starts_anything(as_admin, cognito, pool_id):
    ids = guest_identities(cognito, pool_id, 2)

    response = as_admin.post(
        NEW, {"pool_id": pool_id, "identity_ids": ids, "confirmation": "DELETE 2 IDENTITIES"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{pool_id}"' in html
    assert re.search(rf"<textarea[^>]*>\s*{re.escape(ids[0])}\n{re.escape(ids[1])}</textarea>", html)
    assert not Draft.objects.exists() and not Job.objects.exists()


def test_the_selection_may_also_name_its_ids_identity_id(as_admin, cognito, pool_id):
    ids = guest_identities(cognito, pool_id, 1)

    html = as_admin.post(NEW, {"pool_id": pool_id, "identity_id": ids}).content.decode()

    assert ids[0] in html


def test_a_wrong_confirmation_starts_nothing_and_says_what_to_type(as_admin, cognito, pool_id):
    ids = guest_identities(cognito, pool_id, 2)
    url = confirm_url(review(as_admin, pool_id, "\n".join(ids)))
    check_drafts()

    response = confirm(as_admin, url, "DELETE 3 IDENTITIES")

    assert response.status_code == 200
    assert "Type “DELETE 2 IDENTITIES” exactly" in response.content.decode()
    assert not Job.objects.exists()


def test_a_reason_is_required(as_admin, cognito, pool_id):
    url = confirm_url(review(as_admin, pool_id, guest_identities(cognito, pool_id, 1)[0]))
    check_drafts()

    response = confirm(as_admin, url, "DELETE 1 IDENTITY", reason="  ")

    assert "Say why" in response.content.decode()
    assert not Job.objects.exists()


def test_the_confirmation_asks_for_the_password_when_it_was_typed_long_ago(as_admin, cognito, pool_id):
    url = confirm_url(review(as_admin, pool_id, guest_identities(cognito, pool_id, 1)[0]))
    session = as_admin.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()

    page = as_admin.get(url)
    post = confirm(as_admin, url, "DELETE 1 IDENTITY")

    assert page.status_code == post.status_code == 302
    assert page.url.startswith(reverse("reauth")) and post.url.startswith(reverse("reauth"))
    assert not Job.objects.exists()


def test_someone_elses_check_cannot_be_confirmed(as_admin, cognito, pool_id, django_user_model):
    url = confirm_url(review(as_admin, pool_id, guest_identities(cognito, pool_id, 1)[0]))
    other = django_user_model.objects.create_superuser("other-admin", password="x" * 20)
    as_admin.force_login(other)

    response = confirm(as_admin, url, "DELETE 1 IDENTITY")

    assert response.status_code == 302 and response.url == reverse("jobs:list")
    assert not Job.objects.exists()


def test_confirming_twice_starts_one_job(as_admin, cognito, pool_id):
    url = confirm_url(review(as_admin, pool_id, guest_identities(cognito, pool_id, 1)[0]))
    check_drafts()

    confirm(as_admin, url, "DELETE 1 IDENTITY")
    again = confirm(as_admin, url, "DELETE 1 IDENTITY")

    assert again.url == reverse("jobs:list")
    assert Job.objects.count() == 1


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def peak_memory_of(call):
    """What `call` returns, and the most memory it held above what the process held before (bytes).

    On Linux the process's peak resident size is reset first (clear_refs) and read after:
    cheap and whole (C allocations included). Elsewhere tracemalloc's peak, many times slower.
    """
    clear_refs = Path("/proc/self/clear_refs")
    if clear_refs.exists() and os.access(clear_refs, os.W_OK):
        before = _status_kib("VmRSS")
        clear_refs.write_text("5")  # 5: reset the peak resident size to the current one
        result = call()
        return result, (_status_kib("VmHWM") - before) * 1024
    tracemalloc.start()
    try:
        return call(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_line_longer_than_any_entry_is_that_lines_problem(as_admin, cognito, pool_id):
    # 140 KB in one line broke the csv module's field limit: a server error.
    good = guest_identities(cognito, pool_id, 1)[0]
    upload = SimpleUploadedFile("ids.csv", f"{good}\n{'a' * 140_000}\n".encode(), content_type="text/csv")

    response = review(as_admin, pool_id, file=upload)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: 140,000 characters, longer than any entry can be (at most 16,384)." in html
    assert not Draft.objects.exists() and not Job.objects.exists()


def test_ten_mib_of_junk_lines_is_counted_in_bounded_memory_and_shows_the_first_problems(
    as_admin, pool_id, settings
):
    # 5,242,880 one-character lines: every line a problem, but only the first ones are kept.
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    upload = SimpleUploadedFile("junk.txt", b"x\n" * (5 * 1024 * 1024), content_type="text/plain")

    response, peak = peak_memory_of(lambda: review(as_admin, pool_id, file=upload))

    html = response.content.decode()
    assert response.status_code == 200
    assert peak < 200 * 1024 * 1024, f"peak {peak / 1024 / 1024:.0f} MiB"
    assert html.count("” is not an identity id (REGION:UUID).") == 20
    assert "Line 20: “x”" in html and "Line 21:" not in html
    assert "… and 5,242,860 more." in html
    assert not Draft.objects.exists()
