"""validate_upload: size, extension and content are all checked, with messages a person can act on."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from console.safeguards.uploads import validate_upload

IDS = "identity_id\nus-east-1:0a1b2c3d-0000-4000-8000-000000000001\n"


def _upload(name: str, data: bytes, content_type: str = "text/csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _refusal(upload, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        validate_upload(upload, **kwargs)
    return refused.value.messages[0]


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_a_utf8_csv_is_accepted_and_its_text_returned_with_the_file_rewound():
    upload = _upload("ids.csv", IDS.encode())

    assert validate_upload(upload) == IDS
    assert upload.read() == IDS.encode()


def test_excels_csv_utf8_byte_order_mark_is_dropped():
    assert validate_upload(_upload("ids.csv", b"\xef\xbb\xbf" + IDS.encode())) == IDS


def test_the_extension_is_checked_whatever_the_browser_says_the_type_is():
    message = _refusal(_upload("ids.xlsx", IDS.encode(), content_type="text/csv"))

    assert message == "Upload a .csv file; “ids.xlsx” is not one."


def test_the_extension_check_ignores_case():
    assert validate_upload(_upload("IDS.CSV", IDS.encode())) == IDS


def test_a_spreadsheet_renamed_to_csv_is_refused_by_its_content():
    message = _refusal(_upload("ids.csv", _xlsx_bytes()))

    assert (
        message
        == "“ids.csv” is not a UTF-8 CSV file. Save it as CSV with UTF-8 encoding and upload it again."
    )


def test_latin1_text_is_refused_as_not_utf8():
    message = _refusal(_upload("ids.csv", "name\nJosé\n".encode("latin-1")))

    assert "is not a UTF-8 CSV file" in message


def test_an_empty_file_is_refused():
    assert _refusal(_upload("ids.csv", b"")) == "“ids.csv” is empty."


def test_a_file_over_the_limit_is_refused_naming_the_limit():
    message = _refusal(_upload("ids.csv", b"x" * 1025), max_bytes=1024)

    # filesizeformat keeps the number and unit together with a no-break space.
    assert (
        message
        == "“ids.csv” is larger than 1.0\xa0KB, the most this page accepts. Split it into smaller files."
    )


def test_a_file_exactly_at_the_limit_is_accepted():
    assert validate_upload(_upload("ids.csv", b"x" * 1024), max_bytes=1024) == "x" * 1024


def test_a_file_whose_declared_size_lies_is_measured_by_reading(settings):
    upload = _upload("ids.csv", b"x" * 2048)
    upload.size = 10

    assert "is larger than" in _refusal(upload, max_bytes=1024)


def test_the_default_limit_is_the_upload_max_bytes_setting(settings):
    settings.UPLOAD_MAX_BYTES = 8

    assert "larger than 8\xa0bytes" in _refusal(_upload("ids.csv", b"123456789"))


def test_a_large_upload_spooled_to_disk_is_checked_the_same_way(settings):
    upload = TemporaryUploadedFile("ids.csv", "text/csv", 0, "utf-8")
    upload.write(IDS.encode() * 1000)
    upload.size = upload.tell()

    assert validate_upload(upload).startswith(IDS)
    upload.close()


def test_json_must_parse_and_the_message_says_where_it_does_not():
    assert validate_upload(_upload("map.json", b'{"a": 1}'), allowed_types=["application/json"]) == '{"a": 1}'

    message = _refusal(_upload("map.json", b'{"a": 1,\n "b": }'), allowed_types=["application/json"])

    assert message == "“map.json” is not valid JSON: Expecting value (line 2, column 7)."


def test_several_types_may_be_allowed_and_the_message_lists_them():
    allowed = ["text/csv", "text/plain"]

    assert validate_upload(_upload("ids.txt", IDS.encode()), allowed_types=allowed) == IDS
    assert _refusal(_upload("ids.pdf", b"%PDF-1.7"), allowed_types=allowed) == (
        "Upload a .csv or .txt file; “ids.pdf” is not one."
    )


def test_the_name_shown_is_the_files_own_name_without_a_path():
    assert _refusal(_upload("../../etc/ids.exe", b"MZ")) == "Upload a .csv file; “ids.exe” is not one."
