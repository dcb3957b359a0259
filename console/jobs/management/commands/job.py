"""`manage.py job`: start, show, wait for and cancel bulk jobs without a browser.

    job delete --pool POOL_ID --ids-file PATH --reason TEXT --user NAME   (prints the job id last)
    job merge  --pool POOL_ID --csv PATH --reason TEXT --user NAME        (prints the job id last)
    job export --pool POOL_ID --format csv|jsonl --user NAME [--developer-ids] [--reason TEXT]
                                                                          (prints the job id last)
    job sync --pool POOL_ID --user NAME [--disabled] [--reason TEXT]      (prints the job id last)
    job sync --all-pools --user NAME [--disabled] [--reason TEXT]  (one job id a line, one per pool)
    job show JOB_ID [--json]
    job wait JOB_ID [--timeout SECONDS]   exit 0: succeeded; 1: ended otherwise; 2: timed out
    job cancel JOB_ID --user NAME
    job prune --pool POOL_ID [--unauthenticated] [--disabled] [--modified-before DATE]
              [--created-before DATE] --reason TEXT --user NAME [--dry-run] [--timeout SECONDS]

`job sync` starts an inventory sync (console/jobs/sync.py); a pool whose sync is already
running is not synced twice: the command says so and names the running job (with --pool it
exits 1; with --all-pools it prints that running job's id on the pool's line instead).

The user the job is attributed to must exist and hold the run_jobs permission. Every error
exits non-zero with a one-line reason on stderr.

`delete` checks its ids as the pages do: every line first (malformed ids, other regions:
nothing starts), then each id's pool, one LookupDeveloperIdentity call per id, in this
process, with its progress on stderr (about 5 ids a second against AWS). An id of another
pool refuses the whole file: nothing starts. Ids that do not exist (already deleted) are left
out and listed; the job starts with the others.

`job prune` starts a dry run and waits for it as `job wait` does (a worker runs it; with
CELERY_TASK_ALWAYS_EAGER=true the walk runs in the command's own process instead, which is
how the tests run it). With --dry-run it prints the count and exits 0. Without it, it then
starts the real run for exactly that dry run's count and prints the real job's id last; a
dry run that matched nothing starts no real run (exit 0, no id printed).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from console.accounts.roles import has_perm
from console.audit.record import audit_actor
from console.aws import errors
from console.jobs import export, intake, membership, prune, runner, sync
from console.jobs.models import Job, Kind, Status
from console.jobs.pool import find_pool
from console.safeguards.forms import REASON_MAX_LENGTH

WAIT_POLL_SECONDS = 0.5
TIMED_OUT = 2
NO_SUCH_JOB = 3
SHOWN_PROBLEMS = 5
# The membership check's progress line on stderr, at most this often.
PROGRESS_EVERY_SECONDS = 5.0


class Command(BaseCommand):
    help = (
        "Start, show, wait for and cancel bulk jobs (delete identities, merge developer users, export, "
        "prune, inventory sync)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        delete = actions.add_parser(
            "delete",
            help="delete the identities listed in a file",
            description=(
                "Delete the identities listed in a file. Every line is checked first, then each id's "
                "pool (one LookupDeveloperIdentity call per id, about 5 a second against AWS; progress "
                "on stderr). Nothing starts if a line is malformed or an id belongs to another pool; "
                "ids that do not exist (already deleted) are left out and listed, and the others start."
            ),
        )
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
        _add_sync_parser(actions)
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
        _add_prune_parser(actions)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action in ("delete", "merge"):
            self._start(action, options)
        elif action == "export":
            self._export(options)
        elif action == "sync":
            self._sync(options)
        elif action == "show":
            self._show(_job(options["job_id"]), as_json=options["json"])
        elif action == "wait":
            self._wait(options["job_id"], options["timeout"])
        elif action == "prune":
            self._prune(options)
        else:
            self._cancel(options["job_id"], options["user"])

    def _start(self, action: str, options: dict[str, Any]) -> None:
        user = _runner_user(options["user"])
        reason = _reason(options["reason"])
        text = _read(options["ids_file"] if action == "delete" else options["csv"])
        check = intake.check_delete if action == "delete" else intake.check_merge
        checked = check(options["pool"], text)
        if not checked.ok:
            problems = checked.problems
            shown = "; ".join(problems[:SHOWN_PROBLEMS]) + ("; …" if len(problems) > SHOWN_PROBLEMS else "")
            raise CommandError(f"Nothing was started: {shown}")
        left_out = self._check_membership(checked) if action == "delete" else self._check_sources(checked)
        for note in checked.parsed.notes:
            self.stdout.write(note)
        with audit_actor(user.get_username(), user=user):
            job = intake.start(checked, reason=reason, user=user, left_out=left_out)
        self.stdout.write(
            f"Started job {job.pk}: {job.get_kind_display().lower()}, {job.total:,} {ngettext('item', 'items', job.total)}."
        )
        self.stdout.write(str(job.pk))

    def _check_membership(self, checked: intake.Checked) -> membership.Found:
        """Each id's pool, asked now: refusals stop everything; missing ids are left out, and said so."""
        total = len(checked.parsed.targets)
        pool_id = checked.pool.pool_id if checked.pool else ""
        self.stderr.write(
            f"Checking {_ids(total)} against pool {pool_id} (the inventory first, then one call per id it does not know)…"
        )
        last = time.monotonic()

        def progress(done: int, of: int, throttled: int) -> None:
            nonlocal last
            if done == of or time.monotonic() - last >= PROGRESS_EVERY_SECONDS:
                last = time.monotonic()
                extra = f" ({throttled} throttled calls retried)" if throttled else ""
                self.stderr.write(f"Checked {done} of {of} ids{extra}.")

        try:
            found = intake.check_membership(checked, progress)
        except membership.CheckFailed as failure:
            raise CommandError(
                f"Nothing was started: the check of the ids stopped. {failure.describe()} {failure.error.hint}"
            ) from None
        if found.confirmed:
            self.stderr.write(
                f"{_ids(found.confirmed)} confirmed in the pool by the inventory (no call needed)."
            )
        if found.refused:
            refusals = [f"Line {line}: {identity} {reason}" for line, identity, reason in found.refused]
            shown = "; ".join(refusals[:SHOWN_PROBLEMS]) + ("; …" if len(refusals) > SHOWN_PROBLEMS else "")
            raise CommandError(f"Nothing was started: {_ids(len(refusals))} refused: {shown}")
        if found.missing:
            lines = ", ".join(str(line) for line, _ in found.missing[: membership.SHOWN])
            more = ", …" if len(found.missing) > membership.SHOWN else ""
            self.stdout.write(
                f"{_ids(len(found.missing))} {ngettext('does', 'do', len(found.missing))} not exist (already deleted) "
                f"and {ngettext('was', 'were', len(found.missing))} left out: lines {lines}{more}."
            )
        if len(found.missing) == total:
            raise CommandError("Nothing was started: none of the ids exists (all already deleted).")
        return found

    def _check_sources(self, checked: intake.Checked) -> membership.Found:
        """Each source developer user, asked now: those not in the pool are left out, and said so."""
        total = len(checked.parsed.targets)
        pool_id = checked.pool.pool_id if checked.pool else ""
        self.stderr.write(
            f"Checking that the {total} source developer user(s) exist in pool {pool_id} (one call each)…"
        )
        try:
            found = intake.check_membership(checked)
        except membership.CheckFailed as failure:
            raise CommandError(
                f"Nothing was started: the check of the sources stopped. {failure.describe()} {failure.error.hint}"
            ) from None
        if found.missing:
            shown = ", ".join(f"line {line} ({user})" for line, user in found.missing[: membership.SHOWN])
            more = ", …" if len(found.missing) > membership.SHOWN else ""
            self.stdout.write(
                f"{len(found.missing)} source developer user(s) do not exist in the pool; their pairs were left out: {shown}{more}."
            )
        if len(found.missing) == total:
            raise CommandError("Nothing was started: no source developer user exists in the pool.")
        return found

    def _prune(self, options: dict[str, Any]) -> None:
        user = _runner_user(options["user"])
        reason = _reason(options["reason"])
        filters = _prune_filters(options)
        pool, problem = find_pool(options["pool"])
        if pool is None:
            raise CommandError(f"Nothing was started: {problem}")
        with audit_actor(user.get_username(), user=user):
            dry_run = prune.start_dry_run(pool.pool_id, filters, user=user, reason=reason)
        self.stdout.write(f"Dry run {dry_run.pk}: {filters.describe()}.")
        dry_run = _wait_until_ended(dry_run.pk, options["timeout"])
        if dry_run is None:
            raise CommandError(
                "The dry run did not end in time (is a worker running?).", returncode=TIMED_OUT
            )
        if dry_run.status != Status.SUCCEEDED:
            error = f": {dry_run.error}" if dry_run.error else ""
            raise CommandError(f"Dry run {dry_run.pk} {dry_run.get_status_display().lower()}{error}")
        self.stdout.write(f"Dry run {dry_run.pk} matched {dry_run.total} identities.")
        if options["dry_run"]:
            self.stdout.write(str(dry_run.total))
            return
        if dry_run.total == 0:
            self.stdout.write("Nothing to prune: no real run was started.")
            return
        try:
            with audit_actor(user.get_username(), user=user):
                job = prune.start_real_run(dry_run, user=user, reason=reason)
        except ValueError as exc:
            raise CommandError(f"Nothing was started: {exc}") from None
        self.stdout.write(f"Started prune {job.pk}: it deletes at most {job.total} identities.")
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

    def _sync(self, options: dict[str, Any]) -> None:
        user = _runner_user(options["user"])
        reason = (options["reason"] or "").strip()
        if len(reason) > REASON_MAX_LENGTH:
            raise CommandError(f"--reason has {len(reason)} characters; keep it under {REASON_MAX_LENGTH}.")
        with audit_actor(user.get_username(), user=user):
            if options["all_pools"]:
                self._sync_all(user, options["disabled"], reason)
                return
            pool, problem = find_pool(options["pool"])
            if pool is None:
                raise CommandError(f"Nothing was started: {problem}")
            try:
                job = sync.start_sync(pool.pool_id, user=user, disabled=options["disabled"], reason=reason)
            except sync.SyncRunning as running:
                raise CommandError(
                    f"Nothing was started: {running} Wait for it: job wait {running.job.pk}"
                ) from None
        passes = " (twice: with the disabled pass)" if options["disabled"] else ""
        self.stdout.write(f"Started job {job.pk}: inventory sync of pool {job.pool_id}{passes}.")
        self.stdout.write(str(job.pk))

    def _sync_all(self, user: AbstractBaseUser, disabled: bool, reason: str) -> None:
        try:
            started = sync.start_all(user=user, disabled=disabled, reason=reason)
        except errors.CognitoError as exc:
            raise CommandError(f"Listing the pools failed: {exc.code}: {exc.message}") from None
        for pool_id, job, new in started:
            if not new:
                self.stderr.write(
                    f"Pool {pool_id}: a sync is already running (job {job.pk}); not started again."
                )
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
                f"Job {job.pk} "
                + (
                    "is already being cancelled"
                    if job.is_active
                    else f"has ended ({job.get_status_display().lower()})"
                )
                + ": there is nothing to cancel."
            )
        self.stdout.write(f"Job {job.pk} is being cancelled: running chunks finish, the others are skipped.")


