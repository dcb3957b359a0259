"""A search's filters travel in URLs: what a page writes, the next page reads back the same."""

from __future__ import annotations

import datetime as dt

from console.inventory.queries import Filters, Sort
from console.inventory.querystring import describe, encode, parse

DAY = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_every_filter_and_the_order_survive_the_round_trip():
    filters = Filters(
        provider="graph.facebook.com",
        created_from=DAY,
        created_before=DAY + dt.timedelta(days=5),
        modified_from=DAY,
        modified_before=DAY + dt.timedelta(days=9),
        disabled=False,
        id_contains="abc",
    )
    parsed = parse(encode(filters, Sort.MODIFIED))
    assert (parsed.filters, parsed.sort, parsed.problems) == (filters, Sort.MODIFIED, ())


def test_guests_and_signed_in_are_choices_of_the_provider_filter():
    assert parse(encode(Filters(guests=True))).filters == Filters(guests=True)
    assert parse({"provider": "signed-in"}).filters == Filters(guests=False)


def test_no_filter_is_an_empty_query_and_newest_first():
    assert encode(Filters()) == {}
    assert parse({}) == parse(encode(Filters()))
    assert parse({}).sort is Sort.CREATED_DESC


def test_a_value_that_is_not_valid_is_left_out_and_said():
    parsed = parse({"created_from": "yesterday", "sort": "name", "disabled": "maybe"})
    assert parsed.filters == Filters()
    assert parsed.sort is Sort.CREATED_DESC
    assert len(parsed.problems) == 2


def test_the_filters_are_described_in_words():
    assert describe(Filters()) == "every identity"
    assert describe(Filters(guests=True, created_before=DAY)) == "guests, created before 2026-03-01"
