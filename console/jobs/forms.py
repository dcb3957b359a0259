"""Forms of the jobs pages: what to delete or merge, and the job list's filters."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from console.safeguards.forms import REASON_MAX_LENGTH
from console.safeguards.uploads import validate_upload

from .models import Kind, Status
from .pool import PickerRegion, picker_regions

TYPED_HINT = "For a pool the list does not show: REGION:UUID, e.g. us-east-1:0a1b2c3d-…"


def _picker_choices(groups: list[PickerRegion], empty_label: str) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", empty_label)]
    for group in groups:
        note = group.note or ("" if group.pools else "no pools")
        label = f"{group.region} — {note}" if note else group.region
        choices.append((label, [(pool.pool_id, f"{pool.name} — {pool.pool_id}") for pool in group.pools]))
    return choices


class PoolPickerForm(forms.Form):
    """The pool a job is for: chosen by name (every region's pools, grouped by region), or its id
    typed or pasted for a pool the list cannot show. `cleaned_data["pool_id"]` is the one given.

    The list is read only when the form is shown (console/jobs/pool.py: from the shared cache of
    each region's listing); a form posted and accepted costs no listing. With `pool_fixed` (the
    pool page's own form, a schedule's edit) there is no list: the id is a hidden field.
    """

    pool_required = True
    empty_label = "Choose a pool…"

    pool = forms.CharField(
        required=False,
        max_length=55,
        label="Identity pool",
        help_text="Every pool of the console's regions, by name; type in the box below for another.",
        # A CharField, not a ChoiceField: the id is checked against the service (find_pool), so a
        # posted form need not list the pools to validate.
        widget=forms.Select(attrs={"data-pool-picker": ""}),
    )
    pool_id = forms.CharField(
        required=False,
        label="… or type or paste the pool id",
        help_text=TYPED_HINT,
        max_length=55,
        widget=forms.TextInput(attrs={"size": 50, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, pool_fixed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if pool_fixed:
            del self.fields["pool"]
            self.fields["pool_id"].widget = forms.HiddenInput()
            return
        self.fields["pool"].widget.choices = self._choices  # a callable: read when shown
        if not self.is_bound and self.initial.get("pool_id"):
            self._prefill(str(self.initial["pool_id"]).strip())

    @cached_property
    def picker_groups(self) -> list[PickerRegion]:
        return picker_regions()

    def _choices(self) -> list[tuple[str, Any]]:
        return _picker_choices(self.picker_groups, self.empty_label)

    def _prefill(self, pool_id: str) -> None:
        """A pool given in the URL (?pool=): chosen in the list when it is there, else typed."""
        listed = any(pool.pool_id == pool_id for group in self.picker_groups for pool in group.pools)
        if listed:
            self.initial = {**self.initial, "pool": pool_id, "pool_id": ""}

    def clean_pool_id(self) -> str:
        typed = (self.cleaned_data.get("pool_id") or "").strip()
        chosen = (self.cleaned_data.get("pool") or "").strip()
        if typed and chosen and typed != chosen:
            raise ValidationError(
                f"The list says {chosen} and the box says {typed}: empty the box to use the list, "
                f"or choose “{self.empty_label}” in the list to use the id typed.",
                code="two_pools",
            )
        if not (typed or chosen) and self.pool_required:
            raise ValidationError(
                "Choose the pool from the list, or type its id (REGION:UUID).", code="required"
            )
        return typed or chosen


class _InputForm(PoolPickerForm):
    """A pool, and the input either pasted or uploaded; `cleaned_data["text"]` is the input."""

    upload_types: tuple[str, ...] = ("text/csv",)
    # What goes in the text box and the file, by kind of job.
    text_label = ""
    text_hint = ""
    file_hint = ""

    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 70, "spellcheck": "false"}),
    )
    file = forms.FileField(required=False, label="… or upload a file")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = self.text_label
        self.fields["text"].help_text = self.text_hint
        self.fields["file"].help_text = self.file_hint

    def clean_file(self) -> str:
        upload = self.cleaned_data.get("file")
        return validate_upload(upload, self.upload_types) if upload else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pasted, uploaded = (data.get("text") or "").strip(), data.get("file") or ""
        if "file" in self.errors:
            return data
        if pasted and uploaded:
            raise ValidationError("Paste the list or upload a file, not both.", code="both")
        if not pasted and not uploaded:
            raise ValidationError("Paste the list or upload a file.", code="neither")
        data["text"] = pasted or uploaded
        return data


class DeleteInputForm(_InputForm):
    """The ids pasted or uploaded, or `inventory_filter`: the inventory browser's filter (its query
    string, "all" for no filter) whose matches the intake expands into the id list."""

    upload_types = ("text/plain", "text/csv")
    text_label = "Identity ids, one per line"
    text_hint = (
        "Lines that are not identity ids of the pool's region are reported by line number; duplicates "
        "are dropped; ids of another pool are refused after the check. A CSV's first column is read."
    )
    file_hint = (
        "A .txt file with one id per line, or a .csv file whose first column holds the ids "
        "(a header line is skipped)."
    )

    # Not "matches": a form control of that name would hide the form element's matches() method.
    inventory_filter = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        matches = (self.data.get("inventory_filter") or "").strip()
        if not matches:
            return super().clean()
        data = forms.Form.clean(self)
        if (data.get("text") or "").strip() or data.get("file"):
            raise ValidationError("Delete the matches or a list, not both.", code="both")
        data["text"] = ""
        return data


class MergeInputForm(_InputForm):
    upload_types = ("text/csv",)
    text_label = "Rows: source_user_identifier,destination_user_identifier"
    text_hint = (
        "One pair per line, comma-separated (a header line with these two names is skipped). A user "
        "may appear once as a source and never both as a source and a destination."
    )
    file_hint = "A .csv file with the same two columns."


class JobFilterForm(forms.Form):
    """The job list's filters, all from the query string."""

    pool = forms.CharField(
        required=False,
        max_length=64,
        label="Pool id",
        widget=forms.TextInput(attrs={"size": 30, "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    who = forms.CharField(
        required=False,
        max_length=150,
        label="Started by",
        widget=forms.TextInput(attrs={"size": 16, "autocomplete": "off"}),
    )

    def query(self) -> dict[str, str]:
        """The filters in use, as query-string pairs."""
        return {name: value for name, value in self.cleaned_data.items() if value}


# The one-off prune form and the schedule form ask for the two ages the same way, in the same
# words: a number of days, or a date. A one-off prune turns days into the date they come to
# today; a schedule keeps days (each run counts back from its own day), so a date given to it
# is turned into days when it is saved.
AGE_HELP = (
    "Days or a date, not both; leave both empty for no condition. Days count back from the day the "
    "prune runs (today for a one-off prune, each run's own day for a schedule). A schedule keeps "
    "days: a date given to it is turned into the days from that date to the day you save it."
)
DATE_HELP = "YYYY-MM-DD, compared with 00:00 UTC of that day."
AGES = (("modified_days", "modified_before"), ("created_days", "created_before"))


def _days_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1, max_value=36500, label=label, help_text=AGE_HELP)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        help_text=DATE_HELP,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Give the date as YYYY-MM-DD."},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class _AgeFields(forms.Form):
    """The unauthenticated and disabled boxes and the two ages (days or a date each), shared by
    the one-off prune and the prune schedule."""

    unauthenticated = forms.BooleanField(required=False, label="Unauthenticated: no linked logins (guests)")
    disabled = forms.BooleanField(
        required=False,
        label="Disabled (left without logins, e.g. by a merge)",
        help_text="Disabled identities are told apart by listing the pool twice: with HideDisabled, then without.",
    )
    modified_days = _days_field("Not modified for at least (days)")
    modified_before = _date_field("… or not modified since (UTC date)")
    created_days = _days_field("Created at least (days) ago")
    created_before = _date_field("… or created before (UTC date)")

    def _not_future(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if value and value > _today():
            raise ValidationError("That date is in the future: choose today or earlier (UTC).", code="future")
        return value

    def clean_modified_before(self) -> Any:
        return self._not_future("modified_before")

    def clean_created_before(self) -> Any:
        return self._not_future("created_before")

    def _one_of_each_age(self, data: dict[str, Any]) -> None:
        for days, day in AGES:
            if data.get(days) is not None and data.get(day):
                self.add_error(day, "Give days or a date, not both.")

    def _no_condition(self, data: dict[str, Any]) -> bool:
        names = ("unauthenticated", "disabled", *(name for pair in AGES for name in pair))
        ages_wrong = any(name in self.errors for pair in AGES for name in pair)
        return not ages_wrong and not any(data.get(name) not in (None, False) for name in names)


class PruneForm(PoolPickerForm, _AgeFields):
    """A prune's pool and filter (all checked conditions must hold; at least one), and why; ages
    given in days become the dates they come to today."""

    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (optional for the dry run)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["pool", "pool_id"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._one_of_each_age(data)
        if self._no_condition(data):
            raise ValidationError(
                "Choose at least one condition: a prune never deletes a whole pool.", code="no_condition"
            )
        for days, day in AGES:
            if data.get(days) is not None and not data.get(day):
                data[day] = _today() - dt.timedelta(days=data[days])
        return data


class ScheduleForm(PoolPickerForm, _AgeFields):
    """A prune schedule: the pool, the filter (ages kept in days: a date given becomes the days
    from it to today), the time, the unconfirmed limit."""

    time_of_day = forms.TimeField(
        label="Time of day (UTC)",
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={"invalid": "Give the time as HH:MM (24-hour, UTC)."},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    max_unconfirmed = forms.IntegerField(
        min_value=0,
        max_value=100_000_000,
        label="Delete without a person confirming, at most",
        help_text="A run that finds more stops at its dry run and waits for an admin. 0: every run waits.",
        error_messages={
            "required": "Say how many identities a run may delete without confirmation (0: always ask)."
        },
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text="A ticket id or a sentence. It is kept in the audit trail, and with every run.",
        error_messages={"required": "Say why: a ticket id or a sentence. It is kept in the audit trail."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["pool", "pool_id"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._one_of_each_age(data)
        if self._no_condition(data):
            raise ValidationError(
                "Choose at least one condition: a prune of every identity is not a schedule we run.",
                code="no_condition",
            )
        for days, day in AGES:
            if data.get(day) and data.get(days) is None:
                count = (_today() - data[day]).days
                if count < 1:
                    self.add_error(
                        day, "A schedule counts whole days back from each run: choose a date before today."
                    )
                else:
                    data[days] = count
        return data


class SyncScheduleForm(PoolPickerForm):
    """An inventory sync schedule: one pool (or every pool, left empty), the disabled pass, the time."""

    pool_required = False
    empty_label = "Every pool of the console's regions"

    disabled = forms.BooleanField(
        required=False,
        label="Also find disabled identities (lists each pool twice)",
        help_text="Lists each pool a second time, with HideDisabled: it doubles the listing.",
    )
    time_of_day = ScheduleForm.base_fields["time_of_day"]
    enabled = forms.BooleanField(required=False, initial=True, label="Enabled")
    reason = ScheduleForm.base_fields["reason"]


class ScheduleDeleteForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text="A ticket id or a sentence. It is kept in the audit trail.",
        error_messages={"required": "Say why: a ticket id or a sentence. It is kept in the audit trail."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ScheduleListForm(forms.Form):
    """The schedule list's pool filter, from the query string."""

    pool = forms.CharField(required=False, max_length=64)
