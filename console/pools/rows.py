"""Repeated rows in a form (providers, ARNs, tags, rules): read, add, remove, reorder, validate.

Rows are posted as `<prefix>-<n>-<field>`. Adding, removing or moving a row is a submit
button (`row=add:<prefix>`, `row=remove:<prefix>:<n>`, `row=up:<prefix>:<n>`,
`row=down:<prefix>:<n>`): the whole form is posted, so nothing typed is lost, and the page
comes back with the rows changed, with or without JavaScript (htmx swaps just the form).
Buttons are ordinary buttons, so reordering works from the keyboard.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms

from console.aws.limits import CountLimit

Row = dict[str, str]

_ROW_KEY = re.compile(r"^(?P<prefix>.+)-(?P<index>\d+)-(?P<field>[a-z_]+)$")
MAX_ROWS = 500  # a form never has more rows than this, whatever is posted


def add_form_error(form: forms.Form, field_name: str, message: str) -> None:
    """Add an error to a field of a bound or unbound form (an unbound one shows the typed values)."""
    form.errors  # noqa: B018 - validates a bound form; an unbound one gets an empty error dict
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    form.add_error(field_name, message)


def read_rows(data: Mapping[str, Any], prefix: str, fields: tuple[str, ...]) -> list[Row]:
    """The rows posted under `prefix`, in the order of their numbers (gaps are fine)."""
    found: dict[int, Row] = {}
    for key in data:
        match = _ROW_KEY.match(key)
        if not match or match["prefix"] != prefix or match["field"] not in fields:
            continue
        index = int(match["index"])
        if index < MAX_ROWS:
            found.setdefault(index, {})[match["field"]] = data.get(key, "")
    return [{name: row.get(name, "") for name in fields} for _, row in sorted(found.items())]


@dataclass(frozen=True)
class RowAction:
    """What a row button asked for; `focus` is the row whose button should have focus after."""

    verb: str  # add, remove, up, down
    prefix: str
    index: int = -1

    @classmethod
    def parse(cls, value: str | None) -> RowAction | None:
        parts = (value or "").split(":")
        if len(parts) == 2 and parts[0] == "add":
            return cls("add", parts[1])
        if len(parts) == 3 and parts[0] in ("remove", "up", "down") and parts[2].isdigit():
            return cls(parts[0], parts[1], int(parts[2]))
        return None

    def apply(self, rows: list[Row], blank: Row) -> tuple[list[Row], int]:
        """The rows after the action, and the index of the row to focus (-1: none)."""
        rows = list(rows)
        index = self.index
        if self.verb == "add":
            rows.append(dict(blank))
            return rows, len(rows) - 1
        if not 0 <= index < len(rows):
            return rows, -1
        if self.verb == "remove":
            del rows[index]
            return rows, min(index, len(rows) - 1)
        other = index - 1 if self.verb == "up" else index + 1
        if not 0 <= other < len(rows):
            return rows, index
        rows[index], rows[other] = rows[other], rows[index]
        return rows, other


@dataclass
class RowGroup:
    """The rows of one repeated part of a form, each checked by `form_class`."""

    prefix: str
    form_class: type[forms.Form]
    rows: list[Row]
    label: str  # names the group in count errors, e.g. "Login providers"
    limit: CountLimit | None = None
    bound: bool = False  # False: rows are shown as typed, without errors (after a row action)
    focus: int = -1  # row whose first control gets focus (after add/remove/move)
    focus_verb: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.form_class.base_fields)

    def blank(self) -> Row:
        return dict.fromkeys(self.fields, "")

    @property
    def forms(self) -> list[forms.Form]:
        if not hasattr(self, "_forms"):
            self._forms = [self._form(index, row) for index, row in enumerate(self.rows)]
        return self._forms

    def _form(self, index: int, row: Row) -> forms.Form:
        prefix = f"{self.prefix}-{index}"
        if not self.bound:
            form = self.form_class(initial=row, prefix=prefix)
            if self.focus_verb == "add" and index == self.focus:
                # The new row's first control gets the focus (htmx honours autofocus after a swap).
                next(iter(form.fields.values())).widget.attrs["autofocus"] = True
            return form
        data = {f"{prefix}-{name}": value for name, value in row.items() if value != ""}
        return self.form_class(data=data, prefix=prefix)

    @property
    def focus_button(self) -> str:
        """Which button of row `focus` takes the focus after a row action ("add": the add button)."""
        count = len(self.rows)
        if self.focus_verb == "remove":
            return "remove" if self.focus >= 0 else "add"
        if self.focus_verb in ("up", "down") and count > 1:
            if self.focus == 0:
                return "down"
            if self.focus == count - 1:
                return "up"
            return self.focus_verb
        if self.focus_verb in ("up", "down"):
            return "remove"
        return ""

    @property
    def moved_message(self) -> str:
        """Said to screen readers after a move: where the row is now."""
        if self.focus_verb in ("up", "down") and self.focus >= 0:
            return f"Moved to position {self.focus + 1} of {len(self.rows)}."
        return ""

    def is_blank(self, row: Row) -> bool:
        """A row left empty is ignored (checkboxes alone do not count)."""
        text_fields = [
            name
            for name, form_field in self.form_class.base_fields.items()
            if not isinstance(form_field, forms.BooleanField)
        ]
        return all(not str(row.get(name, "")).strip() for name in text_fields)

    def is_valid(self) -> bool:
        valid = True
        filled = 0
        for row, form in zip(self.rows, self.forms, strict=True):
            if self.is_blank(row):
                continue
            filled += 1
            valid = form.is_valid() and valid
        problem = self.limit.problem(filled, self.label) if self.limit else None
        if problem:
            self.errors.append(problem)
            valid = False
        return valid

    def cleaned(self) -> list[dict[str, Any]]:
        """The cleaned data of every filled row (after is_valid)."""
        return [
            form.cleaned_data
            for row, form in zip(self.rows, self.forms, strict=True)
            if not self.is_blank(row)
        ]

    def apply(self, action: RowAction) -> None:
        self.rows, self.focus = action.apply(self.rows, self.blank())
        self.focus_verb = action.verb
        self.bound = False
        self.__dict__.pop("_forms", None)

    def add_error(self, index: int | None, field_name: str | None, message: str) -> None:
        """A service error for one row's field (when known) or for the whole group."""
        if index is not None and 0 <= index < len(self.rows) and field_name in self.fields:
            add_form_error(self.forms[index], field_name, message)
        else:
            self.errors.append(message)

    def place_service_error(self, message: str, field_name: str = "key") -> None:
        """A refused call's message: on the row whose value it quotes, or on the whole group."""
        self.add_error(self.row_quoted_in(message), field_name, message)

    def keys_unique(self, field_name: str = "key", what: str = "Tag keys") -> bool:
        """After is_valid: no two filled rows share `field_name`; else a group error naming them."""
        keys = [row[field_name] for row in self.cleaned()]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            self.errors.append(f"{what} must be unique; listed more than once: {', '.join(duplicates)}.")
        return not duplicates

    def row_quoted_in(self, message: str) -> int | None:
        """The row whose value the message quotes ('value'), if any: the one the service refused."""
        for index, row in enumerate(self.rows):
            if any(value and f"'{value}'" in message for value in row.values()):
                return index
        return None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(form.is_bound and form.errors for form in self.forms)

    @property
    def describedby(self) -> str:
        return f"{self.prefix}-errors" if self.errors else ""
