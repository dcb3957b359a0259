"""The inventory kept fresh by this app's own writes (console/inventory/store.py), between syncs.

An identity the console deletes or merges away is marked gone at once, with the audit event of
the call; one it creates (developer registration, the sign-in tester) is added at once, with the
dates DescribeIdentity gives (an identity that already existed keeps its true creation date).
The gateway never touches the inventory: its callers do, here, after the call succeeded.

A failure here never fails the person's action (the Cognito call already happened): it is
logged, and the next sync puts the inventory right.
"""

from __future__ import annotations

import logging

from django.db import transaction

from console.audit.models import AuditEventIdentity
from console.aws import identities as gateway
from console.aws.errors import CognitoError
from console.inventory import store
from console.inventory.models import GoneHow

logger = logging.getLogger(__name__)


def last_event_id(identity_id: str, operation: str) -> int | None:
    """The newest audit event of `operation` about the identity (the call just made)."""
    return (
        AuditEventIdentity.objects.filter(identity_id=identity_id, event__operation=operation)
        .order_by("-event_id")
        .values_list("event_id", flat=True)
        .first()
    )


def deleted(identity_id: str) -> None:
    """The console deleted this identity (the identity page's Delete)."""
    _mark(identity_id, GoneHow.DELETED, "DeleteIdentities")


def merged_away(identity_id: str) -> None:
    """A merge moved this identity's logins into another and left it disabled."""
    _mark(identity_id, GoneHow.MERGED, "MergeDeveloperIdentities")


def _mark(identity_id: str, how: GoneHow, operation: str) -> None:
    try:
        with transaction.atomic():  # a failed write rolls back to here, not the caller's work
            store.mark_gone([identity_id], how=how, event_id=last_event_id(identity_id, operation))
    except Exception:
        logger.exception("Could not mark identity %s gone (%s) in the inventory.", identity_id, how)


def created(pool_id: str, identity_id: str) -> None:
    """The console created (or signed in) this identity: add it, as DescribeIdentity describes it."""
    try:
        identity = gateway.describe_identity(identity_id)
    except CognitoError as exc:
        logger.info("Identity %s not added to the inventory: %s (the next sync lists it).", identity_id, exc)
        return
    try:
        with transaction.atomic():
            store.add_identities(pool_id, [identity])
    except Exception:
        logger.exception("Could not add identity %s to the inventory.", identity_id)
