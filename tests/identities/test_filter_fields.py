"""The GET filter bars and the header's forms show their fields the way every form does
(templates/_field.html): each control has an id and a <label for> naming it, under the
query-string names bookmarked URLs use."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class _Controls(HTMLParser):
    """The visible controls (name -> id) and the labels' targets, of the forms with a given class."""

    def __init__(self, form_class: str) -> None:
        super().__init__()
        self.form_class, self.inside = form_class, False
        self.controls: dict[str, str | None] = {}
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = self.form_class in (found.get("class") or "").split()
        elif self.inside and tag == "label" and found.get("for"):
            self.labelled.add(found["for"])
        elif (
            self.inside and tag in ("input", "select") and found.get("type") != "hidden" and found.get("name")
        ):
            self.controls[found["name"]] = found.get("id")


def controls(html: str, form_class: str) -> _Controls:
    parser = _Controls(form_class)
    parser.feed(html)
    return parser


def assert_labelled(found: _Controls, names: list[str]) -> None:
    assert sorted(found.controls) == sorted(names)
    for name, control_id in found.controls.items():
        assert control_id and control_id in found.labelled, name


def test_the_pool_filter_is_labelled(as_viewer):
    found = controls(as_viewer.get(reverse("pools:list"), {"q": "shop"}).content.decode(), "filters")

    assert_labelled(found, ["q"])
    assert found.controls["q"] == "pool-filter"


def test_the_live_browser_bar_is_labelled(as_viewer, pool_id):
    html = as_viewer.get(reverse("identities:browser", args=[pool_id]), {"source": "live", "hide": "1"})

    assert_labelled(controls(html.content.decode(), "filters"), ["size", "hide"])


def test_the_inventory_bar_is_labelled(as_viewer, pool_id):
    html = as_viewer.get(
        reverse("identities:browser", args=[pool_id]), {"source": "inventory"}
    ).content.decode()

    assert_labelled(
        controls(html, "filters"),
        [
            "provider",
            "created_from",
            "created_before",
            "modified_from",
            "modified_before",
            "disabled",
            "id",
            "sort",
            "size",
        ],
    )


def test_the_lookup_bar_and_the_header_are_labelled(as_support):
    html = as_support.get(reverse("identities:lookup"), {"q": "nobody"}).content.decode()

    assert_labelled(controls(html, "filters"), ["q", "pool"])
    assert_labelled(controls(html, "lookup-form"), ["q"])
    assert_labelled(controls(html, "region-form"), ["region"])
    assert controls(html, "lookup-form").controls["q"] == "lookup-q"
    assert controls(html, "region-form").controls["region"] == "region-select"
