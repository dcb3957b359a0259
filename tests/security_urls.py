"""A URLconf for security tests: the console's URLs plus two test-only pages.

- `test-unlisted`: a page with no MATRIX entry, which the middleware must refuse.
- `test-danger`: a destructive action as later pages will build it: recent password,
  typed confirmation with a reason, and the shared _confirm.html fragment.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from console.safeguards.forms import DestructiveConfirmForm
from console.safeguards.reauth import recent_auth_required
from console.urls import urlpatterns as console_urlpatterns

DANGER_TEXT = "DELETE 3 IDENTITIES"

_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>Delete identities</h1>'
    '{% include "_confirm.html" %}{% endblock %}'
)


def unlisted(request: HttpRequest) -> HttpResponse:
    return HttpResponse("served a page the permission matrix does not know")


@recent_auth_required
def danger(request: HttpRequest) -> HttpResponse:
    form = DestructiveConfirmForm(request.POST or None, expected_text=DANGER_TEXT)
    if request.method == "POST" and form.is_valid():
        return HttpResponse(f"deleted; reason: {form.cleaned_data['reason']}")
    context = {
        "form": form,
        "changes": ["3 identities of pool “shop” will be deleted with their logins."],
        "button_label": "Delete 3 identities",
        "cancel_url": "/",
        "hidden": [("identity", "us-east-1:0a1b2c3d-0000-4000-8000-000000000001")],
    }
    return HttpResponse(_PAGE.render(context, request))


urlpatterns = [
    *console_urlpatterns,
    path("test/unlisted/", unlisted, name="test-unlisted"),
    path("test/danger/", danger, name="test-danger"),
]
