"""`manage.py job`: start, show, wait for and cancel bulk jobs without a browser.

    job delete --pool POOL_ID --ids-file PATH --reason TEXT --user NAME   (prints the job id last)
    job merge  --pool POOL_ID --csv PATH --reason TEXT --user NAME        (prints the job id last)
    job export --pool POOL_ID --format csv|jsonl --user NAME [--developer-ids] [--reason TEXT]
                                                                          (prints the job id last)
    job show JOB_ID [--json]
    job wait JOB_ID [--timeout SECONDS]   exit 0: succeeded; 1: ended otherwise; 2: timed out
    job cancel JOB_ID --user NAME

The user the job is attributed to must exist and hold the run_jobs permission. Every error
exits non-zero with a one-line reason on stderr.
"""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError

from console.accounts.roles import has_perm
from console.audit.record import audit_actor
from console.jobs import export, runner, setup
from console.jobs.models import Job, Kind, Status
from console.safeguards.forms import REASON_MAX_LENGTH

WAIT_POLL_SECONDS = 0.5
TIMED_OUT = 2
NO_SUCH_JOB = 3
SHOWN_PROBLEMS = 5


class Command(BaseCommand):
    help = "Start, show, wait for and cancel bulk jobs (delete identities, merge developer users, export)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        delete = actions.add_parser("delete", help="delete the identities listed in a file")
        delete.add_argument("--pool", required=True, help="identity pool id")
        delete.add_argument(
            "--ids-file", required=True, type=Path, help="text or CSV file, one identity id a line"
        )
        merge = actions.add_parser("merge", help="merge developer users listed in a CSV file")
        merge.add_argument("--pool", required=True, help="identity pool id")
        merge.add_argument(
            "--csv", required=True, type=Path, help="source_user_identifier,destination_user_identifier rows"
        )
        for starter in (delete, merge):
            starter.add_argument("--reason", required=True, help="why (kept in the audit trail)")
            starter.add_argument("--user", required=True, help="console user the job is attributed to")
        _add_export_parser(actions)
        show = actions.add_parser("show", help="a job's status and counts")
        show.add_argument("job_id", type=int)
        show.add_argument("--json", action="store_true", help="one JSON object")
        wait = actions.add_parser("wait", help="wait until a job ends (exit 0 if it succeeded)")
        wait.add_argument("job_id", type=int)
        wait.add_argument(
            "--timeout", type=float, default=None, help="give up after this many seconds (exit 2)"
        )
        cancel = actions.add_parser("cancel", help="ask a job to stop")
        cancel.add_argument("job_id", type=int)
        cancel.add_argument("--user", required=True, help="console user cancelling it")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in ("delete", "merge"):
            self._start(action, options)
        elif action == "export":
            self._export(options)
        elif action == "show":
            self._show(_job(options["job_id"]), as_json=options["json"])
        elif action == "wait":
            self._wait(options["job_id"], options["timeout"])
        else:
            self._cancel(options["job_id"], options["user"])

    def _start(self, action: str, options: dict[str, Any]) -> None:
        user = _runner_user(options["user"])
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason must say why (a ticket id or a sentence).")
        if len(reason) > REASON_MAX_LENGTH:
            raise CommandError(f"--reason has {len(reason)} characters; keep it under {REASON_MAX_LENGTH}.")
        text = _read(options["ids_file"] if action == "delete" else options["csv"])
        check = setup.check_delete if action == "delete" else setup.check_merge
        checked = check(options["pool"], text)
        if not checked.ok:
            problems = checked.problems
            shown = "; ".join(problems[:SHOWN_PROBLEMS]) + ("; …" if len(problems) > SHOWN_PROBLEMS else "")
            raise CommandError(f"Nothing was started: {shown}")
        for note in checked.parsed.notes:
            self.stdout.write(note)
        with audit_actor(user.get_username(), user=user):
            job = setup.start(checked, reason=reason, user=user)
        self.stdout.write(f"Started job {job.pk}: {job.get_kind_display().lower()}, {job.total} item(s).")
        self.stdout.write(str(job.pk))

    def _export(self, options: dict[str, Any]) -> None:
        user = _runner_user(options["user"])
        reason = (options["reason"] or "").strip()
        if len(reason) > REASON_MAX_LENGTH:
            raise CommandError(f"--reason has {len(reason)} characters; keep it under {REASON_MAX_LENGTH}.")
        with audit_actor(user.get_username(), user=user):
            try:
                job = export.start_export(
                    options["pool"].strip(),
                    options["format"],
                    user=user,
                    developer_ids=options["developer_ids"],
                    reason=reason,
                )
            except export.ExportRefused as exc:
                raise CommandError(f"Nothing was started: {exc}") from None
        self.stdout.write(f"Started job {job.pk}: export of pool {job.pool_id} to {export.file_path(job)}.")
        self.stdout.write(str(job.pk))

    def _show(self, job: Job, *, as_json: bool) -> None:
        summary = _summary(job)
        if as_json:
            self.stdout.write(json.dumps(summary))
            return
        for key, value in summary.items():
            self.stdout.write(f"{key}: {'' if value is None else value}")

    def _wait(self, job_id: int, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = Job.objects.filter(pk=job_id).first()
            if job is None:
                raise CommandError(f"There is no job {job_id}.", returncode=NO_SUCH_JOB)
            if not job.is_active:
                self.stdout.write(f"Job {job.pk} {job.get_status_display().lower()}: {_counts(job)}.")
                raise SystemExit(0 if job.status == Status.SUCCEEDED else 1)
            if deadline is not None and time.monotonic() >= deadline:
                self.stderr.write(
                    f"Job {job.pk} is still {job.get_status_display().lower()}: {_counts(job)}."
                )
                raise SystemExit(TIMED_OUT)
            time.sleep(WAIT_POLL_SECONDS)

    def _cancel(self, job_id: int, username: str) -> None:
        user = _runner_user(username)
        job = _job(job_id)
        with audit_actor(user.get_username(), user=user):
            cancelled = runner.cancel_job(job.pk, by=user.get_username())
        if not cancelled:
            job.refresh_from_db()
            raise CommandError(
                f"Job {job.pk} is {job.get_status_display().lower()}: there is nothing to cancel."
            )
        self.stdout.write(f"Job {job.pk} is being cancelled: running chunks finish, the others are skipped.")


def _add_export_parser(actions: Any) -> None:
    starter = actions.add_parser("export", help="export every identity of a pool to a file")
    starter.add_argument("--pool", required=True, help="identity pool id")
    starter.add_argument("--format", required=True, choices=sorted(export.FORMATS), help="file format")
    starter.add_argument(
        "--developer-ids",
        action="store_true",
        help="also look up each developer identity's user ids (one LookupDeveloperIdentity call each)",
    )
    starter.add_argument("--reason", default="", help="why (kept in the audit trail; optional)")
    starter.add_argument("--user", required=True, help="console user the job is attributed to")


def _job(job_id: int) -> Job:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise CommandError(f"There is no job {job_id}.")
    return job


def _runner_user(username: str) -> AbstractBaseUser:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no console user {username!r}.")
    if not user.is_active or not has_perm(user, "run_jobs"):
        raise CommandError(f"Console user {username!r} may not run jobs (needs the admin role: run_jobs).")
    return user


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text.") from None


def _counts(job: Job) -> str:
    return f"{job.done} done, {job.failed} failed, {job.skipped} skipped of {job.total}"


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _summary(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "pool_id": job.pool_id,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "skipped": job.skipped,
        "throttled": job.throttled,
        "created_by": job.created_by_name,
        "reason": job.reason,
        "created_at": _when(job.created_at),
        "started_at": _when(job.started_at),
        "finished_at": _when(job.finished_at),
        **(_export_summary(job) if job.kind == Kind.EXPORT else {}),
    }


def _export_summary(job: Job) -> dict[str, Any]:
    """An export's file: its path (null once removed), size and when it expires."""
    path = export.file_path(job)
    return {
        "file": str(path) if path else None,
        "file_size": job.file_size,
        "file_expires_at": _when(job.file_expires_at),
        "error": job.error or None,
    }
