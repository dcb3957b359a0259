"""Helpers for the export tests: a folder for the files, starting an export without a broker,
running its walk in this process, and reading its file."""

from __future__ import annotations

import csv
import io
import json

import pytest

from console.jobs import export
from console.jobs.models import Job

from .conftest import REASON

# The walk helpers, for the tests that import them from here.
from .walk_helpers import finish as finish
from .walk_helpers import no_broker
from .walk_helpers import steps as steps


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.JOB_EXPORT_DIR = tmp_path / "exports"
    return settings.JOB_EXPORT_DIR


def start(pool_id: str, user, file_format: str = "csv", **options) -> Job:
    return export.start_export(pool_id, file_format, user=user, reason=REASON, send=no_broker, **options)


def records(job: Job) -> list[dict]:
    """The file's identities, in file order, as dicts (CSV cells as text, JSON as JSON)."""
    text = export.file_path(job).read_text()
    if job.params["format"] == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    return [json.loads(line) for line in text.splitlines()]


def ids_of(job: Job) -> list[str]:
    return [record["identity_id"] for record in records(job)]
