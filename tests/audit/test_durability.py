"""An audit event, once recorded, stays: no rollback of the caller's work removes it, and no
value too long for its column (or one the database refuses) keeps it from being stored."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from console.audit.models import AuditEvent
from console.audit.record import TRUNCATED, record_console_action
from console.aws import errors
from console.aws.calls import call
from tests.cognito import pool_arn

from .conftest import events


class _CallerFailed(Exception):
    """What makes the caller's transaction roll back."""


def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite allows one writer: inside the caller's transaction the event joins it (record.py); "
            "CI runs this on PostgreSQL"
        )


# The audit connection ("audit" alias) commits on its own, so these tests commit too and the
# tables are emptied after each (TRUNCATE, which the append-only trigger leaves alone).
durable = pytest.mark.django_db(transaction=True, databases=["default", "audit"])


@durable
def test_a_cognito_call_s_event_survives_the_rollback_of_the_caller_s_transaction(make_pool, region):
    _postgresql_only()
    pool = make_pool()

    with pytest.raises(_CallerFailed), transaction.atomic():
        call(region, "tag_resource", ResourceArn=pool_arn(pool, region), Tags={"team": "blue"})
        # Against AWS the tag is now set whatever happens here; the trail must still say so.
        raise _CallerFailed

    [event] = events()
    assert (event.operation, event.pool_id, event.outcome) == ("TagResource", pool, "success")


@durable
def test_a_console_action_s_event_survives_the_rollback_too(admin):
    _postgresql_only()

    with pytest.raises(_CallerFailed), transaction.atomic():
        record_console_action("job.cancel", request={"job": 12})
        raise _CallerFailed

    assert [event.request for event in events(operation="job.cancel")] == [{"job": 12}]


@durable
def test_outside_a_transaction_an_event_is_committed_at_once(region):
    with pytest.raises(errors.NotFound):
        call(region, "delete_identity_pool", IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000")

    # Read on a connection of its own: only committed rows are visible there.
    assert AuditEvent.objects.using("audit").filter(operation="DeleteIdentityPool").count() == 1


@pytest.mark.django_db
def test_an_id_too_long_for_its_column_is_stored_cut_with_a_marker(region):
    too_long = "us-east-1:" + "a" * 55  # 65 characters; the column holds 64

    with pytest.raises(errors.InvalidInput):
        call(region, "delete_identity_pool", IdentityPoolId=too_long)

    [event] = events()
    assert event.outcome == "error"
    assert len(event.pool_id) == 64
    assert event.pool_id == too_long[:63] + TRUNCATED
    # The request keeps the whole value: JSON has no column limit.
    assert event.request["IdentityPoolId"] == too_long


@pytest.mark.django_db
def test_every_text_column_is_cut_to_fit():
    record_console_action(
        "x" * 100,
        pool_id="p" * 100,
        identity_id="i" * 100,
        region="r" * 100,
        error_code="E" * 300,
        outcome="error",
    )

    [event] = events(outcome="error")
    for name in ("operation", "pool_id", "identity_id", "region", "error_code"):
        value = getattr(event, name)
        assert len(value) == AuditEvent._meta.get_field(name).max_length, name
        assert value.endswith(TRUNCATED), name


@pytest.mark.django_db
def test_characters_postgresql_refuses_are_replaced_not_lost(make_pool, region):
    pool = make_pool()

    with pytest.raises(errors.CognitoError):
        call(region, "tag_resource", ResourceArn=pool_arn(pool, region), Tags={"note": "a\x00b"})

    [event] = events()
    assert event.operation == "TagResource"
    assert event.request["Tags"] == {"note": "a\ufffdb"}
