"""What a Cognito id is: the model's shape, and the region it names."""

from __future__ import annotations

import pytest

from console.aws.ids import is_cognito_id, region_of


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