def _add_prune_parser(actions: Any) -> None:
    pruning = actions.add_parser("prune", help="prune identities matching a filter (a dry run first)")
    pruning.add_argument("--pool", required=True, help="identity pool id")
    pruning.add_argument("--unauthenticated", action="store_true", help="no linked logins (guests)")
    pruning.add_argument("--disabled", action="store_true", help="disabled identities")
    pruning.add_argument("--modified-before", metavar="DATE", help="last modified before DATE 00:00 UTC")
    pruning.add_argument("--created-before", metavar="DATE", help="created before DATE 00:00 UTC")
    pruning.add_argument("--reason", required=True, help="why (kept in the audit trail)")
    pruning.add_argument("--user", required=True, help="console user the jobs are attributed to")
    pruning.add_argument("--dry-run", action="store_true", help="only count the matches and print the count")
    pruning.add_argument(
        "--timeout", type=float, default=None, help="give up waiting for the dry run after this many seconds"
    )


def _prune_filters(options: dict[str, Any]) -> prune.Filters:
    today = dt.datetime.now(dt.UTC).date()
    dates: dict[str, dt.date | None] = {}
    for name in ("modified_before", "created_before"):
        text = options[name]
        flag = "--" + name.replace("_", "-")
        if text is None:
            dates[name] = None
            continue
        try:
            dates[name] = dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"{flag} {text!r} is not a date (YYYY-MM-DD).") from None
        if dates[name] > today:
            raise CommandError(f"{flag} {text} is in the future: give today or earlier (UTC).")
    filters = prune.Filters(unauthenticated=options["unauthenticated"], disabled=options["disabled"], **dates)
    if filters.empty:
        raise CommandError(
            "Give at least one condition: --unauthenticated, --disabled, --modified-before or --created-before."
        )
    return filters


