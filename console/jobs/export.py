"""Exporting every identity of a pool to a file (CSV or JSON Lines), in bounded memory.

An export is a walk job (walk.py) with no chunks: each step lists one ListIdentities page
(and, when asked, each listed developer identity's user ids with LookupDeveloperIdentity),
writes its lines to the job's file at the committed size, flushes and fsyncs, then commits
the walk's new position {token, pages, written, size} together with the job's counters. A
step therefore holds one page in memory, never the pool.

Exactly once: every step first cuts the file back to the committed size, so the lines of a
step that was written but never committed (its worker died in between) are dropped and
written again by whoever holds the walk next. The holder renews its lease just before
writing, so another worker can only take the walk (and write the file) after this one has
stalled for a whole lease (JOB_LEASE_SECONDS) between renewing and committing — the same
assumption the chunk ledger makes about a call in flight. A file shorter than its committed
size was lost (a worker host that does not share JOB_EXPORT_DIR): the export stops with an
error instead of writing a file with a hole in it.

Files live in settings.JOB_EXPORT_DIR, named by job id, readable by the console's user only;
a finished export's file is kept JOB_EXPORT_RETENTION_DAYS days (Job.file_expires_at), then
removed by `expire_files` (Celery beat). A cancelled export keeps its partial file (what it
had committed, labelled partial on the job's page) for as long as a finished one's; a failed
export's file is removed when its walk stops.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from console.audit.export import SafeCsvWriter, safe_cell
from console.audit.record import record_console_action
from console.aws import errors, jobs_calls
from console.inventory.models import PoolState

from . import broker, retrying, walk
from .models import Job, Kind, Status
from .pool import find_pool

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    """An export file format: its file extension and the content type it is downloaded as."""

    name: str
    label: str
    extension: str
    content_type: str


FORMATS = {
    "csv": Format("csv", "CSV (one row per identity, with a header row)", "csv", "text/csv; charset=utf-8"),
    "jsonl": Format("jsonl", "JSON Lines (one JSON object per line)", "jsonl", "application/x-ndjson"),
}

# CSV columns; JSON Lines objects have the same keys, with lists as lists.
COLUMNS = ("identity_id", "login_providers", "creation_date", "last_modified_date")
DEVELOPER_COLUMN = "developer_user_ids"
# Joins a CSV cell's list: provider names never hold whitespace (developer user ids might:
# JSON Lines keeps each as a list item).
LIST_SEPARATOR = " "


class ExportRefused(ValueError):
    """The export cannot start as asked; the message says why, in a sentence."""


# ---------------------------------------------------------------------------------------
# Starting


def start_export(
    pool_id: str,
    file_format: str,
    *,
    user: AbstractBaseUser,
    developer_ids: bool = False,
    reason: str = "",
    send: broker.SendWalk | None = None,
) -> Job:
    """Create the export job and its "job.start" audit event; its walk is sent once committed."""
    if file_format not in FORMATS:
        raise ExportRefused(f"“{file_format}” is not an export format: use {' or '.join(FORMATS)}.")
    pool, problem = find_pool(pool_id)
    if pool is None:
        raise ExportRefused(problem)
    if developer_ids and not pool.developer_provider:
        raise ExportRefused(
            f"Pool {pool.name} ({pool.pool_id}) has no developer provider: its identities have no "
            "developer user ids to export."
        )
    params: dict[str, Any] = {"format": file_format, "developer_ids": developer_ids}
    if developer_ids:
        params["developer_provider"] = pool.developer_provider
    with transaction.atomic():
        job = Job.objects.create(
            kind=Kind.EXPORT,
            pool_id=pool.pool_id,
            region=pool.region,
            params=params,
            created_by=user,
            created_by_name=user.get_username(),
            reason=reason,
        )
        job.file_name = f"export-{job.pk}.{FORMATS[file_format].extension}"
        job.save(update_fields=["file_name"])
        record_console_action(
            "job.start",
            pool_id=pool.pool_id,
            region=pool.region,
            request={"job": job.pk, "kind": Kind.EXPORT, **params},
            reason=reason,
        )
        walk.start_walk(job.pk, send=send)
    return job


def file_path(job: Job) -> Path | None:
    """Where the job's file is (or is being written); None once it was removed."""
    return Path(settings.JOB_EXPORT_DIR) / job.file_name if job.file_name else None


