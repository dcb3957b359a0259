"""A bulk delete's membership check of ids the inventory knows (issue 21).

DeleteIdentities names no pool, so a bulk delete's ids are checked against its pool before it
can be confirmed (console/jobs/membership.py). The service's only check is one
LookupDeveloperIdentity per id, at AWS's 5 a second: 20,000 ids take about 4,000 s. Ids the
inventory listed in the pool pass without a call (an identity never changes pool).

Here the inventory is seeded with IDS identities of a pool through console/inventory/store.py
(as the console's own writes add them), a delete draft holding those ids is saved as the review
page saves it, and its check runs to the end as the Celery task runs it (`run_check`). Printed:
the check's time, the LookupDeveloperIdentity calls it made (counted on the console's clients,
target 0), and beside them what one call per id would take at the quota. Seeding is not timed.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

IDS = 20_000
REGION = "us-east-1"
LOOKUP = "LookupDeveloperIdentity"


@contextmanager
def counted_calls(region: str) -> Iterator[Counter[str]]:
    """Calls of each operation made by the console's clients for `region` (pages' and jobs')."""
    from console.aws.clients import get_client, get_job_client

    counted: Counter[str] = Counter()

    def count(model, **kwargs) -> None:
        counted[model.name] += 1

    clients = (get_client(region), get_job_client(region))
    for client in clients:
        client.meta.events.register("before-call.cognito-identity", count)
    try:
        yield counted
    finally:
        for client in clients:
            client.meta.events.unregister("before-call.cognito-identity", count)


def seed(pool_id: str, count: int) -> list[str]:
    """`count` identities of the pool in the inventory, as the console's own writes add them."""
    from console.inventory import store
    from console.inventory.store import ListedIdentity

    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ids = [f"{REGION}:{uuid.uuid4()}" for _ in range(count)]
    store.add_identities(pool_id, [ListedIdentity(identity_id, (), created, created) for identity_id in ids])
    return ids


def _draft(pool_id: str, ids: list[str]) -> int:
    """A delete draft of `ids`, saved "checking" as the review page saves it (its task not sent)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from console.jobs.models import CheckStatus, Draft, Kind

    user, _ = get_user_model().objects.get_or_create(username="bench-bulk-check")
    now = timezone.now()
    return Draft.objects.create(
        kind=Kind.DELETE,
        pool_id=pool_id,
        pool_name="bulk-check",
        targets=[[line, identity_id, ""] for line, identity_id in enumerate(ids, start=1)],
        created_by=user,
        created_at=now,
        check_status=CheckStatus.CHECKING,
        check_moved_at=now,
        checked_at=None,
    ).pk


def run(report: Callable[[str], None], count: int = IDS) -> None:
    """Seed, check, print the section."""
    import os

    from console.aws.clients import build_client
    from console.aws.limiter import rate
    from console.jobs import membership
    from console.jobs.models import Draft

    pool_id = build_client(REGION, "local").create_identity_pool(
        IdentityPoolName="bulk-check", AllowUnauthenticatedIdentities=True, DeveloperProviderName="login.bulk"
    )["IdentityPoolId"]
    ids = seed(pool_id, count)
    draft_id = _draft(pool_id, ids)
    load = os.getloadavg()[0]
    with counted_calls(REGION) as calls:
        started = time.monotonic()
        outcome = membership.run_check(draft_id)
        elapsed = time.monotonic() - started
    draft = Draft.objects.get(pk=draft_id)
    quota = rate(LOOKUP)
    report("")
    report(f"Bulk delete check of {count:,} ids the inventory knows (load average {load:.1f} at its start)")
    report(
        f"  {elapsed:8.1f} s, {calls[LOOKUP]} {LOOKUP} calls (target 0), {sum(calls.values())} calls in all; "
        f"check {outcome}, {draft.inventory_confirmed:,} confirmed by the inventory, {len(draft.targets):,} to delete"
    )
    report(f"  (one {LOOKUP} per id at AWS's {quota:g}/s: ~{count / quota:,.0f} s)")
