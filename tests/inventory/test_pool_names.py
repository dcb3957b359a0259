"""The pools' last known names: sightings, complete listings, deletes, and the batch read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from console.inventory import pool_names
from console.inventory.models import KnownPool

pytestmark = pytest.mark.django_db

A = "us-east-1:0a1b2c3d-0000-4000-8000-00000000000a"
B = "us-east-1:0a1b2c3d-0000-4000-8000-00000000000b"
WEST = "eu-west-1:0a1b2c3d-0000-4000-8000-00000000000c"


def test_a_sighting_adds_renames_and_revives():
    pool_names.seen([(A, "Shop"), (WEST, "Loyalty")])
    pool_names.gone(A)
    pool_names.seen([(A, "Shop 2")])

    assert pool_names.names([A, WEST, B]) == {
        A: pool_names.PoolName(A, "Shop 2"),
        WEST: pool_names.PoolName(WEST, "Loyalty"),
        B: pool_names.PoolName(B),
    }
    assert KnownPool.objects.get(pk=WEST).region == "eu-west-1"


def test_seeing_an_unchanged_pool_again_writes_nothing():
    pool_names.seen([(A, "Shop")])

    with CaptureQueriesContext(connection) as queries:
        pool_names.seen([(A, "Shop")])

    assert len(queries) == 1  # the read


def test_a_complete_listing_marks_the_regions_unlisted_pools_deleted():
    before = timezone.now() - dt.timedelta(minutes=5)
    pool_names.seen([(A, "Shop"), (B, "Old"), (WEST, "Loyalty")], at=before)

    pool_names.listed("us-east-1", [(A, "Shop")], started=timezone.now())

    found = pool_names.names([A, B, WEST])
    assert found[B] == pool_names.PoolName(B, "Old", deleted=True)
    assert not found[A].deleted and not found[WEST].deleted  # another region is not touched
    assert [pool.pool_id for pool in pool_names.known_in("us-east-1")] == [A]


def test_a_pool_seen_after_the_listing_began_is_not_taken_for_deleted():
    started = timezone.now()
    pool_names.seen([(B, "Created meanwhile")], at=started + dt.timedelta(seconds=1))

    pool_names.listed("us-east-1", [(A, "Shop")], started=started)

    assert not pool_names.name_of(B).deleted


def test_the_label_text_says_deleted():
    assert pool_names.PoolName(A, "Old", deleted=True).text == f"“Old” (deleted, {A})"
    assert pool_names.PoolName(A, "Shop").text == f"“Shop” ({A})"
    assert pool_names.PoolName(A).text == A
