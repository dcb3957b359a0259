"""The header's two small GET forms: the identity search and the region selector. They only
render (labels, widgets, choices); the lookup page and the pool list read the query string."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms


class HeaderSearchForm(forms.Form):
    """ "Find": sends ?q= to the lookup page."""

    q = forms.CharField(
        label="Find",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "id": "lookup-q",
                "placeholder": "identity, pool or developer user id",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )


class RegionForm(forms.Form):
    """The region selector: sends ?region= to the pool list."""

    region = forms.ChoiceField(label="Region", widget=forms.Select(attrs={"id": "region-select"}))

    def __init__(self, *, regions: Iterable[str], current: str) -> None:
        super().__init__(initial={"region": current})
        self.fields["region"].choices = [*((region, region) for region in regions), ("all", "All regions")]
