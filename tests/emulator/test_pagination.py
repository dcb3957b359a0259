"""Keyset pagination: stable while rows come and go, tokens that cannot be forged or misused."""

from __future__ import annotations

import base64
import json

import pytest

from console.emulator.models import Identity
from tests.cognito import DEVELOPER, FACEBOOK, aws_error

pytestmark = pytest.mark.django_db


def guests(cognito, pool_id: str, count: int) -> list[str]:
    return [cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(count)]


def walk(cognito, pool_id: str, max_results: int, between_pages=None, **extra) -> list[str]:
    seen: list[str] = []
    kwargs = {"IdentityPoolId": pool_id, "MaxResults": max_results, **extra}
    while True:
        page = cognito.list_identities(**kwargs)
        assert len(page["Identities"]) <= max_results
        seen.extend(item["IdentityId"] for item in page["Identities"])
        if "NextToken" not in page:
            return seen
        if between_pages:
            between_pages(seen)
        kwargs["NextToken"] = page["NextToken"]


def test_walking_identities_visits_each_once_while_others_come_and_go(cognito, pool_id):
    originals = guests(cognito, pool_id, 40)
    for n in range(10):
        originals.append(cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: f"fb-{n}"})["IdentityId"])
    deleted: set[str] = set()
    deleted_before_seen: set[str] = set()
    added: list[str] = []

    def churn(seen: list[str]) -> None:
        unseen = [identity for identity in originals if identity not in seen and identity not in deleted]
        cognito.delete_identities(IdentityIdsToDelete=[*unseen[:2], seen[0]])
        deleted.update([*unseen[:2], seen[0]])
        deleted_before_seen.update(unseen[:2])
        added.extend(guests(cognito, pool_id, 3))

    seen = walk(cognito, pool_id, 7, churn)
    assert len(seen) == len(set(seen))
    survivors = {identity for identity in originals if identity not in deleted}
    assert survivors <= set(seen)
    assert set(seen) <= set(originals) | set(added)
    assert not set(seen) & deleted_before_seen
    assert deleted_before_seen


def test_walking_a_pool_without_changes_sees_everything_in_creation_order(cognito, pool_id):
    originals = guests(cognito, pool_id, 15)
    assert walk(cognito, pool_id, 7) == originals


def test_a_token_whose_anchor_was_deleted_continues_after_it(cognito, pool_id):
    originals = guests(cognito, pool_id, 6)
    first = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=3)
    anchor = first["Identities"][-1]["IdentityId"]
    cognito.delete_identities(IdentityIdsToDelete=[anchor])
    rest = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=3, NextToken=first["NextToken"])
    assert [item["IdentityId"] for item in rest["Identities"]] == originals[3:]
    assert "NextToken" not in rest


def test_a_token_continues_even_when_every_later_row_is_gone(cognito, pool_id):
    originals = guests(cognito, pool_id, 4)
    first = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=2)
    cognito.delete_identities(IdentityIdsToDelete=originals[1:])
    rest = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=2, NextToken=first["NextToken"])
    assert rest["Identities"] == []
    assert "NextToken" not in rest


def test_hide_disabled_pages_skip_disabled_identities(cognito, pool_id):
    originals = guests(cognito, pool_id, 10)
    Identity.objects.filter(identity_id__in=originals[::2]).update(disabled=True)
    assert walk(cognito, pool_id, 2, HideDisabled=True) == originals[1::2]


def test_a_garbled_token_is_an_invalid_parameter(cognito, pool_id):
    guests(cognito, pool_id, 3)
    token = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=1)["NextToken"]
    for bad in ("garbage", token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x"):
        assert aws_error(cognito.list_identities, IdentityPoolId=pool_id, MaxResults=1, NextToken=bad) == (
            "InvalidParameterException",
            "Invalid NextToken.",
        )


def test_a_forged_token_is_an_invalid_parameter(cognito, pool_id):
    guests(cognito, pool_id, 3)
    token = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=1)["NextToken"]
    payload, *signature = token.split(":")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["a"] = 0
    forged_payload = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    forged = ":".join([forged_payload, *signature])
    code, _ = aws_error(cognito.list_identities, IdentityPoolId=pool_id, MaxResults=1, NextToken=forged)
    assert code == "InvalidParameterException"


def test_a_token_of_another_pool_is_refused(cognito, make_pool):
    first, second = make_pool(), make_pool()
    guests(cognito, first, 3)
    guests(cognito, second, 3)
    token = cognito.list_identities(IdentityPoolId=first, MaxResults=1)["NextToken"]
    code, _ = aws_error(cognito.list_identities, IdentityPoolId=second, MaxResults=1, NextToken=token)
    assert code == "InvalidParameterException"


def test_a_token_of_another_filter_or_operation_is_refused(cognito, pool_id):
    guests(cognito, pool_id, 3)
    token = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=1)["NextToken"]
    with_filter = aws_error(
        cognito.list_identities, IdentityPoolId=pool_id, MaxResults=1, HideDisabled=True, NextToken=token
    )
    other_operation = aws_error(cognito.list_identity_pools, MaxResults=1, NextToken=token)
    assert with_filter[0] == other_operation[0] == "InvalidParameterException"


def test_a_pool_list_token_continues_after_its_deleted_anchor(cognito):
    created = [
        cognito.create_identity_pool(IdentityPoolName=f"p{n}", AllowUnauthenticatedIdentities=True)[
            "IdentityPoolId"
        ]
        for n in range(4)
    ]
    first = cognito.list_identity_pools(MaxResults=2)
    cognito.delete_identity_pool(IdentityPoolId=created[1])
    rest = cognito.list_identity_pools(MaxResults=2, NextToken=first["NextToken"])
    assert [pool["IdentityPoolId"] for pool in rest["IdentityPools"]] == created[2:]


def test_lookup_tokens_are_tied_to_their_identity(cognito, pool_id):
    identities = []
    for user in ("a1", "a2", "b1"):
        identities.append(
            cognito.get_open_id_token_for_developer_identity(
                IdentityPoolId=pool_id, Logins={DEVELOPER: user}
            )["IdentityId"]
        )
    cognito.merge_developer_identities(
        SourceUserIdentifier="a2",
        DestinationUserIdentifier="a1",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    token = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identities[0], MaxResults=1)[
        "NextToken"
    ]
    code, _ = aws_error(
        cognito.lookup_developer_identity,
        IdentityPoolId=pool_id,
        IdentityId=identities[2],
        MaxResults=1,
        NextToken=token,
    )
    assert code == "InvalidParameterException"


def test_a_page_of_identities_costs_the_same_few_queries_however_many_logins(
    cognito, pool_id, django_assert_num_queries
):
    for n in range(10):
        cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: f"fb-{n}"})
    # The pool, the page of identities, and all of the page's logins in one query.
    with django_assert_num_queries(3):
        page = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=10)
    assert all(item["Logins"] == [FACEBOOK] for item in page["Identities"])
