"""Login subjects of any size the API allows are stored and found again, on every database.

A unique index row on PostgreSQL holds at most about 2.7 KB: subjects are keyed by a digest
once their UTF-8 form is longer than 1 KB, whatever their length in characters.
"""

from __future__ import annotations

import random

import pytest

from console.emulator.models import IdentityLogin
from tests.cognito import DEVELOPER, FACEBOOK, GOOGLE, id_token

pytestmark = pytest.mark.django_db


def _text(length: int, low: int, high: int, seed: int) -> str:
    # Random characters: PostgreSQL compresses a repeated one, which would hide the limit.
    chooser = random.Random(seed)
    return "".join(chr(chooser.randint(low, high)) for _ in range(length))


CJK = (0x4E00, 0x9FFF)  # three bytes each in UTF-8
SUPPLEMENTARY = (0x20000, 0x2A6DF)  # four bytes each


@pytest.mark.parametrize(
    ("length", "plane"), [(2048, CJK), (2048, SUPPLEMENTARY), (1000, CJK)], ids=["cjk", "4-byte", "short"]
)
def test_a_multi_byte_id_token_subject_signs_in_to_one_identity(cognito, pool_id, length, plane):
    subject = _text(length, *plane, seed=length)

    first = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token(subject)})["IdentityId"]
    again = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token(subject)})["IdentityId"]

    assert first == again
    other = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token(subject[:-1] + "x")})
    assert other["IdentityId"] != first


def test_a_long_opaque_token_is_one_user(cognito, pool_id):
    token = _text(4000, *CJK, seed=7)

    first = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: token})["IdentityId"]

    assert cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: token})["IdentityId"] == first


def test_a_developer_user_id_of_1024_four_byte_characters_is_kept_whole(cognito, pool_id):
    user = _text(1024, *SUPPLEMENTARY, seed=11)

    identity = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: user}
    )["IdentityId"]

    again = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: user})
    assert again["IdentityId"] == identity
    found = cognito.lookup_developer_identity(
        IdentityPoolId=pool_id, DeveloperUserIdentifier=user, MaxResults=10
    )
    assert found["IdentityId"] == identity
    assert found["DeveloperUserIdentifierList"] == [user]


def test_every_stored_key_fits_the_index(cognito, pool_id):
    cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token(_text(2048, *SUPPLEMENTARY, seed=3))})
    cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: _text(1024, *SUPPLEMENTARY, seed=4)}
    )

    for login in IdentityLogin.objects.all():
        assert len(login.subject_key.encode()) <= 1024
