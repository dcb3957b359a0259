"""Hostile or out-of-range input on any page, in any parameter: a clear answer, never a 500.

Every page of the URLconf (tests/urls_helper.py) is fetched as an admin with each value in each
parameter the console reads from a query string or a form, so a page added later is covered too.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.urls_helper import all_pages

pytestmark = pytest.mark.django_db

PARAMETERS = (
    "user",
    "operation",
    "pool",
    "identity",
    "outcome",
    "date_from",
    "date_to",
    "older_than",
    "newer_than",
    "token",
    "region",
    "next",
    "q",
)
VALUES = (
    "9999-12-31",  # the last date: its next midnight overflows
    "0001-01-01",
    "0000-00-00",
    "10000-01-01",
    "a\x00b",  # PostgreSQL refuses NUL in text
    "\ud800",  # an unpaired surrogate
    "x" * 5000,
    "99999999999999999-999999999999999999",  # a cursor as large as its pattern allows
    "-1",
    "../../etc/passwd",
    "<script>alert(1)</script>",
)
SAFE_PAGES = [page for page in all_pages() if page.name not in ("logout",)]


def _query(value: str, names: tuple[str, ...] = PARAMETERS) -> str:
    # Encoded by hand: an unpaired surrogate arrives as the bytes a browser would send for it.
    encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
    return "&".join(f"{name}={encoded}" for name in names)


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
@pytest.mark.parametrize("page", SAFE_PAGES, ids=lambda page: page.name)
def test_no_page_answers_a_server_error_to_any_query_string(as_admin, redis_db, page, value):
    as_admin.raise_request_exception = False

    # One parameter at a time (a bad one could hide another's effect), then all of them at once.
    for names in [(name,) for name in PARAMETERS] + [PARAMETERS]:
        response = as_admin.get(f"{page.url}?{_query(value, names)}")

        assert response.status_code < 500, f"{page.url}?{names} = {value!r}: {response.status_code}"
        if response.streaming:
            b"".join(response.streaming_content)


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_the_export_refuses_bad_filters_before_it_starts_streaming(as_admin, value):
    as_admin.raise_request_exception = False

    for names in [(name,) for name in PARAMETERS] + [PARAMETERS]:
        response = as_admin.post(
            reverse("audit:export"), _query(value, names), content_type="application/x-www-form-urlencoded"
        )

        assert response.status_code in (200, 400), f"{names} = {value!r}: {response.status_code}"
        if response.streaming:
            b"".join(response.streaming_content)  # must not fail mid-stream


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_a_date_past_the_last_one_the_filter_can_use_is_explained(as_admin, field):
    response = as_admin.get(reverse("audit:list"), {field: "9999-12-31"})

    assert response.status_code == 200
    assert "Enter a date between 1970-01-01 and 9999-12-30." in response.content.decode()


def test_the_export_explains_an_out_of_range_date(as_admin):
    response = as_admin.post(reverse("audit:export"), {"date_to": "9999-12-31"})

    assert response.status_code == 400
    assert b"date_to: Enter a date between 1970-01-01 and 9999-12-30." in response.content