def _wait_until_ended(job_id: int, timeout: float | None) -> Job | None:
    """The job once it has ended, or None when `timeout` seconds passed first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        job = Job.objects.get(pk=job_id)
        if not job.is_active:
            return job
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(WAIT_POLL_SECONDS)


def _reason(text: str) -> str:
    reason = text.strip()
    if not reason:
        raise CommandError("--reason must say why (a ticket id or a sentence).")
    if len(reason) > REASON_MAX_LENGTH:
        raise CommandError(f"--reason has {len(reason)} characters; keep it under {REASON_MAX_LENGTH}.")
    return reason


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


def _add_sync_parser(actions: Any) -> None:
    starter = actions.add_parser(
        "sync",
        help="list a pool's identities into the inventory",
        description=(
            "Start an inventory sync: a job that lists the pool (one ListIdentities call per 60 "
            "identities, at the account's quota) into the inventory and marks gone what it no longer "
            "lists. Prints the job id last; with --all-pools, one job id a line."
        ),
    )
    which = starter.add_mutually_exclusive_group(required=True)
    which.add_argument("--pool", help="identity pool id")
    which.add_argument("--all-pools", action="store_true", help="every pool of AWS_REGIONS, one job each")
    starter.add_argument(
        "--disabled", action="store_true", help="also find disabled identities (lists the pool twice)"
    )
    starter.add_argument("--reason", default="", help="why (kept in the audit trail; optional)")
    starter.add_argument("--user", required=True, help="console user the job is attributed to")


def _ids(count: int) -> str:
    """1 -> "1 id"; 1200 -> "1,200 ids"."""
    return f"{count:,} {ngettext('id', 'ids', count)}"


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
        **(_sync_summary(job) if job.kind == Kind.SYNC else {}),
    }


def _sync_summary(job: Job) -> dict[str, Any]:
    """A sync's listing: identities listed, pages, identities it marked gone, and its error."""
    cursor = job.cursor or {}
    return {
        "disabled_pass": bool(job.params.get("disabled")),
        "listed": int(cursor.get("listed", 0)),
        "pages": int(cursor.get("pages", 0)),
        "marked_gone": cursor.get("marked_gone"),
        "as_of": cursor.get("as_of"),
        "error": job.error or None,
    }


def _export_summary(job: Job) -> dict[str, Any]:
    """An export's file: its path (null once removed), size, when it expires, and whether it is
    a cancelled export's partial file."""
    path = export.file_path(job)
    return {
        "file": str(path) if path else None,
        "file_size": job.file_size,
        "file_expires_at": _when(job.file_expires_at),
        "file_partial": export.is_partial(job),
        "error": job.error or None,
    }
