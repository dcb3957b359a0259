"""Limits come from botocore's service model, never from numbers copied into the console."""

from __future__ import annotations

import botocore.session
import pytest

from console.aws import limits
from console.javaregex import compile_java_pattern

MODEL = botocore.session.get_session().get_service_model("cognito-identity")


@pytest.mark.parametrize(
    "shape", ["IdentityPoolName", "IdentityProviderId", "DeveloperProviderName", "ClaimName", "TagKeysType"]
)
def test_text_limits_are_the_models(shape):
    metadata = MODEL.shape_for(shape).metadata

    limit = limits.text(shape)

    assert (limit.min_length, limit.max_length, limit.pattern) == (
        metadata.get("min"),
        metadata.get("max"),
        metadata.get("pattern"),
    )


def test_a_value_at_the_maximum_passes_and_one_past_it_is_refused_naming_the_field():
    limit = limits.text("IdentityPoolName")

    assert limit.problem("a" * limit.max_length, "Pool name") is None
    assert limit.problem("a" * (limit.max_length + 1), "Pool name") == (
        f"Pool name may have at most {limit.max_length} characters; this has {limit.max_length + 1}."
    )


def test_lengths_count_code_points_as_aws_does():
    limit = limits.text("TagValueType")

    assert limit.problem("é" * limit.max_length, "Tag value") is None
    assert limit.problem("😀" * limit.max_length, "Tag value") is None


def test_the_minimum_is_checked_too():
    assert limits.text("ARNString").problem("arn:aws:iam::1:x", "ARN") == "ARN needs at least 20 characters."


def test_patterns_have_javas_ascii_meaning_of_word_characters():
    limit = limits.text("IdentityPoolName")

    assert limit.problem("shop pool_1+=,.@-", "Pool name") is None
    assert limit.problem("café", "Pool name") == (
        "Pool name may contain only ASCII letters, digits, spaces and the characters _ + = , . @ -."
    )


def test_unicode_property_classes_are_kept():
    limit = limits.text("ClaimName")

    assert limit.problem("custom:département", "Claim") is None
    assert limit.problem("two words", "Claim") == (
        "Claim may contain only letters, accents and marks, symbols, numbers and punctuation."
    )


def test_the_hint_says_the_limits_in_words():
    assert limits.text("IdentityPoolName").hint() == (
        "1 to 128 characters: only ASCII letters, digits, spaces and the characters _ + = , . @ -."
    )


def test_enums_are_the_models():
    assert limits.enum("MappingRuleMatchType") == tuple(MODEL.shape_for("MappingRuleMatchType").enum)


def test_counts_are_the_models_list_and_map_bounds():
    assert limits.count("IdentityProviders").max_items == MODEL.shape_for("IdentityProviders").metadata["max"]
    assert limits.count("RoleMappingMap").max_items == MODEL.shape_for("RoleMappingMap").metadata["max"]
    assert limits.count("PrincipalTags").max_items == MODEL.shape_for("PrincipalTags").metadata["max"]
    assert limits.count("OIDCProviderList").max_items is None


def test_rules_per_mapping_is_the_documented_limit_within_the_models_bound():
    # The model's list allows 400; its documentation says 25 per identity provider.
    documentation = MODEL.shape_for("RulesConfigurationType").members["Rules"].documentation
    structural = MODEL.shape_for("MappingRulesList").metadata["max"]

    limit = limits.rules_per_mapping()

    assert f"up to {limit.max_items} rules" in documentation, "botocore reworded it: update the phrase"
    assert limit.max_items < structural
    assert limit.min_items == MODEL.shape_for("MappingRulesList").metadata["min"]


def test_tags_per_pool_is_the_limit_tagresource_documents():
    documentation = MODEL.operation_model("TagResource").documentation

    limit = limits.tags_per_pool()

    assert limit.max_items is not None, "botocore reworded TagResource's limit: update the phrase"
    assert f"as many as {limit.max_items} tags" in documentation


def test_count_problems_name_the_group():
    limit = limits.count("IdentityProviders")

    assert limit.problem(limit.max_items, "Login providers") is None
    assert limit.problem(limit.max_items + 1, "Login providers") == (
        f"Login providers: at most {limit.max_items} are allowed; there are {limit.max_items + 1}."
    )


def test_a_shape_of_the_wrong_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        limits.text("IdentityProviders")
    with pytest.raises(ValueError):
        limits.count("IdentityPoolName")


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"[\w\s+=,.@-]+", "a b", True),
        (r"[\w\s+=,.@-]+", "é", False),
        (r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+", "é<>", True),
        (r"[\S]+", "a b", False),
        (r"(un)?authenticated", "unauthenticated", True),
    ],
)
def test_the_shared_java_regex_translation(pattern, value, matches):
    assert (compile_java_pattern(pattern).fullmatch(value) is not None) is matches
