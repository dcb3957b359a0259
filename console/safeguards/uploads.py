"""Checking an uploaded file before anything reads it: size, name, and what it really contains.

The browser's Content-Type is whatever the client says, so it is not trusted: the extension must
be one of the allowed type's, and the bytes must be what that type is (UTF-8 text without NUL
bytes for CSV and text; parseable JSON for JSON).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat


def _any_text(name: str, text: str) -> None:
    """Decoding as UTF-8 was the check."""


def _json_document(name: str, text: str) -> None:
    try:
        json.loads(text)
    except ValueError as exc:
        message = getattr(exc, "msg", str(exc))
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise ValidationError(
            "“%(name)s” is not valid JSON: %(problem)s%(where)s.",
            code="not_json",
            params={"name": name, "problem": message, "where": where},
        ) from None


@dataclass(frozen=True)
class UploadType:
    label: str
    extensions: tuple[str, ...]
    check_content: Callable[[str, str], None]


UPLOAD_TYPES: dict[str, UploadType] = {
    "text/csv": UploadType("CSV", (".csv",), _any_text),
    "text/plain": UploadType("text", (".txt",), _any_text),
    "application/json": UploadType("JSON", (".json",), _json_document),
}


def validate_upload(
    file: UploadedFile, allowed_types: Iterable[str] = ("text/csv",), max_bytes: int | None = None
) -> str:
    """The file's text, or ValidationError with a message a person can act on.

    `max_bytes` defaults to settings.UPLOAD_MAX_BYTES. The file is left rewound.
    """
    limit = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    types = [UPLOAD_TYPES[content_type] for content_type in allowed_types]
    name = PurePath(file.name or "").name
    upload_type = _type_for(name, types)
    data = _read_at_most(file, limit, name)
    text = _decode(data, name, upload_type)
    upload_type.check_content(name, text)
    return text


def _type_for(name: str, types: list[UploadType]) -> UploadType:
    suffix = PurePath(name).suffix.lower()
    for upload_type in types:
        if suffix in upload_type.extensions:
            return upload_type
    wanted = " or ".join(extension for upload_type in types for extension in upload_type.extensions)
    raise ValidationError(
        "Upload a %(wanted)s file; “%(name)s” is not one.",
        code="wrong_type",
        params={"wanted": wanted, "name": name or "(no name)"},
    )


def _too_big(name: str, limit: int) -> ValidationError:
    return ValidationError(
        "“%(name)s” is larger than %(limit)s, the most this page accepts. Split it into smaller files.",
        code="too_big",
        params={"name": name, "limit": filesizeformat(limit)},
    )


def _read_at_most(file: UploadedFile, limit: int, name: str) -> bytes:
    # The declared size may be missing or wrong; reading one byte past the limit is what counts.
    if file.size is not None and file.size > limit:
        raise _too_big(name, limit)
    file.seek(0)
    data = file.read(limit + 1)
    file.seek(0)
    if len(data) > limit:
        raise _too_big(name, limit)
    if not data:
        raise ValidationError("“%(name)s” is empty.", code="empty", params={"name": name})
    return data


def _decode(data: bytes, name: str, upload_type: UploadType) -> str:
    not_text = ValidationError(
        "“%(name)s” is not a UTF-8 %(label)s file. "
        "Save it as %(label)s with UTF-8 encoding and upload it again.",
        code="not_text",
        params={"name": name, "label": upload_type.label},
    )
    if b"\x00" in data:
        raise not_text  # spreadsheets, archives, images: binary formats carry NUL bytes
    try:
        return data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        raise not_text from None


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: the handlers after it (memory, then a temporary file) get
    at most UPLOAD_MAX_BYTES + 1 bytes of each file, and the rest is read and dropped.

    The byte past the limit is kept so that validate_upload still says the file is too large;
    without this, Django would spool the whole body to disk before any form looked at it.
    """

    def new_file(self, *args: object, **kwargs: object) -> None:
        super().new_file(*args, **kwargs)
        self.kept = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        room = settings.UPLOAD_MAX_BYTES + 1 - self.kept
        if room <= 0:
            return None  # None: the handlers after this one never see the chunk
        chunk = raw_data[:room]
        self.kept += len(chunk)
        return chunk

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file
