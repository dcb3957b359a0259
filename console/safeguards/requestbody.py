"""Request bodies are judged by their headers, before anything reads them.

Django reads a POST's body the first time anything asks for `request.POST`: CsrfViewMiddleware
does, in its process_view, for anonymous visitors too, and a multipart body's files above
FILE_UPLOAD_MAX_MEMORY_SIZE are then written to a temporary file. So an anonymous 200 MB
upload reached the disk before the login redirect. These middlewares answer from the headers
alone: in a middleware's __call__, which every middleware runs before any process_view.

- A body larger than the biggest upload plus a form's other fields: 413, whoever sends it.
- A body without a Content-Length (chunked): 411. Django reads no body without one, so such a
  form would arrive empty; browsers always send the length.
- An anonymous multipart body Django would spool to disk: the login page, as the permission
  matrix would answer (smaller ones stay in memory and go on to CSRF's check and the matrix).
- Any other anonymous body larger than a form post may be: 413.

Under these, LimitedUploadHandler (console/safeguards/uploads.py) keeps at most
UPLOAD_MAX_BYTES + 1 bytes of any file a signed-in user uploads.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from console.accounts.permissions import send_to_login
from console.errorpages import MESSAGE_HEADER

Handler = Callable[[HttpRequest], HttpResponse]


def largest_body() -> int:
    """The most any request may carry: one upload of UPLOAD_MAX_BYTES plus the form around it."""
    return settings.UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body without a length it understands


def _refusal(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response[MESSAGE_HEADER] = message
    return response


def _too_large(limit: int) -> HttpResponse:
    megabytes = limit / (1024 * 1024)
    return _refusal(413, f"This request is larger than the console accepts ({megabytes:.1f} MB).")


class RequestSizeMiddleware:
    """Near the top of MIDDLEWARE: refuses a body too large, or of no declared length."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_TRANSFER_ENCODING" in request.META:
            return _refusal(411, "Send the request with a Content-Length.")
        if _declared_length(request) > largest_body():
            return _too_large(largest_body())
        return self.get_response(request)


class AnonymousBodyMiddleware:
    """After AuthenticationMiddleware (which knows the user without reading the body): an
    anonymous visitor's upload or large body is answered before CSRF's check reads it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        # Most requests carry no body worth asking about: they never load the session (so
        # /healthz still reads no database).
        if length <= min(settings.FILE_UPLOAD_MAX_MEMORY_SIZE, settings.DATA_UPLOAD_MAX_MEMORY_SIZE):
            return self.get_response(request)
        if request.user.is_authenticated:
            return self.get_response(request)
        # Django keeps a whole multipart body in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and
        # spools its files to disk above: an upload that large is no sign-in form, rather a form
        # whose session ended on the way.
        if request.content_type == "multipart/form-data" and length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            return send_to_login(request)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return _too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return self.get_response(request)