def download_name(job: Job) -> str:
    """The name a browser saves the file as (a cancelled export's says it is partial)."""
    extension = FORMATS[job.params.get("format", "csv")].extension
    pool = job.pool_id.split(":", 1)[-1][:8]
    partial = "-partial" if job.status == Status.CANCELLED else ""
    return f"job-{job.pk}-identities-{pool}{partial}.{extension}"


def content_type(job: Job) -> str:
    return FORMATS[job.params.get("format", "csv")].content_type


# ---------------------------------------------------------------------------------------
# One step of the walk


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def header(job: Job) -> bytes:
    """What the file starts with: the CSV header row (JSON Lines has none)."""
    if job.params.get("format") != "csv":
        return b""
    columns = [*COLUMNS, DEVELOPER_COLUMN] if job.params.get("developer_ids") else list(COLUMNS)
    return _csv_bytes([columns])


def _csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    # Every cell, login provider keys included (a pool may name a provider "=HYPERLINK(…)").
    SafeCsvWriter(text).writerows(rows)
    return text.getvalue().encode()


def lines(job: Job, page: tuple[jobs_calls.Listed, ...], developer: dict[str, list[str]]) -> bytes:
    """The page's identities as the file's lines, in listing order."""
    with_developer_ids = bool(job.params.get("developer_ids"))
    if job.params.get("format") == "csv":
        rows = []
        for listed in page:
            row = [
                listed.identity_id,
                LIST_SEPARATOR.join(listed.logins),
                _when(listed.created),
                _when(listed.modified),
            ]
            if with_developer_ids:
                # Developer user ids are chosen by the app: one starting like a formula is quoted.
                row.append(
                    LIST_SEPARATOR.join(safe_cell(user) for user in developer.get(listed.identity_id, ()))
                )
            rows.append(row)
        return _csv_bytes(rows)
    objects = []
    for listed in page:
        value: dict[str, Any] = {
            "identity_id": listed.identity_id,
            "login_providers": list(listed.logins),
            "creation_date": _when(listed.created) or None,
            "last_modified_date": _when(listed.modified) or None,
        }
        if with_developer_ids:
            value[DEVELOPER_COLUMN] = developer.get(listed.identity_id, [])
        objects.append(json.dumps(value, ensure_ascii=False) + "\n")
    return "".join(objects).encode()


class FileLost(Exception):
    """The file is shorter than its committed size: it was removed, or is on another host."""


def write_at(path: Path, size: int, data: bytes) -> int:
    """Cut the file back to `size` (dropping an uncommitted step's lines), append `data`, flush
    and fsync; the new size. FileLost when the file holds less than `size` bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with open(fd, "r+b") as handle:
        if os.fstat(fd).st_size < size:
            raise FileLost
        handle.truncate(size)
        handle.seek(size)
        handle.write(data)
        handle.flush()
        os.fsync(fd)
    return size + len(data)


def _developer_ids(claim: walk.WalkClaim, page: tuple[jobs_calls.Listed, ...]) -> dict[str, list[str]]:
    """LookupDeveloperIdentity for each listed identity with a developer login (others have none)."""
    provider = claim.job.params.get("developer_provider")
    if not claim.job.params.get("developer_ids") or not provider:
        return {}
    found: dict[str, list[str]] = {}
    for listed in page:
        if provider not in listed.logins:
            continue
        users: list[str] = []
        token = None
        while True:
            more, token = retrying.call_with_retries(
                claim, jobs_calls.developer_user_ids_page, claim.job.pool_id, listed.identity_id, token
            )
            users += more
            if not token:
                break
        found[listed.identity_id] = users
    return found


def step(claim: walk.WalkClaim) -> str:
    """List one page, write its lines at the committed size, commit the new position."""
    job = claim.job
    cursor = claim.cursor
    size = int(cursor.get("size", 0))
    try:
        page, token = retrying.call_with_retries(
            claim, jobs_calls.list_identities_page, job.pool_id, cursor.get("token"), hide_disabled=False
        )
        developer = _developer_ids(claim, page)
    except errors.Unavailable:
        raise  # the endpoint is down: the task fails and the reconciler sends the walk again
    except errors.CognitoError as exc:
        return _stop(claim, _listing_failed(exc, cursor))
    data = (header(job) if size == 0 else b"") + lines(job, page, developer)
    path = file_path(job)
    if path is None:  # removed by a cancel that raced this step
        return _stop(claim, "The export file was removed while the export ran.")
    walk.renew(claim)  # still ours: nobody else writes the file until the lease runs out
    try:
        new_size = write_at(path, size, data)
    except FileLost:
        return _stop(claim, _lost_message(path, size))
    finished = token is None
    new_cursor = {
        "token": token,
        "pages": int(cursor.get("pages", 0)) + 1,
        "written": int(cursor.get("written", 0)) + len(page),
        "size": new_size,
    }

    def write() -> None:
        changes: dict[str, Any] = {
            "done": F("done") + len(page),
            "total": F("total") + len(page),
            "file_size": new_size,
        }
        if finished:
            changes["file_expires_at"] = timezone.now() + timedelta(days=settings.JOB_EXPORT_RETENTION_DAYS)
        Job.objects.filter(pk=job.pk).update(**changes)

    walk.commit_step(claim, new_cursor, write, done=finished)
    return walk.StepResult.DONE if finished else walk.StepResult.MORE


def _listing_failed(exc: errors.CognitoError, cursor: dict[str, Any]) -> str:
    return (
        f"{exc.operation or 'ListIdentities'} failed: {exc.code}: {exc.message} {exc.hint} "
        "The export stopped after "
        f"{int(cursor.get('written', 0))} identities and its partial file was removed; start a new "
        "export once the pool can be listed."
    )


def _lost_message(path: Path, size: int) -> str:
    return (
        f"The export file {path.name} holds less than the {size} bytes already written: it was removed, "
        "or this worker does not see the folder the earlier steps wrote to. Every worker host must share "
        "JOB_EXPORT_DIR; start a new export."
    )


def _stop(claim: walk.WalkClaim, message: str) -> str:
    """End the walk with the job's error set and its partial file removed (the job ends failed)."""

    def write() -> None:
        Job.objects.filter(pk=claim.job_id).update(error=message, file_name="", file_size=0)

    walk.commit_step(claim, claim.cursor, write, done=True)
    _remove(claim.job)
    logger.warning("Export job %s stopped: %s", claim.job_id, message)
    return walk.StepResult.DONE


