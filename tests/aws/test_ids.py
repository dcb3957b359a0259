"""What a Cognito id is: the model's shape, and the region it names."""

from __future__ import annotations

import pytest

from console.aws.ids import bare_guid, is_cognito_id, pasted_id, region_of, unwrap_pasted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("us-east-1:0a1b2c3d-0000-4000-8000-000000000001", True),
        ("us-east-1:0A1B2C3D-0000-4000-8000-000000000001", False),
        ("us-east-1", False),
        ("us-east-1:" + "a" * 50, False),
        ("customer-1", False),
    ],
)
def test_ids_have_the_models_shape(value, expected):
    assert is_cognito_id(value) is expected


def test_the_region_is_the_part_before_the_colon():
    assert region_of("eu-west-1:0a1b2c3d-0000-4000-8000-000000000001") == "eu-west-1"


ID = "us-east-1:0a1b2c3d-0000-4000-8000-000000000001"


@pytest.mark.parametrize(
    "pasted",
    [
        ID,
        f"  {ID}\t\n",
        f'"{ID}"',
        f"'{ID}'",
        f"\u201c{ID}\u201d,",
        f"\u2018{ID}\u2019.",
        f"`{ID}`;",
        f"{ID},",
    ],
)
def test_what_surrounds_a_pasted_id_is_taken_off(pasted):
    assert unwrap_pasted(pasted) == ID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ID, ID),
        (ID.upper(), ID),
        ("Us-East-1:0A1b2C3d-0000-4000-8000-000000000001", ID),
        (f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{ID}", ID),
        (f"ARN:AWS:COGNITO-IDENTITY:US-EAST-1:123456789012:IDENTITYPOOL/{ID.upper()}", ID),
        (f"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{ID}/extra", None),
        ("Shop:BEEF", None),
        ("customer-1", None),
        ("0a1b2c3d-0000-4000-8000-000000000001", None),
    ],
)
def test_a_pasted_id_is_read_in_any_case_and_out_of_a_pool_arn(text, expected):
    assert pasted_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0A1B2C3D-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000001"),
        ("0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000001"),
        (ID, None),
        ("0a1b2c3d-0000-4000-8000", None),
        ("customer-1", None),
    ],
)
def test_a_guid_alone_is_recognised(text, expected):
    assert bare_guid(text) == expected


def test_a_developer_user_id_keeps_what_is_inside_it():
    assert unwrap_pasted(' "shop:user.one, the second" ') == "shop:user.one, the second"


@pytest.mark.parametrize(
    ("pasted", "meant"),
    [
        ('"customer-12345"', "customer-12345"),
        ("\u201ccustomer-12345\u201d,", "customer-12345"),
        ('"><img src=x onerror=alert(1)>', '"><img src=x onerror=alert(1)>'),
        ("'quoted", "'quoted"),
    ],
)
def test_only_a_quote_with_its_partner_at_the_other_end_is_taken_off(pasted, meant):
    assert unwrap_pasted(pasted) == meant
