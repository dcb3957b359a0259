"""`emulator_seed` bulk-loads identities that the operations then answer for like their own."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from console.emulator.models import Identity, IdentityLogin, IdentityPool
from console.emulator.seeding import SeedError, seed_identities

pytestmark = pytest.mark.django_db

REGION = "us-east-1"
DEVELOPER = "login.seeded.app"
GOOGLE = "accounts.google.com"
FACEBOOK = "graph.facebook.com"


def _seed(count: int = 40, **options):
    options.setdefault("developer_provider", DEVELOPER)
    options.setdefault("logins_ratio", 0.5)
    options.setdefault("disabled_ratio", 0.25)
    # Small batches, so that a batch boundary falls inside the test data.
    return seed_identities("seeded", count, region=REGION, batch_size=16, rng=random.Random(7), **options)


def _all_identities(cognito, pool_id: str, **options) -> list[dict]:
    identities, kwargs = [], {"IdentityPoolId": pool_id, "MaxResults": 60, **options}
    while True:
        page = cognito.list_identities(**kwargs)
        identities += page["Identities"]
        if "NextToken" not in page:
            return identities
        kwargs["NextToken"] = page["NextToken"]


def test_seeding_creates_the_pool_with_public_and_developer_providers(cognito):
    result = _seed()

    assert result.pool_created
    pool = cognito.describe_identity_pool(IdentityPoolId=result.pool_id)
    assert pool["IdentityPoolName"] == "seeded"
    assert set(pool["SupportedLoginProviders"]) == {GOOGLE, FACEBOOK}
    assert pool["DeveloperProviderName"] == DEVELOPER
    assert pool["AllowUnauthenticatedIdentities"] is True


def test_seeding_adds_exactly_the_asked_shares_of_logins_and_disabled_identities():
    result = _seed(40, logins_ratio=0.5, disabled_ratio=0.25)

    identities = Identity.objects.filter(pool__pool_id=result.pool_id)
    assert (result.identities, result.with_login, result.disabled) == (40, 20, 10)
    assert identities.count() == 40
    assert identities.filter(disabled=True).count() == 10
    logins = IdentityLogin.objects.filter(pool__pool_id=result.pool_id)
    assert logins.count() == 20
    # One login per authenticated identity, spread over the providers; none on a disabled one.
    assert logins.values("identity").distinct().count() == 20
    assert not logins.filter(identity__disabled=True).exists()
    assert Counter(logins.values_list("provider", flat=True)) == {GOOGLE: 7, FACEBOOK: 7, DEVELOPER: 6}
    assert set(logins.filter(is_developer=True).values_list("provider", flat=True)) == {DEVELOPER}


def test_seeded_identities_are_listed_in_creation_order_with_their_logins(cognito):
    result = _seed(70)

    listed = _all_identities(cognito, result.pool_id)

    stored = list(
        Identity.objects.filter(pool__pool_id=result.pool_id)
        .order_by("id")
        .values_list("identity_id", flat=True)
    )
    assert [identity["IdentityId"] for identity in listed] == stored
    assert all(identity["IdentityId"].startswith(f"{REGION}:") for identity in listed)
    assert sum(1 for identity in listed if identity.get("Logins")) == result.with_login
    visible = _all_identities(cognito, result.pool_id, HideDisabled=True)
    assert len(visible) == 70 - result.disabled


def test_describe_identity_shows_a_seeded_identity_and_its_provider(cognito):
    result = _seed()
    login = IdentityLogin.objects.filter(pool__pool_id=result.pool_id, provider=GOOGLE).first()

    described = cognito.describe_identity(IdentityId=login.identity.identity_id)

    assert described["Logins"] == [GOOGLE]
    assert described["CreationDate"] == described["LastModifiedDate"]


def test_lookup_developer_identity_finds_seeded_developer_users(cognito):
    result = _seed()
    row = IdentityLogin.objects.get(pool__pool_id=result.pool_id, subject="user-000001")

    by_user = cognito.lookup_developer_identity(
        IdentityPoolId=result.pool_id, DeveloperUserIdentifier="user-000001"
    )
    by_identity = cognito.lookup_developer_identity(
        IdentityPoolId=result.pool_id, IdentityId=row.identity.identity_id
    )

    assert by_user["IdentityId"] == row.identity.identity_id
    assert by_identity["DeveloperUserIdentifierList"] == ["user-000001"]


def test_a_seeded_developer_user_signs_in_to_its_own_identity(cognito):
    result = _seed()
    row = IdentityLogin.objects.get(pool__pool_id=result.pool_id, subject="user-000002")

    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=result.pool_id, Logins={DEVELOPER: "user-000002"}
    )

    assert answer["IdentityId"] == row.identity.identity_id


def test_seeding_the_same_pool_name_again_reuses_the_pool_and_continues_the_numbering():
    first = _seed(40)
    second = _seed(40)

    assert not second.pool_created
    assert second.pool_id == first.pool_id
    assert IdentityPool.objects.filter(name="seeded").count() == 1
    assert Identity.objects.filter(pool__pool_id=first.pool_id).count() == 80
    developer_users = IdentityLogin.objects.filter(pool__pool_id=first.pool_id, is_developer=True)
    assert sorted(developer_users.values_list("subject", flat=True)) == [
        f"user-{n:06d}" for n in range(1, 13)
    ]


def test_ratios_adding_up_to_more_than_one_are_refused():
    with pytest.raises(SeedError, match="at most 1"):
        _seed(10, logins_ratio=0.8, disabled_ratio=0.3)


def test_the_command_reports_what_it_added():
    output = io.StringIO()

    call_command(
        "emulator_seed",
        "--pool",
        "from the command",
        "--identities",
        "25",
        "--logins-ratio",
        "0.4",
        "--disabled-ratio",
        "0.2",
        "--region",
        REGION,
        stdout=output,
    )

    text = output.getvalue()
    assert "Created pool" in text
    assert "added 25 identities: 10 with a login, 5 disabled" in text
    pool = IdentityPool.objects.get(name="from the command")
    assert pool.identity_set.count() == 25


def test_the_command_turns_a_bad_ratio_into_a_command_error():
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("emulator_seed", "--pool", "p", "--identities", "5", "--logins-ratio", "1.5")


def test_a_spread_seed_gives_creation_dates_over_the_days_asked_in_id_order(cognito):
    from datetime import UTC, datetime, timedelta

    result = _seed(50, spread_days=90)
    listed = _all_identities(cognito, result.pool_id)

    created = [identity["CreationDate"] for identity in listed]
    now = datetime.now(UTC)
    assert min(created) < now - timedelta(days=85)  # the oldest about 90 days ago
    assert max(created) > now - timedelta(days=5)
    by_row = Identity.objects.filter(pool__pool_id=result.pool_id).order_by("pk")
    assert [row.created_at for row in by_row] == sorted(row.created_at for row in by_row)
    for identity in listed:
        assert identity["CreationDate"] <= identity["LastModifiedDate"] <= now


def test_a_negative_spread_is_refused():
    with pytest.raises(SeedError, match="days"):
        _seed(5, spread_days=-1)
