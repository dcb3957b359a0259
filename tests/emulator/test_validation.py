"""Requests that break the model get AWS's ValidationException (or SerializationException).

The limit cases are generated from botocore's model: for every constrained spot of every
operation's input, a minimal valid request carries a value at the limit (accepted) and one past
it (rejected, naming the member path and the constraint).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import botocore.session
import pytest
import regex
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.aws.clients import build_client
from console.emulator import errors
from console.emulator.protocol import handle
from console.emulator.validation import MAX_PROBLEMS, validate_input

MODEL = botocore.session.get_session().get_service_model("cognito-identity")
PREFIX_ONE = "1 validation error detected: "
POOL_ID = "us-east-1:12345678-1234-1234-1234-123456789012"


# --- talking to the service ----------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    code: str | None
    message: str | None


def call(operation: str, body: Any) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "x-amz-target": f"AWSCognitoIdentityService.{operation}",
        "content-type": "application/x-amz-json-1.1",
    }
    response = handle("POST", "/", headers, raw)
    payload = json.loads(response.body or b"{}")
    return Answer(response.status, payload.get("__type"), payload.get("message"))


def problems_of(operation: str, params: dict[str, Any]) -> list[str]:
    try:
        validate_input(operation, params)
    except errors.ValidationError as error:
        return error.problems
    return []


# --- reading the model ---------------------------------------------------------------------


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_scalar(shape) -> bool:
    return shape.type_name not in ("structure", "list", "map")


def _pattern_allows(shape, value: str) -> bool:
    pattern = shape.metadata.get("pattern")
    # The candidates below are ASCII, where Java's and Python's \w, \d and \s agree.
    return pattern is None or regex.fullmatch(pattern, value) is not None


def _allowed_ignoring_length(shape, value: str) -> bool:
    enum = shape.metadata.get("enum")
    return (enum is None or value in enum) and _pattern_allows(shape, value)


def _candidates(length: int):
    yield from ("authenticated", "unauthenticated")
    for number in range(2000):
        for template in (str(number), f"k{number}", f"a:{number}"):
            if len(template) <= length:
                yield template.ljust(length, "0")


@functools.cache
def _strings_of_length(shape_name: str, count: int, length: int) -> tuple[str, ...]:
    return tuple(_search_strings(MODEL.shape_for(shape_name), count, length))


def strings_of_length(shape, count: int, length: int) -> list[str]:
    """Up to `count` distinct strings of `length` characters that `shape` allows but for length."""
    return list(_strings_of_length(shape.name, count, length))


def _search_strings(shape, count: int, length: int) -> list[str]:
    found: list[str] = []
    if count <= 0:
        return found
    for candidate in _candidates(length):
        if len(candidate) == length and candidate not in found and _allowed_ignoring_length(shape, candidate):
            found.append(candidate)
            if len(found) == count:
                break
    return found


def valid_strings(shape, count: int) -> list[str]:
    """Up to `count` distinct strings `shape` allows, shortest first."""
    enum = shape.metadata.get("enum")
    if enum or count <= 0:
        return list((enum or [])[: max(count, 0)])
    low = max(shape.metadata.get("min", 0), 1)
    high = shape.metadata.get("max", low + 20)
    found: list[str] = []
    for length in range(low, min(high, low + 20) + 1):
        found += strings_of_length(shape, count - len(found), length)
        if len(found) == count:
            break
    return found


def minimal(shape) -> Any:
    """The smallest value that satisfies `shape`, required members included."""
    kind = shape.type_name
    low = shape.metadata.get("min", 0)
    if kind == "structure":
        return {name: minimal(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return [minimal(shape.member) for _ in range(low)]
    if kind == "map":
        return {key: minimal(shape.value) for key in valid_strings(shape.key, low)}
    if kind == "string":
        return valid_strings(shape, 1)[0]
    if kind in ("integer", "long"):
        return shape.metadata.get("min", 1)
    if kind == "boolean":
        return False
    raise AssertionError(f"no minimal value for {kind}")


def first_key(map_shape) -> str:
    return valid_strings(map_shape.key, 1)[0]


def place(shape, route: tuple[tuple[str, str], ...], leaf: Any) -> Any:
    """A minimal valid value for `shape` with `leaf` at the end of `route`."""
    if not route:
        return leaf
    (step, name), rest = route[0], route[1:]
    if step == "member":
        value = minimal(shape)
        value[name] = place(shape.members[name], rest, leaf)
        return value
    if step == "item":
        padding = max(shape.metadata.get("min", 0) - 1, 0)
        return [place(shape.member, rest, leaf)] + [minimal(shape.member) for _ in range(padding)]
    if step == "key":
        return {leaf: minimal(shape.value)}
    return {first_key(shape): place(shape.value, rest, leaf)}


@dataclass(frozen=True)
class Spot:
    """A constrained place in an input: where it is and how AWS reports a problem with it."""

    route: tuple[tuple[str, str], ...]
    shape: Any
    path: str
    # "direct": reported at its own path; "list"/"key"/"value": once for the whole collection.
    how: str
    sensitive: bool


def _holds_sensitive(shape, seen=frozenset()) -> bool:
    if shape.metadata.get("sensitive"):
        return True
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    if shape.type_name == "structure":
        return any(_holds_sensitive(member, seen) for member in shape.members.values())
    if shape.type_name == "list":
        return _holds_sensitive(shape.member, seen)
    if shape.type_name == "map":
        return _holds_sensitive(shape.key, seen) or _holds_sensitive(shape.value, seen)
    return False


def spots(shape, route=(), path="", container=None):
    if route:
        yield Spot(route, shape, path, "direct", _holds_sensitive(shape))
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield from spots(member, (*route, ("member", name)), _join(path, _lower(name)))
    elif shape.type_name == "list":
        if _is_scalar(shape.member):
            yield Spot((*route, ("item", "")), shape.member, path, "list", _holds_sensitive(shape))
        else:
            yield from spots(shape.member, (*route, ("item", "")), f"{path}.1.member")
    elif shape.type_name == "map":
        yield Spot((*route, ("key", "")), shape.key, path, "key", _holds_sensitive(shape))
        if _is_scalar(shape.value):
            yield Spot((*route, ("value", "")), shape.value, path, "value", _holds_sensitive(shape))
        else:
            yield from spots(shape.value, (*route, ("value", "")), f"{path}.{first_key(shape)}.member")


# --- the limit cases -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    operation: str
    request: dict[str, Any]
    # The problem as AWS words it: "Value '<v>' at '<path>' failed to satisfy constraint: <wording>",
    # or from "at" on where a collection's value is shown.
    fragment: str
    # The whole message when the value breaks nothing else ("" when only its end is known; None
    # when the value breaks more than this limit).
    message: str | None
    # For an accepted value: whether the whole request is valid (false when no value at this
    # limit can satisfy the member's other constraints, e.g. a 128-character RoleType).
    clean: bool = True


def _length_wordings(shape) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    unit = "value" if shape.type_name in ("integer", "long") else "length"
    wordings = []
    if high is not None:
        wordings.append(f"Member must have {unit} less than or equal to {high}")
    if low is not None:
        wordings.append(f"Member must have {unit} greater than or equal to {low}")
    return wordings


def _all_constraints(shape) -> str:
    wordings = _length_wordings(shape)
    if shape.metadata.get("enum"):
        wordings.append(f"Member must satisfy enum value set: [{', '.join(shape.metadata['enum'])}]")
    if shape.metadata.get("pattern"):
        wordings.append(f"Member must satisfy regular expression pattern: {shape.metadata['pattern']}")
    return "[" + ", ".join(wordings) + "]"


_COLLECTION_WORDING = {
    "list": "Member must satisfy constraint: ",
    "key": "Map keys must satisfy constraint: ",
    "value": "Map value must satisfy constraint: ",
}


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 256 else text[:256] + "..."


class _Builder:
    """Builds the accepted and rejected cases of one spot."""

    def __init__(self, operation: str, spot: Spot) -> None:
        self.operation = operation
        self.spot = spot
        self.input_shape = MODEL.operation_model(operation).input_shape

    def request(self, leaf: Any) -> dict[str, Any]:
        return place(self.input_shape, self.spot.route, leaf)

    def fragment(self, wording: str) -> str:
        spot = self.spot
        if spot.how != "direct":
            wording = _COLLECTION_WORDING[spot.how] + _all_constraints(spot.shape)
        return f"at '{spot.path}' failed to satisfy constraint: {wording}"

    def accepted(self, leaf: Any, wording: str, clean: bool = True) -> Case | None:
        if not clean and self.spot.how != "direct":
            # A collection reports all its element constraints at once, so when no element
            # value fits this limit there is nothing limit-specific to check.
            return None
        return Case(self.operation, self.request(leaf), self.fragment(wording), None, clean)

    def rejected(self, leaf: Any, wording: str, alone: bool) -> Case:
        fragment = self.fragment(wording)
        if self.spot.sensitive:
            fragment = f"Value {fragment}"
        elif self.spot.how == "direct" and _is_scalar(self.spot.shape):
            fragment = f"Value '{_shown(leaf)}' {fragment}"
        # A collection is shown Java-style; then the fragment is checked as the message's end.
        message = None if not alone else "" if fragment.startswith("at ") else PREFIX_ONE + fragment
        return Case(self.operation, self.request(leaf), fragment, message)


def _string_cases(build: _Builder, shape):
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if high is not None:
        above = f"Member must have length less than or equal to {high}"
        at = strings_of_length(shape, 1, high)
        yield "max_length", "accepted", build.accepted(*(at or ["a" * high]), above, clean=bool(at))
        past = strings_of_length(shape, 1, high + 1)
        yield "max_length", "rejected", build.rejected(*(past or ["a" * (high + 1)]), above, bool(past))
    if low:
        below = f"Member must have length greater than or equal to {low}"
        at = strings_of_length(shape, 1, low)
        yield "min_length", "accepted", build.accepted(*(at or ["a" * low]), below, clean=bool(at))
        past = strings_of_length(shape, 1, low - 1) if low > 1 else [""]
        alone = bool(past) and _allowed_ignoring_length(shape, past[0])
        yield "min_length", "rejected", build.rejected(*(past or ["a" * (low - 1)]), below, alone)
    enum = shape.metadata.get("enum")
    if enum:
        wording = f"Member must satisfy enum value set: [{', '.join(enum)}]"
        for value in enum:
            yield f"enum_{value}", "accepted", build.accepted(value, wording)
        yield "enum", "rejected", build.rejected(f"{enum[0]}x", wording, True)
    pattern = shape.metadata.get("pattern")
    if pattern and not enum:
        wording = f"Member must satisfy regular expression pattern: {pattern}"
        yield "pattern", "accepted", build.accepted(valid_strings(shape, 1)[0], wording)
        size = max(low or 1, 1)
        breaking = next(c * size for c in "! " if not _pattern_allows(shape, c * size))
        yield "pattern", "rejected", build.rejected(breaking, wording, True)


def _number_cases(build: _Builder, shape):
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if high is not None:
        above = f"Member must have value less than or equal to {high}"
        yield "max_value", "accepted", build.accepted(high, above)
        yield "max_value", "rejected", build.rejected(high + 1, above, True)
    if low is not None:
        below = f"Member must have value greater than or equal to {low}"
        yield "min_value", "accepted", build.accepted(low, below)
        yield "min_value", "rejected", build.rejected(low - 1, below, True)


def _collection(shape, size: int) -> tuple[Any, bool]:
    """A list or map of `size` entries, and whether every entry is valid."""
    if shape.type_name == "list":
        return [minimal(shape.member) for _ in range(size)], True
    keys = valid_strings(shape.key, size)
    valid = len(keys) == size
    keys += [f"!{n}" for n in range(size - len(keys))]
    return {key: minimal(shape.value) for key in keys}, valid


def _size_cases(build: _Builder, shape):
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if high is not None:
        above = f"Member must have length less than or equal to {high}"
        at, valid = _collection(shape, high)
        yield "max_size", "accepted", build.accepted(at, above, clean=valid)
        past, valid = _collection(shape, high + 1)
        yield "max_size", "rejected", build.rejected(past, above, valid)
    if low:
        below = f"Member must have length greater than or equal to {low}"
        at, valid = _collection(shape, low)
        yield "min_size", "accepted", build.accepted(at, below, clean=valid)
        past, valid = _collection(shape, low - 1)
        yield "min_size", "rejected", build.rejected(past, below, valid)


@functools.cache
def _limit_cases() -> dict[str, list]:
    cases: dict[str, list] = {"accepted": [], "rejected": []}
    for operation in MODEL.operation_names:
        for spot in spots(MODEL.operation_model(operation).input_shape):
            build = _Builder(operation, spot)
            kind = spot.shape.type_name
            if kind == "string":
                found = _string_cases(build, spot.shape)
            elif kind in ("integer", "long"):
                found = _number_cases(build, spot.shape)
            elif kind in ("list", "map"):
                found = _size_cases(build, spot.shape)
            else:
                continue
            where = spot.path + ("" if spot.how == "direct" else f"[{spot.how}]")
            for label, outcome, case in found:
                if case is not None:
                    cases[outcome].append(pytest.param(case, id=f"{operation}-{where}-{label}"))
    return cases


def limit_cases(outcome: str) -> list:
    return _limit_cases()[outcome]


@pytest.mark.django_db
@pytest.mark.parametrize("case", limit_cases("accepted"))
def test_a_value_at_the_model_limit_is_accepted(case: Case):
    if case.clean:
        answer = call(case.operation, case.request)
        assert answer.code not in ("ValidationException", "SerializationException"), answer.message
    else:
        # No value at this limit satisfies the member's other constraints: only this limit
        # must be quiet.
        assert not any(
            problem.endswith(case.fragment) for problem in problems_of(case.operation, case.request)
        )


@pytest.mark.parametrize("case", limit_cases("rejected"))
def test_a_value_past_the_model_limit_gets_a_validation_exception_naming_the_member(case: Case):
    answer = call(case.operation, case.request)
    assert answer.status == 400
    assert answer.code == "ValidationException"
    assert case.fragment in answer.message
    if case.message:
        assert answer.message == case.message
    elif case.message == "":
        assert answer.message.startswith(f"{PREFIX_ONE}Value '")
        assert answer.message.endswith(case.fragment)


def test_every_operation_has_limit_cases():
    rejected = {case.values[0].operation for case in limit_cases("rejected")}
    assert rejected == set(MODEL.operation_names)


# --- the messages, one by one --------------------------------------------------------------


def test_create_identity_pool_with_a_bad_name_reads_like_aws():
    answer = call("CreateIdentityPool", {"IdentityPoolName": "x!", "AllowUnauthenticatedIdentities": False})
    assert (answer.status, answer.code) == (400, "ValidationException")
    assert answer.message == (
        "1 validation error detected: Value 'x!' at 'identityPoolName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+"
    )


def test_max_results_61_on_list_identities_is_over_the_maximum():
    answer = call("ListIdentities", {"IdentityPoolId": POOL_ID, "MaxResults": 61})
    assert answer.code == "ValidationException"
    assert answer.message == (
        "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 60"
    )


def test_a_missing_required_member_must_not_be_null():
    answer = call("DescribeIdentityPool", {})
    assert answer.message == (
        "1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_an_explicit_null_counts_as_missing():
    problems = problems_of("ListIdentityPools", {"MaxResults": None, "NextToken": None})
    assert problems == ["Value null at 'maxResults' failed to satisfy constraint: Member must not be null"]


def test_two_problems_are_counted_and_joined_with_semicolons():
    answer = call("ListIdentities", {"IdentityPoolId": "nope", "MaxResults": 0})
    assert answer.message == (
        "2 validation errors detected: "
        "Value 'nope' at 'identityPoolId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+; "
        "Value '0' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_a_value_breaking_two_constraints_gets_both():
    problems = problems_of("DescribeIdentityPool", {"IdentityPoolId": ""})
    assert problems == [
        "Value '' at 'identityPoolId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
        "Value '' at 'identityPoolId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+",
    ]


def test_a_list_of_structures_names_the_element_and_member():
    request = {
        "IdentityPoolName": "pool",
        "AllowUnauthenticatedIdentities": False,
        "CognitoIdentityProviders": [{"ClientId": "good"}, {"ClientId": "bad!"}],
    }
    assert problems_of("CreateIdentityPool", request) == [
        "Value 'bad!' at 'cognitoIdentityProviders.2.member.clientId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w_]+"
    ]


def test_a_map_of_structures_names_the_entry_by_its_key():
    request = {
        "IdentityPoolId": POOL_ID,
        "Roles": {},
        "RoleMappings": {"graph.facebook.com": {"Type": "Rules", "RulesConfiguration": {"Rules": [None]}}},
    }
    assert problems_of("SetIdentityPoolRoles", request) == [
        "Value null at 'roleMappings.graph.facebook.com.member.rulesConfiguration.rules.1.member' "
        "failed to satisfy constraint: Member must not be null"
    ]


def test_a_bad_element_of_a_list_of_strings_is_reported_once_for_the_list():
    request = {"IdentityId": POOL_ID, "Logins": {}, "LoginsToRemove": ["", "ok", None, ""]}
    assert problems_of("UnlinkIdentity", request) == [
        "Value '[, ok, null, ]' at 'loginsToRemove' failed to satisfy constraint: Member must satisfy "
        "constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1, Member must not be null]"
    ]


def test_an_empty_login_token_is_reported_without_showing_the_token():
    # What Cognito answers when an app sends an empty token (seen in aws-amplify apps).
    answer = call("GetId", {"IdentityPoolId": POOL_ID, "Logins": {"accounts.google.com": ""}})
    assert answer.message == (
        "1 validation error detected: Value at 'logins' failed to satisfy constraint: "
        "Map value must satisfy constraint: [Member must have length less than or equal to 50000, "
        "Member must have length greater than or equal to 1]"
    )


def test_bad_map_keys_are_reported_once_before_the_values():
    request = {"IdentityPoolId": POOL_ID, "Roles": {"admin": "short", "guest": "short"}}
    assert problems_of("SetIdentityPoolRoles", request) == [
        "Value '{admin=short, guest=short}' at 'roles' failed to satisfy constraint: Map keys must satisfy "
        "constraint: [Member must have length less than or equal to 128, Member must have length greater "
        "than or equal to 1, Member must satisfy regular expression pattern: (un)?authenticated]",
        "Value '{admin=short, guest=short}' at 'roles' failed to satisfy constraint: Map value must satisfy "
        "constraint: [Member must have length less than or equal to 2048, Member must have length greater "
        "than or equal to 20]",
    ]


def test_a_huge_value_is_cut_in_the_message():
    (problem,) = problems_of("DescribeIdentityPool", {"IdentityPoolId": "a:" + "0" * 100_000})
    assert problem == (
        f"Value 'a:{'0' * 254}...' at 'identityPoolId' failed to satisfy constraint: "
        "Member must have length less than or equal to 55"
    )


def test_a_huge_number_of_problems_is_capped():
    request = {"IdentityPoolName": "p", "AllowUnauthenticatedIdentities": False}
    request["CognitoIdentityProviders"] = [{"ClientId": "!"}] * 10_000
    answer = call("CreateIdentityPool", request)
    assert answer.message.startswith(f"{MAX_PROBLEMS} validation errors detected: ")
    assert len(answer.message) < 50_000


def test_patterns_keep_javas_ascii_word_class():
    # Java's \w is [a-zA-Z_0-9]: AWS refuses accented pool names.
    assert problems_of(
        "CreateIdentityPool", {"IdentityPoolName": "Café", "AllowUnauthenticatedIdentities": True}
    )


def test_unicode_property_classes_match_all_of_unicode():
    rule = {
        "Claim": "größe✓",
        "MatchType": "Equals",
        "Value": "v",
        "RoleARN": "arn:aws:iam::123456789012:role/r",
    }
    request = {
        "IdentityPoolId": POOL_ID,
        "Roles": {},
        "RoleMappings": {"accounts.google.com": {"Type": "Rules", "RulesConfiguration": {"Rules": [rule]}}},
    }
    assert problems_of("SetIdentityPoolRoles", request) == []


def test_unknown_members_are_ignored():
    assert problems_of("DescribeIdentityPool", {"IdentityPoolId": POOL_ID, "Extra": {"deep": [1, 2]}}) == []


# --- wrong JSON types ----------------------------------------------------------------------


def test_a_string_for_a_boolean_is_a_serialization_exception():
    answer = call(
        "CreateIdentityPool", {"IdentityPoolName": "pool", "AllowUnauthenticatedIdentities": "true"}
    )
    assert (answer.status, answer.code) == (400, "SerializationException")
    assert answer.message == "Expected a boolean for 'allowUnauthenticatedIdentities', got a string."


def _listing(max_results: Any) -> dict[str, Any]:
    return {"IdentityPoolId": POOL_ID, "MaxResults": max_results}


def _login(logins: Any) -> dict[str, Any]:
    return {"IdentityPoolId": POOL_ID, "Logins": logins}


@pytest.mark.parametrize(
    ("operation", "request_body", "message"),
    [
        ("ListIdentities", _listing(True), "Expected an integer for 'maxResults', got a boolean."),
        ("ListIdentities", _listing("10"), "Expected an integer for 'maxResults', got a string."),
        (
            "ListIdentities",
            _listing(1.5),
            "Expected an integer for 'maxResults', got a number with a fraction.",
        ),
        (
            "ListIdentities",
            _listing(2**40),
            "Expected an integer for 'maxResults', got a number outside the integer range.",
        ),
        (
            "DescribeIdentityPool",
            {"IdentityPoolId": 7},
            "Expected a string for 'identityPoolId', got a number.",
        ),
        (
            "DeleteIdentities",
            {"IdentityIdsToDelete": "us-east-1:1"},
            "Expected an array for 'identityIdsToDelete', got a string.",
        ),
        (
            "DeleteIdentities",
            {"IdentityIdsToDelete": [POOL_ID, {}]},
            "Expected a string for 'identityIdsToDelete.2.member', got an object.",
        ),
        ("GetId", _login(["a"]), "Expected an object for 'logins', got an array."),
        ("GetId", _login({"a": 1}), "Expected a string for 'logins.a.member', got a number."),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_serialization_exception(operation, request_body, message):
    answer = call(operation, request_body)
    assert (answer.status, answer.code, answer.message) == (400, "SerializationException", message)


def test_a_type_error_wins_over_constraint_problems():
    # AWS decodes the whole body before validating it.
    answer = call("ListIdentities", {"IdentityPoolId": "bad!", "MaxResults": "x"})
    assert answer.code == "SerializationException"


def test_whole_numbers_written_as_floats_are_integers():
    assert problems_of("ListIdentityPools", {"MaxResults": 60.0}) == []


# --- through boto3 -------------------------------------------------------------------------


def test_boto3_surfaces_the_validation_exception_as_a_client_error():
    # botocore checks only minimums client-side, so MaxResults=61 reaches the service.
    client = build_client("us-east-1", "local")
    with pytest.raises(ClientError) as caught:
        client.list_identities(IdentityPoolId=POOL_ID, MaxResults=61)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: "
        "Member must have value less than or equal to 60"
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- any JSON at all -----------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=10), inner, max_size=6),
    max_leaves=30,
)


def _shaped(shape, depth: int = 0) -> st.SearchStrategy:
    """Values that mostly follow `shape` (to reach deep checks), with random JSON mixed in."""
    if depth > 6:
        return _json
    kind = shape.type_name
    if kind == "structure":
        members = {name: _shaped(member, depth + 1) for name, member in shape.members.items()}
        shaped = st.fixed_dictionaries({}, optional=members)
        return st.one_of(shaped, shaped, _json)
    if kind == "list":
        return st.one_of(st.lists(_shaped(shape.member, depth + 1), max_size=5), _json)
    if kind == "map":
        entries = st.dictionaries(
            _shaped(shape.key, depth + 1).filter(lambda k: isinstance(k, str)),
            _shaped(shape.value, depth + 1),
            max_size=5,
        )
        return st.one_of(entries, _json)
    if kind == "string":
        return st.one_of(st.text(max_size=80), st.sampled_from(shape.metadata.get("enum") or ["x"]), _json)
    if kind in ("integer", "long"):
        return st.one_of(st.integers(), st.integers(-2, 100), _json)
    return _json


@pytest.mark.parametrize("operation", MODEL.operation_names)
def test_any_json_object_gets_none_or_one_of_the_two_aws_errors(operation):
    input_shape = MODEL.operation_model(operation).input_shape

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.dictionaries(st.text(max_size=10), _json, max_size=6), _shaped(input_shape)))
    def check(params):
        try:
            validate_input(operation, params)
        except (errors.ValidationError, errors.SerializationError) as error:
            assert len(error.message) < 200_000

    check()
