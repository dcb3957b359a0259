"""`{{ value|number }}` (1200 -> "1,200") and `{{ job|job_numbers }}` (console/jobs/numbers.py):
the one number format of the job screens, and what a job's numbers mean for its kind."""

from __future__ import annotations

from typing import Any

from django import template

from console.jobs.models import Job
from console.jobs.numbers import Numbers, number, numbers_of

register = template.Library()


@register.filter(name="number")
def number_filter(value: Any) -> str:
    """A whole number with thousands separators; anything else as it is."""
    if value is None or value == "":
        return ""
    try:
        return number(int(value))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def job_numbers(job: Job) -> Numbers:
    return numbers_of(job)
