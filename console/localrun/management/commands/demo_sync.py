"""Start the first inventory sync of every demo pool, once (`make run`, after seed_demo and demo_admin).

When no sync was ever started, it starts one sync job per pool of AWS_REGIONS, attributed to the
demo admin, as `job sync --all-pools` does. It runs before the worker, beat and (maybe) the
embedded Redis are up, so it sends nothing to the broker: each job's walk is left unsent, and
beat's first reconciler pass (a few seconds after start) sends it to the worker.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from console.audit.record import audit_actor
from console.jobs import sync
from console.jobs.models import Job, Kind

from .demo_admin import USERNAME


def _not_sent(job_id: int) -> None:
    """The walk is left for the reconciler: the broker may not be running yet."""
    Job.objects.filter(pk=job_id).update(walk_dispatched_at=None)


class Command(BaseCommand):
    help = "Start the first inventory sync of every pool (development), once."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_sync is for development (DEBUG=true) only.")
        if Job.objects.filter(kind=Kind.SYNC).exists():
            self.stdout.write("The inventory was synced before: no sync started.")
            return
        user = get_user_model().objects.filter(username=USERNAME).first()
        if user is None:
            raise CommandError(f"Run demo_admin first: there is no user {USERNAME!r}.")
        with audit_actor(user.get_username(), user=user):
            started = sync.start_all(user=user, reason="First start of make run", send=_not_sent)
        for pool_id, job, _ in started:
            self.stdout.write(f"Inventory sync of pool {pool_id}: job {job.pk} (the worker runs it).")
