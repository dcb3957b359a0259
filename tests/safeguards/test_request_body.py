"""Request bodies before sign-in: judged from their headers, never spooled to disk.

What reaches the disk depends on the server (what it hands Django of a body, and when), so the
anonymous cases run against a real gunicorn with the image's config, its TMPDIR (where Django
spools uploads, FILE_UPLOAD_TEMP_DIR being unset) a folder of the test's own.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.gunicorn_server import production_env, serving

NEW_DELETE = "/jobs/new/delete"
BOUNDARY = "----probe-boundary"


def _multipart_head(size: int) -> tuple[bytes, bytes]:
    """The opening and closing of a multipart body around a `size`-byte file."""
    opening = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="ids.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    return opening, f"\r\n--{BOUNDARY}--\r\n".encode()


def _request_head(length: int | None, extra: str = "") -> bytes:
    framing = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (
        f"POST {NEW_DELETE} HTTP/1.1\r\n"
        "Host: localhost\r\n"
        # Anyone gets a CSRF cookie from the login page; with one, CSRF's check reads the body.
        f"Cookie: csrftoken={'c' * 32}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"{framing}{extra}\r\n"
    ).encode()


def _status_and_headers(sock: socket.socket) -> tuple[int, str]:
    answer = b""
    while b"\r\n\r\n" not in answer:
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    head = answer.split(b"\r\n\r\n")[0].decode("latin-1")
    return int(head.split()[1]), head


def _spooled(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_size for path in folder.iterdir()}


@pytest.fixture
def server_tmp(tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    env = production_env(tmp_path, TMPDIR=str(spool), SECURE_SSL_REDIRECT="false")
    with serving(env, migrate=True) as server:
        yield server, spool


def test_an_anonymous_upload_is_sent_to_sign_in_before_any_of_it_is_written(server_tmp):
    server, spool = server_tmp
    size = 3 * 1024 * 1024  # under UPLOAD_MAX_BYTES: only the sender being anonymous refuses it
    opening, closing = _multipart_head(size)
    with server.raw(timeout=5) as sock:
        sock.sendall(_request_head(len(opening) + size + len(closing)) + opening)
        sock.sendall(b"x" * (2 * 1024 * 1024))
        # Time for a server reading the body to write what it has to its temporary file.
        time.sleep(1.5)
        assert _spooled(spool) == {}
        status, head = _status_and_headers(sock)

    assert status == 302
    assert "Location: /accounts/login/?next=" in head


def test_a_body_declared_larger_than_any_upload_is_refused_unread(server_tmp):
    server, spool = server_tmp
    with server.raw(timeout=5) as sock:
        # 200 MB announced, a few bytes sent: the answer comes from the headers alone.
        sock.sendall(_request_head(200 * 1024 * 1024) + _multipart_head(0)[0])
        status, _ = _status_and_headers(sock)

    assert status == 413
    assert _spooled(spool) == {}


def test_a_chunked_upload_without_a_length_is_refused_unread(server_tmp):
    server, spool = server_tmp
    opening, _ = _multipart_head(0)
    chunk = opening + b"x" * (2 * 1024 * 1024)
    with server.raw(timeout=5) as sock:
        sock.sendall(_request_head(None) + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        time.sleep(1)
        written = _spooled(spool)
        status, _ = _status_and_headers(sock)

    assert status == 411
    assert written == {}


@pytest.mark.django_db
def test_a_signed_in_users_body_over_the_limit_is_refused_before_the_view(as_admin, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    upload = SimpleUploadedFile("ids.txt", b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 2048))

    response = as_admin.post(reverse("jobs:new_delete"), {"pool_id": "p", "file": upload})

    assert response.status_code == 413
    assert "larger than the console accepts" in response["X-Console-Message"]


@pytest.mark.django_db
def test_an_anonymous_form_post_larger_than_a_form_is_refused(client):
    body = urlencode({"username": "x" * (1024 * 1024 + 10), "password": "p"})

    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413


@pytest.mark.django_db
def test_the_login_form_itself_still_posts(client, viewer):
    body = urlencode({"username": viewer.username, "password": PASSWORD})

    response = client.post(reverse("login"), body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 302


def test_a_signed_in_users_file_keeps_at_most_one_byte_past_the_limit_on_disk(settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    request = RequestFactory().post(
        NEW_DELETE, {"file": SimpleUploadedFile("ids.txt", b"x" * (5 * 1024 * 1024))}
    )

    upload = request.FILES["file"]

    assert isinstance(upload, TemporaryUploadedFile)
    assert upload.size == settings.UPLOAD_MAX_BYTES + 1
    assert os.path.getsize(upload.temporary_file_path()) == settings.UPLOAD_MAX_BYTES + 1
    upload.close()


@pytest.mark.django_db
def test_the_upload_form_still_says_a_file_is_too_large(as_admin, settings, pool_id):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("ids.txt", b"x\n" * 600 * 1024, content_type="text/plain")

    response = as_admin.post(reverse("jobs:new_delete"), {"pool_id": pool_id, "review": "1", "file": upload})

    assert response.status_code == 200
    assert "“ids.txt” is larger than 1.0\xa0MB" in response.content.decode()
