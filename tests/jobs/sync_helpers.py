"""Helpers for the sync tests: starting a sync without a broker and running its walk here."""

from __future__ import annotations

from console.inventory.models import InventoryIdentity
from console.jobs import sync
from console.jobs.models import Job

from .conftest import REASON

# The walk helpers, for the tests that import them from here.
from .walk_helpers import finish as finish
from .walk_helpers import no_broker
from .walk_helpers import steps as steps


def start(pool_id: str, user, **options) -> Job:
    return sync.start_sync(pool_id, user=user, reason=REASON, send=no_broker, **options)


def live_ids(pool_id: str) -> set[str]:
    """The pool's identities the inventory holds as not gone."""
    rows = InventoryIdentity.objects.filter(pool_id=pool_id, gone_at__isnull=True)
    return set(rows.values_list("identity_id", flat=True))
