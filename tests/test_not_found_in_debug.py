"""With DEBUG on, as `make run` runs, "not found" is still the console's page: Django's list of
URL patterns only when SHOW_TECHNICAL_404 asks for it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL_PATTERN_DUMP = "Using the URLconf defined in"


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True
    settings.SHOW_TECHNICAL_404 = False


def _console_404(response) -> str:
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "/static/css/console.css" in html
    assert URL_PATTERN_DUMP not in html
    return html


def test_an_unknown_address_gets_the_console_page(as_viewer):
    html = _console_404(as_viewer.get("/no/such/page/"))

    assert 'data-testid="signed-in-user"' in html  # the console's layout, for the signed-in user


def test_a_view_that_finds_nothing_gets_the_console_page(as_admin):
    _console_404(as_admin.get("/jobs/987654/"))


def test_an_address_without_its_slash_is_still_redirected(as_viewer):
    response = as_viewer.get("/audit")

    assert response.status_code == 301 and response["Location"] == "/audit/"


def test_show_technical_404_brings_back_djangos_page(settings, as_viewer):
    settings.SHOW_TECHNICAL_404 = True

    response = as_viewer.get("/no/such/page/")

    assert response.status_code == 404
    assert URL_PATTERN_DUMP in response.content.decode()
