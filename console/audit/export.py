"""CSV export of audit events, written row by row."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from .models import AuditEvent

HEADER = (
    "time_utc",
    "actor",
    "source_ip",
    "region",
    "operation",
    "pool_id",
    "identity_id",
    "outcome",
    "error_code",
    "error_message",
    "reason",
    "request",
    "before",
    "after",
)
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as CSV text, with a leading quote when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class SafeCsvWriter:
    """csv.writer whose every cell goes through safe_cell: every CSV the console writes uses it
    (tests/test_escaping.py holds the rule), so no column can be forgotten."""

    def __init__(self, target: Any) -> None:
        self._writer = csv.writer(target)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _row(event: AuditEvent) -> list[str]:
    values = (
        event.created_at.astimezone(UTC).isoformat(),
        event.actor,
        event.source_ip,
        event.region,
        event.operation,
        event.pool_id,
        event.identity_id,
        event.outcome,
        event.error_code,
        event.error_message,
        event.reason,
        _json(event.request),
        _json(event.before),
        _json(event.after),
    )
    return list(values)


class Lines:
    """csv.writer target that hands back each line instead of storing it (for streaming)."""

    def write(self, line: str) -> str:
        return line


def streaming_writer() -> SafeCsvWriter:
    """A SafeCsvWriter whose writerow returns the CSV line, for a StreamingHttpResponse."""
    return SafeCsvWriter(Lines())


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The header, then one CSV line per event."""
    writer = streaming_writer()
    yield writer.writerow(HEADER)
    for event in events:
        yield writer.writerow(_row(event))
