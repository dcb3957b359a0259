"""The identity pages keep the inventory fresh without a sync: a deleted or merged-away identity is
gone at once (with its audit event), a registered or signed-in one is added at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.identities.views.actions import DELETE_ONE
from console.inventory import queries
from console.inventory.models import GoneHow, InventoryIdentity
from console.jobs import sync, walk
from tests.cognito import DEVELOPER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def synced(pool_id: str, admin) -> None:
    """A complete inventory sync of the pool, run here."""
    job = sync.start_sync(pool_id, user=admin, send=lambda job_id: None)
    while walk.run_walk(job.pk, send=lambda job_id: None) is False:
        pass


def test_an_identity_deleted_from_its_page_is_gone_at_once_with_its_event(as_admin, admin, pool_id, guests):
    doomed, kept = guests(pool_id, 2)
    synced(pool_id, admin)

    as_admin.post(
        reverse("identities:delete", args=[doomed]),
        {"pool": pool_id, "confirmation": DELETE_ONE, "reason": "GDPR request 4"},
    )

    row = InventoryIdentity.objects.get(pk=doomed)
    event = AuditEvent.objects.get(operation="DeleteIdentities")
    assert (row.gone_how, row.gone_event_id, row.gone_job_id) == (GoneHow.DELETED, event.pk, None)
    assert queries.pool_of(doomed).gone.event_id == event.pk
    assert InventoryIdentity.objects.get(pk=kept).gone_at is None
    assert queries.stats(pool_id).total == 1


def test_an_identity_merged_away_from_the_page_is_gone_at_once(as_admin, admin, pool_id, developer_user):
    keeper, other = developer_user(pool_id, "customer-1"), developer_user(pool_id, "customer-2")
    synced(pool_id, admin)

    response = as_admin.post(
        reverse("identities:merge", args=[keeper]),
        {
            "pool": pool_id,
            "source": "customer-2",
            "into": "customer-1",
            "confirmation": "MERGE customer-2",
            "reason": "Ticket 99",
        },
    )

    assert response.status_code == 302
    row = InventoryIdentity.objects.get(pk=other)
    event = AuditEvent.objects.get(operation="MergeDeveloperIdentities")
    assert (row.gone_how, row.gone_event_id) == (GoneHow.MERGED, event.pk)
    assert InventoryIdentity.objects.get(pk=keeper).gone_at is None
    assert queries.stats(pool_id).total == 1


def test_a_developer_user_registered_from_the_page_is_added_at_once(as_admin, admin, cognito, pool_id):
    synced(pool_id, admin)

    as_admin.post(reverse("identities:register_developer", args=[pool_id]), {"user": "customer-7"})

    identity_id = cognito.lookup_developer_identity(
        IdentityPoolId=pool_id, DeveloperUserIdentifier="customer-7"
    )["IdentityId"]
    found = queries.pool_of(identity_id)
    described = cognito.describe_identity(IdentityId=identity_id)
    assert (found.pool_id, found.providers, found.gone) == (pool_id, (DEVELOPER,), None)
    assert found.created == described["CreationDate"]
    assert queries.stats(pool_id).total == 1


def test_a_guest_signed_in_by_the_tester_is_added_at_once(as_support, admin, pool_id, with_roles):
    with_roles(pool_id)
    synced(pool_id, admin)

    as_support.post(reverse("identities:signin_tester", args=[pool_id]), {"flow": "unauthenticated"})

    event = AuditEvent.objects.get(operation="identities.signin_test")
    found = queries.pool_of(event.identity_id)
    assert found is not None and found.pool_id == pool_id and found.guest
    stats = queries.stats(pool_id)
    assert (stats.total, stats.guests) == (1, 1)


def test_the_added_identity_is_kept_by_the_next_sync(as_admin, admin, cognito, pool_id):
    synced(pool_id, admin)
    as_admin.post(reverse("identities:register_developer", args=[pool_id]), {"user": "customer-8"})

    synced(pool_id, admin)

    assert InventoryIdentity.objects.filter(pool_id=pool_id, gone_at__isnull=True).count() == 1
