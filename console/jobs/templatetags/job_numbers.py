"""`{{ job|job_numbers }}` (console/jobs/numbers.py): what a job's numbers mean for its kind. Numbers
on their own take Django's `intcomma` (1200 -> "1,200"), as on every page."""

from __future__ import annotations

from django import template

from console.jobs.models import Job
from console.jobs.numbers import Numbers, numbers_of

register = template.Library()


@register.filter
def job_numbers(job: Job) -> Numbers:
    return numbers_of(job)
