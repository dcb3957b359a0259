"""JSON log lines (LOG_FORMAT=json, the default when DEBUG is off): one object per line, so a log
collector indexes the level, logger and request id without parsing free text."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from console.requestid import NO_REQUEST


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "request_id", "message"[, "exception"]} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            # Set by RequestIdFilter; a handler without the filter still writes valid lines.
            "request_id": getattr(record, "request_id", NO_REQUEST),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # A message is one line of text whatever it holds: json.dumps escapes newlines, so a
        # value a user typed cannot start a fake log line.
        return json.dumps(line, ensure_ascii=False, default=str)
