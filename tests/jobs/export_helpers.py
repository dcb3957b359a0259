"""Helpers for the export tests: a folder for the files, starting an export without a broker,
running its walk in this process, and reading its file."""

from __future__ import annotations

import csv
import io
import json

import pytest

from console.jobs import export, walk
from console.jobs.models import Job

from .conftest import REASON


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.JOB_EXPORT_DIR = tmp_path / "exports"
    return settings.JOB_EXPORT_DIR


def no_broker(job_id: int) -> None:
    """A walk `send` that sends nothing: the tests run the walk themselves."""


def start(pool_id: str, user, file_format: str = "csv", **options) -> Job:
    return export.start_export(pool_id, file_format, user=user, reason=REASON, send=no_broker, **options)


def finish(job: Job, rounds: int = 50) -> Job:
    """Run the export's walk in this process until the job has ended; the job, reloaded."""
    for _ in range(rounds):
        walk.run_walk(job.pk, send=no_broker)
        job.refresh_from_db()
        if not job.is_active:
            return job
    raise AssertionError(f"{job} did not end")


def steps(job: Job, count: int) -> None:
    """Make `count` steps of the walk, then give it back (as a task whose time is up)."""
    claim = walk.claim_walk(job.pk)
    assert claim is not None
    for _ in range(count):
        assert export.step(claim) == walk.StepResult.MORE
    walk.release_walk(claim)


def records(job: Job) -> list[dict]:
    """The file's identities, in file order, as dicts (CSV cells as text, JSON as JSON)."""
    text = export.file_path(job).read_text()
    if job.params["format"] == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    return [json.loads(line) for line in text.splitlines()]


def ids_of(job: Job) -> list[str]:
    return [record["identity_id"] for record in records(job)]
