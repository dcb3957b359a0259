"""Cross-site scripting payloads, and the check that a page shows them as text.

`assert_rendered_as_text(html, payload, shown)` parses the page and fails if the payload made
markup: a script element without src, an event-handler attribute, a javascript: URL, or an
element the page never uses (<xss>, <img>, an <svg> other than the console's charts' and job bars'). It also fails if the raw payload (when it
has characters HTML must escape) is in the page, and, when `shown` says what the page should
display, if that text is missing in its escaped form.
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.utils.html import escape

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "'';!--\"<XSS>=&{()}",
    "<svg/onload=alert(1)>",
    "'><a href=javascript:alert(1)>x</a>",
    "</textarea><script>alert(1)</script>",
    "{% debug %}",
)

# Elements a payload could bring in that no console page uses.
FOREIGN_ELEMENTS = {"xss", "svg", "img", "iframe", "object", "embed"}
# The classes of the console's own inline SVG: charts and job bars.
OUR_SVG = {"chart-svg", "job-bar", "job-bar small"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src"):
            self.problems.append("an inline <script>")
        # The console's own charts and job bars are inline SVG (templates/charts/, jobs/_bar.html):
        # only those are ours.
        ours = tag == "svg" and values.get("class") in OUR_SVG and values.get("role") == "img"
        if tag in FOREIGN_ELEMENTS and not ours:
            self.problems.append(f"a <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: URL in {name}= on <{tag}>")


def markup_problems(html: str) -> list[str]:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.problems


def assert_rendered_as_text(html: str, payload: str, shown: str | None = None) -> None:
    problems = markup_problems(html)
    assert not problems, f"payload {payload!r} made markup: {problems}"
    if escape(payload) != payload:
        assert payload not in html, f"payload {payload!r} is in the page unescaped"
    if shown is not None:
        assert escape(shown) in html, f"the page does not show {shown!r} as text"
