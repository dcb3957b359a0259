"""Error pages with DEBUG off: the console's layout, plain words, the request id, no trace, no secret."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse

from console.errorpages import MESSAGE_HEADER, server_error
from console.requestid import HEADER as REQUEST_ID
from console.requestid import RequestIdFilter

pytestmark = pytest.mark.django_db

BRAND = "Cognito Identity Console"


@pytest.fixture(autouse=True)
def _production_errors(settings):
    # What a deployment sees: Django's technical pages are off.
    settings.DEBUG = False


def _assert_plain_error_page(response, status: int) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert BRAND in html
    assert "/static/css/console.css" in html
    assert "Traceback" not in html and 'id="traceback"' not in html
    assert django_settings.SECRET_KEY not in html
    return html


def test_a_malformed_request_gets_the_400_page(settings, client):
    settings.ALLOWED_HOSTS = ["console.example.com"]

    response = client.get("/", HTTP_HOST="attacker.example")

    html = _assert_plain_error_page(response, 400)
    assert "could not understand this request" in html
    assert "attacker.example" not in html


def test_an_unknown_address_gets_the_404_page(as_viewer):
    html = _assert_plain_error_page(as_viewer.get("/no/such/page/"), 404)

    assert "Page not found" in html
    assert 'href="/"' in html


def test_a_403_says_which_role_is_needed_on_the_page_and_in_a_header(as_viewer):
    response = as_viewer.get(reverse("audit:list"))

    html = _assert_plain_error_page(response, 403)
    assert "This needs the admin role (view audit)." in html
    assert response[MESSAGE_HEADER] == "This needs the admin role (view audit)."


def test_an_unexpected_failure_gets_the_500_page_with_the_request_id(admin, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("console.pools.views.listing.list_pools_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(admin)

    response = client.get(reverse("pools:list"))

    html = _assert_plain_error_page(response, 500)
    assert "Something went wrong on our side" in html
    assert "hunter2" not in html and "RuntimeError" not in html
    request_id = response[REQUEST_ID]
    assert len(request_id) == 32
    assert f'<code data-testid="request-id">{request_id}</code>' in html
    assert request_id in response[MESSAGE_HEADER]


def test_the_500_page_renders_without_the_database_or_context_processors():
    # No django_db mark here: any query would fail the test.
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_an_expired_login_form_says_so_in_plain_words(viewer):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": viewer.username, "password": "x"})

    html = _assert_plain_error_page(response, 403)
    assert "This form has expired" in html
    assert "reload the page" in html.lower()
    assert "CSRF verification failed" not in html


def test_an_htmx_post_without_a_valid_token_is_explained_in_a_header(viewer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)

    response = client.post(reverse("reauth"), {"password": "x"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert response[MESSAGE_HEADER].startswith("This form has expired, so nothing was saved.")


def test_every_answer_carries_a_request_id_and_its_log_lines_name_it(as_viewer, caplog):
    caplog.handler.addFilter(RequestIdFilter())

    # A refusal raised in a view, and a 405 Django logs after the middleware has returned.
    first = as_viewer.get(reverse("audit:list"))
    second = as_viewer.delete(reverse("pools:list"))

    assert first[REQUEST_ID] != second[REQUEST_ID]
    refusals = [record for record in caplog.records if record.name == "django.request"]
    assert [record.request_id for record in refusals] == [first[REQUEST_ID], second[REQUEST_ID]]