def _remove(job: Job) -> None:
    path = file_path(job)
    if path is not None:
        path.unlink(missing_ok=True)


def pool_size(pool_id: str) -> int | None:
    """How many identities the pool had at its last complete inventory sync (kept up to date by
    the console's own writes since); None when it was never synced."""
    return PoolState.objects.filter(pk=pool_id, as_of__isnull=False).values_list("total", flat=True).first()


def is_partial(job: Job) -> bool:
    """A cancelled export whose file holds what it wrote before it stopped."""
    return job.kind == Kind.EXPORT and job.status == Status.CANCELLED and bool(job.file_name)


def _on_cancel(job: Job, now: datetime) -> None:
    """A cancelled export keeps the lines it committed as a partial file, downloadable for as
    long as a finished export's file; with nothing written it keeps no file."""
    cursor = job.cursor or {}
    size, written = int(cursor.get("size", 0)), int(cursor.get("written", 0))
    path = file_path(job)
    if written and path is not None and path.exists() and path.stat().st_size >= size:
        # Lines a dead worker wrote but never committed are not part of the export.
        os.truncate(path, size)
        Job.objects.filter(pk=job.pk).update(
            file_size=size,
            file_expires_at=now + timedelta(days=settings.JOB_EXPORT_RETENTION_DAYS),
            params={**job.params, "partial_of": pool_size(job.pool_id)},
        )
        return
    Job.objects.filter(pk=job.pk).update(file_name="", file_size=0)
    _remove(job)


walk.WALKERS[Kind.EXPORT] = step
walk.ON_CANCEL[Kind.EXPORT] = _on_cancel


# ---------------------------------------------------------------------------------------
# Retention


def expire_files(*, now: datetime | None = None, remove: Callable[[Path], None] | None = None) -> int:
    """Remove export files past their retention (and any left by an export that failed);
    their jobs keep file_expires_at, so the page says when the file expired."""
    now = now or timezone.now()
    due = (
        Job.objects.filter(kind=Kind.EXPORT)
        .exclude(file_name="")
        .filter(
            Q(file_expires_at__lt=now)
            | Q(status__in=(Status.FAILED, Status.PARTIALLY_FAILED))
            # A cancelled export's partial file is kept until it expires, like a finished one's.
            | Q(status=Status.CANCELLED, file_expires_at__isnull=True)
        )
    )
    removed = 0
    for pk, name in due.values_list("pk", "file_name"):
        path = Path(settings.JOB_EXPORT_DIR) / name
        (remove or _unlink)(path)
        removed += Job.objects.filter(pk=pk, file_name=name).update(file_name="")
    if removed:
        logger.info("Removed %s expired export file(s).", removed)
    return removed


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)
