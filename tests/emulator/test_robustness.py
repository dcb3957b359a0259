"""Adversarial requests get a well-formed AWS answer: never a crash (500), never a hang.

Hypothesis writes the requests: odd X-Amz-Target values, bodies of every JSON type and
depth, bodies that are not JSON at all (deeply nested, huge, invalid UTF-8, truncated), and
a valid request of each of the 23 operations with one member swapped for a value of the
wrong type, out of range, in odd Unicode or huge. They go straight to `protocol.handle`,
which is fast; a few requests that only a socket can send go to `manage.py emulator`.

A well-formed answer is what every AWS SDK can parse: status 200 with a JSON object, or a
4xx status with `{"__type": <code>, "message": <text>}`, the code one the service may
answer with, `x-amzn-ErrorType: <code>:` and `x-amzn-RequestId` headers, and header values
that HTTP can carry. An InternalErrorException (500) means the service crashed on the
input, so it fails the test like a traceback would.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from console.emulator.protocol import PUBLIC_OPERATIONS, EmulatorResponse, handle
from tests.cognito import AUTH_ROLE, DEVELOPER, FACEBOOK, REGION, UNAUTH_ROLE, USER_POOL, full_pool_settings

from .http_fixtures import emulator_url  # noqa: F401 - the fixture

MODEL = botocore.session.get_session().get_service_model("cognito-identity")
OPERATIONS = sorted(MODEL.operation_names)
PREFIX = "AWSCognitoIdentityService."
VALID_TARGETS = frozenset(PREFIX + name for name in OPERATIONS)
JSON_11 = "application/x-amz-json-1.1"

# Codes the service may answer with: the model's exceptions, minus the crash...
MODELED_ERRORS = frozenset(
    name for name in MODEL.shape_names if MODEL.shape_for(name).metadata.get("exception")
) - {"InternalErrorException"}
# ...plus what AWS's request handling answers before an operation runs...
FRAMEWORK_ERRORS = frozenset(
    {"ValidationException", "SerializationException", "UnknownOperationException", "AccessDeniedException"}
)
# ...and the SigV4 failures, when the emulator checks signatures.
SIGNATURE_ERRORS = frozenset(
    {
        "IncompleteSignatureException",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "UnrecognizedClientException",
    }
)
ALLOWED_ERRORS = MODELED_ERRORS | FRAMEWORK_ERRORS | SIGNATURE_ERRORS

# Far above what any answer takes (milliseconds); reaching it means the service is stuck.
HANG_SECONDS = 10
EXAMPLES = int(os.environ.get("ROBUSTNESS_EXAMPLES", "200"))
# Each of the 23 operations gets its own run of shape-aware mutations.
EXAMPLES_PER_OPERATION = max(10, EXAMPLES // 5)

FUZZ = fuzz_settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The world fixture is made once per test on purpose: every example reuses its pool.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# A signed-looking Authorization header: the region comes from its scope, as from a real one.
FAKE_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIAROBUSTNESS000000/20250101/us-east-1/cognito-identity/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


# --- calling the service and judging the answer --------------------------------------------


class Hang(BaseException):
    """Raised in the test when one request runs past HANG_SECONDS.

    A BaseException so that the service's own `except Exception` cannot turn it into an answer.
    """


@contextmanager
def no_hang(what: str) -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise Hang(f"{what} was not answered within {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def send(
    target: str | None, body: bytes, *, method: str = "POST", headers: dict[str, str] | None = None
) -> EmulatorResponse:
    """One request through the wire protocol, as the HTTP server or botocore hands it over."""
    request_headers = {"content-type": JSON_11, "authorization": FAKE_AUTHORIZATION}
    if target is not None:
        request_headers["x-amz-target"] = target
    request_headers.update(headers or {})
    with no_hang(f"{method} {str(target)[:80]!r} with a {len(body)}-byte body"):
        return handle(method, "/", request_headers, body)


def _header_is_sendable(value: str) -> bool:
    # RFC 9110 field values: visible latin-1 characters, spaces and tabs, no other controls
    # (strict HTTP parsers, such as Node's behind the JavaScript SDK, refuse the rest).
    return all(char == "\t" or (0x20 <= ord(char) <= 0xFF and ord(char) != 0x7F) for char in value)


def check_well_formed(response: EmulatorResponse) -> dict[str, Any]:
    """Assert the answer is one an AWS SDK can parse; return its JSON body."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    payload = json.loads(response.body) if response.body else {}
    assert isinstance(payload, dict), f"the body is not a JSON object: {response.body[:200]!r}"
    if response.status >= 500 or payload.get("__type") == "InternalErrorException":
        pytest.fail(f"the service crashed (status {response.status}): {response.body[:300]!r}")
    assert response.status == 200 or 400 <= response.status < 500
    assert headers["content-type"] == JSON_11
    assert uuid.UUID(headers["x-amzn-requestid"])
    assert headers["content-length"] == str(len(response.body))
    for name, value in response.headers.items():
        assert _header_is_sendable(value), f"header {name} cannot be sent over HTTP: {value[:200]!r}"
    if response.status == 200:
        assert "__type" not in payload
        return payload
    code = payload.get("__type")
    assert code in ALLOWED_ERRORS, f"unexpected error code {code!r}: {response.body[:300]!r}"
    assert isinstance(payload.get("message"), str) and payload["message"]
    assert headers["x-amzn-errortype"] == f"{code}:"
    return payload


def error_code(payload: dict[str, Any]) -> str | None:
    return payload.get("__type")


# --- strategies: targets -------------------------------------------------------------------


def _case_variants(name: str) -> list[str]:
    return [
        PREFIX.lower() + name,
        PREFIX.upper() + name,
        PREFIX + name.lower(),
        PREFIX + name.upper(),
        PREFIX + name.swapcase(),
        PREFIX + name[0].lower() + name[1:],
    ]


def _near_misses(name: str) -> list[str]:
    return [
        name,  # no prefix
        f"{PREFIX}{name} ",
        f" {PREFIX}{name}",
        f"{PREFIX}{name}\x00",
        f"{PREFIX}{name}\t",
        f"{PREFIX}.{name}",
        f"{PREFIX}{name}.{name}",
        f"AWSCognitoIdentityProviderService.{name}",
        f"com.amazonaws.cognito.identity.model#{name}",
        f"{PREFIX}{name}Input",
    ]


odd_characters = st.one_of(
    st.characters(),
    st.integers(0xD800, 0xDFFF).map(chr),  # lone surrogates
    st.sampled_from("\x00\x7f\x85\u2028\u2029\ufeff\uffff\U0010ffff\r\n"),
)
odd_text = st.text(odd_characters, max_size=40)

unknown_targets = st.one_of(
    st.just(""),
    st.just(PREFIX),
    odd_text,
    odd_text.map(lambda name: PREFIX + name),
    st.sampled_from(["__class__", "__init__", "OPERATIONS", "handle", "get", "keys", "None"]).map(
        lambda name: PREFIX + name
    ),
    st.integers(1_000, 200_000).map(lambda size: PREFIX + "A" * size),
    st.sampled_from(["é", "操作", "😀", "\u202e", "\x00"]).map(lambda text: PREFIX + text * 1000),
)
targets = st.one_of(
    st.sampled_from(sorted(VALID_TARGETS)),
    st.sampled_from([variant for name in OPERATIONS for variant in _case_variants(name)]),
    st.sampled_from([miss for name in OPERATIONS for miss in _near_misses(name)]),
    unknown_targets,
)


# --- strategies: bodies --------------------------------------------------------------------

HUGE = "x" * (1 << 20)
SPECIAL_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "a\udc80b",
    "\ud83d\ude00",
    "😀" * 300,
    "null",
    "true",
    "{}",
    "[]",
    "'",
    '"',
    "\\",
    "\\u0000",
    "%s%s%n",
    "${jndi:ldap://example.invalid/a}",
    "../../../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "\r\nX-Injected: yes",
    "us-east-1:",
    ":",
    f"{REGION}:{'0' * 45}",
    f"{REGION}:12345678-1234-1234-1234-123456789012",
    "eu-west-1:12345678-1234-1234-1234-123456789012",
    "arn:aws:cognito-identity:us-east-1:000000000000:identitypool/",
    "A" * 129,
    "A" * 1025,
    "A" * 65_536,
    "é" * 50_001,
    HUGE,
]
huge_values = st.sampled_from(
    [HUGE, "é" * (1 << 19), ["a"] * 100_000, {f"k{index}": "v" for index in range(20_000)}]
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 61, 86_401, 2**31, 2**63, -(2**63) - 1, 10**300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, -0.0, 1e-320, 1e308]),
)
scalars = st.one_of(
    st.none(), st.booleans(), numbers, odd_text, st.text(max_size=200), st.sampled_from(SPECIAL_STRINGS)
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(odd_text, children, max_size=5)
    ),
    max_leaves=25,
)


def _deep(depth: int, kind: str) -> Any:
    """A Python value nested `depth` levels (kept below json.dumps's own recursion limit)."""
    value: Any = "bottom"
    for level in range(depth):
        if kind == "list" or (kind == "mixed" and level % 2):
            value = [value]
        else:
            value = {"a": value}
    return value


wrong_values = st.one_of(
    json_values,
    huge_values,
    st.builds(_deep, st.integers(10, 400), st.sampled_from(["list", "object", "mixed"])),
)


def dump(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def _nested_bytes(depth: int, kind: str, closed: bool, member: str | None) -> bytes:
    opener = {"list": b"[", "object": b'{"a":', "mixed": b'[{"a":'}[kind]
    closer = {"list": b"]", "object": b"}", "mixed": b"}]"}[kind]
    body = opener * depth + b"1" + (closer * depth if closed else b"")
    if member is not None:
        body = b'{"' + member.encode() + b'":' + body + b"}"
    return body


deep_bodies = st.builds(
    _nested_bytes,
    st.integers(500, 20_000),
    st.sampled_from(["list", "object", "mixed"]),
    st.booleans(),
    st.sampled_from([None, "IdentityPoolId", "Logins", "RoleMappings", "IdentityIdsToDelete"]),
)
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xe2\x82"]
LITERAL_BODIES = [
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b'{"MaxResults": NaN}',
    b'{"MaxResults": Infinity}',
    b'{"MaxResults": -Infinity}',
    b'{"MaxResults": 1e999999}',
    b'{"MaxResults": 1' + b"0" * 5000 + b"}",
    b'{"MaxResults": 10, "MaxResults": "ten"}',
    b'{"IdentityPoolId": "a", "IdentityPoolId": {"b": []}}',
    b'{"Logins": {"graph.facebook.com": "a", "graph.facebook.com": null}}',
    b'{"MaxResults": 10} trailing',
    b'{"MaxResults": 10}{"MaxResults": 10}',
    b"\xef\xbb\xbf{}",
    b"\x00",
    b"{\x00}",
    b'{"a": "\\ud800"}',
    b'{"IdentityPoolId": "\\u0000"}',
    b"[]",
    b'"a string"',
    b"123",
    b"null",
    b"true",
    b"\t\n\r {} \t\n\r",
    b"{'single': 'quotes'}",
    b'{"a": 01}',
    b'{"a": .5}',
    b'{"a": 0x10}',
    b'{"a": "\\x41"}',
    b'{"a": "unterminated',
    b'{"a": "tab\tinside"}',
    b"/* comment */ {}",
]


@st.composite
def mangled_bodies(draw: st.DrawFn) -> bytes:
    """A body that starts out as JSON and is then broken at the byte level."""
    body = dump(draw(st.dictionaries(st.text(max_size=20), json_values, max_size=4)))
    how = draw(st.sampled_from(["truncate", "bad-utf8", "utf-16", "utf-32", "trailing-garbage"]))
    if how == "truncate":
        return body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if how == "bad-utf8":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.sampled_from(BAD_UTF8)) + body[at:]
    if how in ("utf-16", "utf-32"):
        return body.decode().encode(how)
    return body + draw(st.binary(min_size=1, max_size=20))


malformed_bodies = st.one_of(
    st.sampled_from(LITERAL_BODIES),
    deep_bodies,
    mangled_bodies(),
    st.binary(max_size=300),
    st.sampled_from(["x" * (1 << 20), "é" * (1 << 19)]).map(lambda text: dump({"IdentityPoolId": text})),
    st.sampled_from([b'"' + b"x" * (1 << 20) + b'"', b"[" + b"1," * (1 << 19) + b"1]"]),
)


def _parses_as_json(body: bytes) -> bool:
    """What Python's JSON parser makes of the body (empty means `{}` on this protocol)."""
    if not body.strip():
        return True
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return False
    return True


# --- a world to aim valid requests at ------------------------------------------------------


@dataclass(frozen=True, repr=False)
class World:
    pool_id: str
    pool_arn: str
    facebook_identity: str
    developer_identity: str
    other_developer_identity: str
    spare_identity: str
    spare_pool_id: str
    identities_token: str
    pools_token: str
    lookup_token: str


@pytest.fixture
def world(cognito) -> World:
    """A pool with every provider, roles and linked identities, plus things to delete."""
    pool_id = cognito.create_identity_pool(
        **full_pool_settings(IdentityPoolName="target", IdentityPoolTags={"team": "robust"})
    )["IdentityPoolId"]
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    )
    spare_pool_id = cognito.create_identity_pool(
        IdentityPoolName="spare", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    facebook = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-token-1"})["IdentityId"]

    def developer(logins: dict[str, str], identity_id: str | None = None) -> str:
        extra = {"IdentityId": identity_id} if identity_id else {}
        answer = cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins=logins, **extra
        )
        return answer["IdentityId"]

    developer_identity = developer({DEVELOPER: "dev-user-1", FACEBOOK: "fb-token-dev"})
    # A second developer user on the same identity (proven by its Facebook login), so
    # lookups of the identity have a second page.
    developer({DEVELOPER: "dev-user-1b", FACEBOOK: "fb-token-dev"}, developer_identity)
    other = developer({DEVELOPER: "dev-user-2"})
    spare = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    lookup = cognito.lookup_developer_identity(
        IdentityPoolId=pool_id, IdentityId=developer_identity, MaxResults=1
    )
    return World(
        pool_id=pool_id,
        pool_arn=f"arn:aws:cognito-identity:{REGION}:000000000000:identitypool/{pool_id}",
        facebook_identity=facebook,
        developer_identity=developer_identity,
        other_developer_identity=other,
        spare_identity=spare,
        spare_pool_id=spare_pool_id,
        identities_token=cognito.list_identities(IdentityPoolId=pool_id, MaxResults=1)["NextToken"],
        pools_token=cognito.list_identity_pools(MaxResults=1)["NextToken"],
        lookup_token=lookup["NextToken"],
    )


def _pool_configuration(name: str) -> dict[str, Any]:
    return {
        "IdentityPoolName": name,
        "AllowUnauthenticatedIdentities": True,
        "AllowClassicFlow": True,
        "SupportedLoginProviders": {FACEBOOK: "1234567890"},
        "DeveloperProviderName": DEVELOPER,
        "OpenIdConnectProviderARNs": ["arn:aws:iam::000000000000:oidc-provider/login.example.org"],
        "CognitoIdentityProviders": [
            {"ProviderName": USER_POOL, "ClientId": "appclient1", "ServerSideTokenCheck": False}
        ],
        "SamlProviderARNs": ["arn:aws:iam::000000000000:saml-provider/corp-idp"],
        "IdentityPoolTags": {"team": "robust"},
    }


def valid_request(operation: str, world: World) -> dict[str, Any]:
    """A request of `operation` that succeeds against `world` (test_every_template_... checks)."""
    pool = world.pool_id
    requests: dict[str, Callable[[], dict[str, Any]]] = {
        "CreateIdentityPool": lambda: _pool_configuration("created"),
        "DeleteIdentities": lambda: {"IdentityIdsToDelete": [world.spare_identity]},
        "DeleteIdentityPool": lambda: {"IdentityPoolId": world.spare_pool_id},
        "DescribeIdentity": lambda: {"IdentityId": world.facebook_identity},
        "DescribeIdentityPool": lambda: {"IdentityPoolId": pool},
        "GetCredentialsForIdentity": lambda: {
            "IdentityId": world.facebook_identity,
            "Logins": {FACEBOOK: "fb-token-1"},
        },
        "GetId": lambda: {
            "AccountId": "000000000000",
            "IdentityPoolId": pool,
            "Logins": {FACEBOOK: "fb-token-1"},
        },
        "GetIdentityPoolRoles": lambda: {"IdentityPoolId": pool},
        "GetOpenIdToken": lambda: {"IdentityId": world.facebook_identity, "Logins": {FACEBOOK: "fb-token-1"}},
        "GetOpenIdTokenForDeveloperIdentity": lambda: {
            "IdentityPoolId": pool,
            "IdentityId": world.developer_identity,
            "Logins": {DEVELOPER: "dev-user-1"},
            "PrincipalTags": {"department": "research"},
            "TokenDuration": 60,
        },
        "GetPrincipalTagAttributeMap": lambda: {"IdentityPoolId": pool, "IdentityProviderName": FACEBOOK},
        "ListIdentities": lambda: {
            "IdentityPoolId": pool,
            "MaxResults": 1,
            "NextToken": world.identities_token,
            "HideDisabled": False,
        },
        "ListIdentityPools": lambda: {"MaxResults": 1, "NextToken": world.pools_token},
        "ListTagsForResource": lambda: {"ResourceArn": world.pool_arn},
        "LookupDeveloperIdentity": lambda: {
            "IdentityPoolId": pool,
            "IdentityId": world.developer_identity,
            "MaxResults": 1,
            "NextToken": world.lookup_token,
        },
        "MergeDeveloperIdentities": lambda: {
            "SourceUserIdentifier": "dev-user-2",
            "DestinationUserIdentifier": "dev-user-1",
            "DeveloperProviderName": DEVELOPER,
            "IdentityPoolId": pool,
        },
        "SetIdentityPoolRoles": lambda: {
            "IdentityPoolId": pool,
            "Roles": {"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
            "RoleMappings": {
                FACEBOOK: {
                    "Type": "Rules",
                    "AmbiguousRoleResolution": "AuthenticatedRole",
                    "RulesConfiguration": {
                        "Rules": [
                            {"Claim": "aud", "MatchType": "Equals", "Value": "app", "RoleARN": AUTH_ROLE}
                        ]
                    },
                }
            },
        },
        "SetPrincipalTagAttributeMap": lambda: {
            "IdentityPoolId": pool,
            "IdentityProviderName": FACEBOOK,
            "UseDefaults": False,
            "PrincipalTags": {"user": "sub"},
        },
        "TagResource": lambda: {"ResourceArn": world.pool_arn, "Tags": {"env": "test"}},
        "UnlinkDeveloperIdentity": lambda: {
            "IdentityId": world.developer_identity,
            "IdentityPoolId": pool,
            "DeveloperProviderName": DEVELOPER,
            "DeveloperUserIdentifier": "dev-user-1b",
        },
        "UnlinkIdentity": lambda: {
            "IdentityId": world.facebook_identity,
            "Logins": {FACEBOOK: "fb-token-1"},
            "LoginsToRemove": [FACEBOOK],
        },
        "UntagResource": lambda: {"ResourceArn": world.pool_arn, "TagKeys": ["team"]},
        "UpdateIdentityPool": lambda: {"IdentityPoolId": pool, **_pool_configuration("updated")},
    }
    assert sorted(requests) == OPERATIONS
    return requests[operation]()


Path = tuple[str | int, ...]


def member_paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every place in a request a value sits: members, map entries, list elements, nested."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from member_paths(child, (*prefix, key))


def _parent(request: dict[str, Any], path: Path) -> Any:
    container: Any = request
    for step in path[:-1]:
        container = container[step]
    return container


@st.composite
def mutated_requests(draw: st.DrawFn, operation: str, world: World) -> dict[str, Any]:
    """A valid request of `operation` with one thing changed."""
    request = valid_request(operation, world)
    path = draw(st.sampled_from(list(member_paths(request))))
    parent = _parent(request, path)
    how = draw(st.sampled_from(["replace", "replace", "replace", "remove", "rename", "add"]))
    if how == "replace" or (how in ("remove", "rename") and isinstance(parent, list)):
        parent[path[-1]] = draw(wrong_values)
    elif how == "remove":
        del parent[path[-1]]
    elif how == "rename":
        parent[draw(st.one_of(odd_text, st.sampled_from(SPECIAL_STRINGS)))] = parent.pop(path[-1])
    else:
        target = parent if isinstance(parent, dict) else request
        target[draw(st.one_of(odd_text, st.sampled_from(SPECIAL_STRINGS)))] = draw(wrong_values)
    return request


# --- the tests, in-process -----------------------------------------------------------------

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _plain_service(settings) -> None:
    # Signatures are fuzzed by their own tests below; quotas would only add throttling noise.
    settings.EMULATOR_ACCESS_KEYS = {}
    settings.EMULATOR_QUOTAS = False


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_template_is_a_request_the_service_accepts(operation, world):
    # The mutations start from these; a template that already fails would test nothing.
    response = send(PREFIX + operation, dump(valid_request(operation, world)))

    payload = check_well_formed(response)
    assert response.status == 200, payload


@FUZZ
@given(target=targets, body=st.sampled_from([b"", b"{}", b'{"MaxResults": 10}', b"not json"]))
def test_any_target_gets_an_aws_answer_and_only_exact_names_reach_an_operation(target, body):
    payload = check_well_formed(send(target, body))

    if target not in VALID_TARGETS:
        assert error_code(payload) == "UnknownOperationException"


@FUZZ
@given(
    method=st.sampled_from(
        ["GET", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "CONNECT", "post", "", "P\x00ST"]
    ),
    target=st.one_of(st.none(), st.sampled_from(sorted(VALID_TARGETS))),
)
def test_methods_other_than_post_get_an_aws_error(method, target):
    payload = check_well_formed(send(target, b'{"MaxResults": 10}', method=method))

    assert error_code(payload) is not None


@FUZZ
@given(
    operation=st.sampled_from(OPERATIONS),
    body=st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(["IdentityPoolId", "IdentityId", "Logins", "MaxResults"]), json_values
        ),
    ),
)
def test_any_json_value_as_a_body_gets_an_aws_answer(operation, body, world):
    check_well_formed(send(PREFIX + operation, dump(body)))


@FUZZ
@given(operation=st.sampled_from(OPERATIONS), body=malformed_bodies)
def test_bodies_that_are_not_json_are_serialization_errors(operation, body, world):
    payload = check_well_formed(send(PREFIX + operation, body))

    if not _parses_as_json(body):
        assert error_code(payload) == "SerializationException"


@pytest.mark.parametrize(
    ("depth", "kind"), [(10_000, "list"), (10_000, "object"), (100_000, "mixed"), (900, "object")]
)
def test_deep_nesting_is_refused_not_a_recursion_crash(depth, kind):
    for member in (None, "IdentityPoolId", "Logins"):
        body = _nested_bytes(depth, kind, True, member)

        payload = check_well_formed(send(PREFIX + "GetId", body))

        assert error_code(payload) in ("SerializationException", "ValidationException")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_one_bad_member_in_a_valid_request_gets_an_aws_answer(operation, world):
    @fuzz_settings(FUZZ, max_examples=EXAMPLES_PER_OPERATION)
    @given(data=st.data())
    def mutate(data):
        request = data.draw(mutated_requests(operation, world))
        check_well_formed(send(PREFIX + operation, dump(request)))

    mutate()


@pytest.mark.parametrize(
    "text", ["a\x00b", "\ud800", "x\udfffx", "😀" * 20, "\u202egnp.exe", "' OR '1'='1"], ids=repr
)
@pytest.mark.parametrize(
    ("operation", "path"),
    [
        ("GetId", ("Logins", FACEBOOK)),
        ("GetOpenIdTokenForDeveloperIdentity", ("Logins", DEVELOPER)),
        ("GetOpenIdTokenForDeveloperIdentity", ("PrincipalTags", "department")),
        ("LookupDeveloperIdentity", ("DeveloperUserIdentifier",)),
        ("MergeDeveloperIdentities", ("SourceUserIdentifier",)),
        ("UnlinkDeveloperIdentity", ("DeveloperUserIdentifier",)),
        ("TagResource", ("Tags", "env")),
        ("SetPrincipalTagAttributeMap", ("PrincipalTags", "user")),
        ("CreateIdentityPool", ("SupportedLoginProviders", FACEBOOK)),
    ],
)
def test_strings_a_database_cannot_store_are_refused_not_crashed_on(operation, path, text, world):
    # NUL and lone surrogates pass the model's constraints where a member has no pattern,
    # but PostgreSQL (NUL) and UTF-8 encoders (surrogates) refuse them.
    request = valid_request(operation, world)
    if operation == "LookupDeveloperIdentity":
        del request["IdentityId"], request["NextToken"]
    _parent(request, path)[path[-1]] = text

    check_well_formed(send(PREFIX + operation, dump(request)))


def test_a_surrogate_sent_as_raw_utf8_bytes_is_refused_not_crashed_on(world):
    # Python's JSON parser decodes bytes with "surrogatepass", so ED A0 80 becomes U+D800.
    body = (
        b'{"IdentityPoolId": "'
        + world.pool_id.encode()
        + b'", "Logins": {"graph.facebook.com": "\xed\xa0\x80"}}'
    )

    check_well_formed(send(PREFIX + "GetId", body))


@FUZZ
@given(authorization=st.one_of(odd_text, st.sampled_from(SPECIAL_STRINGS)))
def test_any_authorization_header_gets_an_aws_answer(authorization):
    headers = {"authorization": authorization}

    check_well_formed(send(PREFIX + "ListIdentityPools", b'{"MaxResults": 10}', headers=headers))


@pytest.mark.parametrize(
    "authorization",
    [
        "Credential=" * 20_000,
        "AWS4-HMAC-SHA256 Credential=" + "A" * 200_000,
        "AWS4-HMAC-SHA256 Credential=AKIA/" + "1" * 200_000,
        "AWS4-HMAC-SHA256 Credential=AKIA/20250101/" + "a-" * 100_000,
        ", ".join(["SignedHeaders=host"] * 20_000),
    ],
    ids=["repeated-credential", "long-key", "long-date", "long-region", "many-parts"],
)
def test_a_huge_authorization_header_is_answered_promptly(authorization):
    # The HTTP server takes headers of any size, and a slow header parse holds every thread.
    headers = {"authorization": authorization}

    check_well_formed(send(PREFIX + "ListIdentityPools", b'{"MaxResults": 10}', headers=headers))


# --- signatures, with verification on ----------------------------------------------------

ACCESS_KEY, SECRET_KEY = "AKIAROBUSTSIGNING001", "robustness-signing-secret"
HOST = "cognito-identity.robustness.invalid"
AMZ_DATE = "%Y%m%dT%H%M%SZ"


@pytest.fixture
def verifying(settings) -> None:
    settings.EMULATOR_ACCESS_KEYS = {ACCESS_KEY: SECRET_KEY}


def signed(
    operation: str, body: bytes, *, secret: str = SECRET_KEY, at: dt.datetime | None = None
) -> dict[str, str]:
    """Lower-case headers of a request botocore signs with ACCESS_KEY, as SDKs send them."""
    request = AWSRequest(
        method="POST",
        url=f"https://{HOST}/",
        data=body,
        headers={"Content-Type": JSON_11, "X-Amz-Target": PREFIX + operation},
    )
    timestamp = (at or dt.datetime.now(dt.UTC)).strftime(AMZ_DATE)
    request.context["timestamp"] = timestamp
    request.headers["X-Amz-Date"] = timestamp
    signer = SigV4Auth(Credentials(ACCESS_KEY, secret), "cognito-identity", REGION)
    signer.add_auth(request)
    return {"host": HOST, **{name.lower(): value for name, value in request.headers.items()}}


def send_signed(headers: dict[str, str], body: bytes) -> EmulatorResponse:
    with no_hang(f"a signed request with a {len(body)}-byte body"):
        return handle("POST", "/", headers, body)


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d")


odd_part = st.one_of(odd_text, st.sampled_from(["", " ", "/", ",", "=", "AKIA" * 2000, "\x00"]))


@st.composite
def authorization_headers(draw: st.DrawFn) -> str:
    """An Authorization value that is wrong in one or more of its parts, or pure garbage."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.one_of(odd_text, st.sampled_from(SPECIAL_STRINGS), st.text(max_size=300)))
    key = draw(st.sampled_from([ACCESS_KEY, "AKIAUNKNOWNKEY000000", ACCESS_KEY.lower()]) | odd_part)
    date = draw(st.sampled_from([_today(), "20000101", "99991231", "2025-01-01", ""]) | odd_part)
    region = draw(st.sampled_from([REGION, "eu-west-1", "", "US-EAST-1"]) | odd_part)
    service = draw(st.sampled_from(["cognito-identity", "cognito-idp", "s3", ""]) | odd_part)
    terminator = draw(st.sampled_from(["aws4_request", "aws4_request ", "aws4", ""]) | odd_part)
    signed_headers = draw(st.sampled_from(["host;x-amz-date;x-amz-target", "", ";;", "HOST"]) | odd_part)
    signature = draw(st.sampled_from(["0" * 64, "", "zz", "0" * 63]) | odd_part)
    parts = [
        f"Credential={key}/{date}/{region}/{service}/{terminator}",
        f"SignedHeaders={signed_headers}",
        f"Signature={signature}",
    ]
    parts = draw(st.permutations(parts))
    parts = parts[: draw(st.integers(0, len(parts)))] if draw(st.booleans()) else parts
    algorithm = draw(
        st.sampled_from(["AWS4-HMAC-SHA256", "aws4-hmac-sha256", "AWS4-HMAC-SHA1", ""]) | odd_part
    )
    separator = draw(st.sampled_from([", ", ",", " ", ",,", ", , "]))
    return f"{algorithm} {separator.join(parts)}"


date_headers = st.one_of(
    st.just({"x-amz-date": None}),
    st.builds(
        lambda moment: {"x-amz-date": moment.strftime(AMZ_DATE)},
        st.sampled_from(
            [dt.timedelta(0), dt.timedelta(hours=-1), dt.timedelta(days=400), dt.timedelta(hours=2)]
        ).map(lambda shift: dt.datetime.now(dt.UTC) + shift),
    ),
    odd_part.map(lambda value: {"x-amz-date": value}),
    st.sampled_from(["Thu, 01 Jan 2099 00:00:00 GMT", "yesterday", ""]).map(
        lambda value: {"x-amz-date": None, "date": value}
    ),
)


@FUZZ
@given(
    operation=st.sampled_from(OPERATIONS),
    authorization=authorization_headers(),
    dates=date_headers,
)
def test_with_verification_on_a_bad_authorization_is_only_ever_a_signature_error(
    verifying, operation, authorization, dates
):
    # An empty header is no signature at all, and the public operations may come unsigned.
    assume(authorization or operation not in PUBLIC_OPERATIONS)
    body = b'{"MaxResults": 10}'
    headers = signed(operation, body)
    headers["authorization"] = authorization
    for name, value in dates.items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value

    payload = check_well_formed(send_signed(headers, body))

    assert error_code(payload) in SIGNATURE_ERRORS


@FUZZ
@given(
    operation=st.sampled_from(OPERATIONS),
    tamper=st.sampled_from(
        ["body", "target", "date", "host", "signature", "secret", "key", "region", "drop"]
    ),
)
def test_with_verification_on_a_tampered_signed_request_is_refused(verifying, operation, tamper):
    body = b'{"MaxResults": 10}'
    headers = signed(operation, body, secret="not-the-secret" if tamper == "secret" else SECRET_KEY)
    authorization = headers["authorization"]
    if tamper == "body":
        body += b" "
    elif tamper == "target":
        headers["x-amz-target"] = PREFIX + (
            "ListIdentityPools" if operation != "ListIdentityPools" else "GetId"
        )
    elif tamper == "date":
        moment = dt.datetime.strptime(headers["x-amz-date"], AMZ_DATE) + dt.timedelta(seconds=1)
        headers["x-amz-date"] = moment.strftime(AMZ_DATE)
    elif tamper == "host":
        headers["host"] = "elsewhere.invalid"
    elif tamper == "signature":
        last = authorization[-1]
        headers["authorization"] = authorization[:-1] + ("0" if last != "0" else "1")
    elif tamper == "key":
        headers["authorization"] = authorization.replace(ACCESS_KEY, "AKIAUNKNOWNKEY000000")
    elif tamper == "region":
        headers["authorization"] = authorization.replace(f"/{REGION}/", "/eu-west-1/")
    elif tamper == "drop":
        del headers["x-amz-date"]

    payload = check_well_formed(send_signed(headers, body))

    assert error_code(payload) in SIGNATURE_ERRORS


@pytest.mark.parametrize("operation", OPERATIONS)
def test_with_verification_on_a_correctly_signed_request_is_served(verifying, operation, world):
    # The control for the two tests above: the same signing, untouched, passes verification.
    body = dump(valid_request(operation, world))

    payload = check_well_formed(send_signed(signed(operation, body), body))

    assert error_code(payload) not in SIGNATURE_ERRORS


# --- the tests, over HTTP ------------------------------------------------------------------


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def _read_answer(sock: socket.socket) -> RawAnswer:
    """Read one HTTP response; a connection closed before a status line fails the test."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            pytest.fail(f"the server closed the connection without answering (got {received[:200]!r})")
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return RawAnswer(int(status_line.split()[1]), headers, body[:length])


def raw_request(url: str, data: bytes, *, finish: bool = False) -> RawAnswer:
    """Send raw bytes; `finish` half-closes the socket as a client that has sent everything."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=HANG_SECONDS) as sock:
        sock.sendall(data)
        if finish:
            sock.shutdown(socket.SHUT_WR)
        try:
            return _read_answer(sock)
        except TimeoutError:
            pytest.fail(f"no answer within {HANG_SECONDS} s")


def request_bytes(
    method: str = "POST",
    target: str | None = "ListIdentityPools",
    body: bytes = b'{"MaxResults": 10}',
    extra: list[bytes] | None = None,
    length: int | None = None,
) -> bytes:
    # localhost: a Host name the server answers (EMULATOR_ALLOWED_HOSTS).
    lines = [f"{method} / HTTP/1.1".encode(), b"Host: localhost", b"Connection: close"]
    if target is not None:
        lines.append(f"X-Amz-Target: {PREFIX}{target}".encode())
    lines.append(f"Content-Type: {JSON_11}".encode())
    lines += extra or []
    if length is not None or not any(line.lower().startswith(b"transfer-encoding") for line in lines):
        lines.append(f"Content-Length: {len(body) if length is None else length}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def check_http_answer(answer: RawAnswer, *, aws: bool = True) -> dict[str, Any] | None:
    """Never a 5xx; an AWS-style error body when the emulator (not the HTTP layer) answered."""
    assert answer.status < 500, f"server error {answer.status}: {answer.body[:300]!r}"
    if not aws or not answer.body:
        return None
    return check_well_formed(EmulatorResponse(answer.status, answer.headers, answer.body))


@pytest.fixture
def server(emulator_url, transactional_db) -> Iterator[str]:  # noqa: F811 - the imported fixture
    """The emulator's URL; after each test it must still answer an ordinary request."""
    yield emulator_url
    answer = raw_request(emulator_url, request_bytes())
    assert answer.status == 200, answer.body[:300]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "TRACE", "FOO", "HEAD"])
def test_over_http_other_methods_get_an_aws_error(server, method):
    answer = raw_request(server, request_bytes(method=method))

    check_http_answer(answer, aws=method != "HEAD")
    assert 400 <= answer.status < 500


def test_over_http_a_bad_chunk_size_is_a_client_error(server):
    chunked = b"zz\r\n{}\r\n0\r\n\r\n"

    answer = raw_request(server, request_bytes(body=chunked, extra=[b"Transfer-Encoding: chunked"]))

    check_http_answer(answer, aws=False)
    assert 400 <= answer.status < 500


def test_over_http_a_chunked_body_over_one_mebibyte_is_refused_with_413(server):
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 20 + b"0\r\n\r\n"

    answer = raw_request(server, request_bytes(body=body, extra=[b"Transfer-Encoding: chunked"]))

    payload = check_http_answer(answer)
    assert answer.status == 413
    assert payload is not None and error_code(payload) == "SerializationException"


@pytest.mark.parametrize("claimed", [2 * 1024 * 1024, 10**12])
def test_over_http_a_content_length_larger_than_the_body_is_answered(server, claimed):
    # The client claims far more than it sends, then stops sending: the service must answer
    # (413 for a claim over its limit) instead of waiting for bytes that never come.
    answer = raw_request(server, request_bytes(length=claimed), finish=True)

    check_http_answer(answer)
    assert answer.status == 413


def test_over_http_a_short_body_under_its_content_length_is_answered(server):
    answer = raw_request(server, request_bytes(body=b'{"MaxResults": 10}', length=500), finish=True)

    check_http_answer(answer)


@pytest.mark.parametrize(
    "extra",
    [
        [b"Content-Length: abc"],
        [b"Content-Length: -5"],
        [b"Content-Length: 18", b"Content-Length: 3"],
        [b"Transfer-Encoding: chunked, gzip"],
        [b"X-Odd: \xff\xfe\x80 latin-1 bytes"],
        [b"X-Nul: a\x00b"],
        [b"no colon in this header"],
        [b": empty name"],
        [b"X-Long: " + b"a" * 100_000],
        [f"X-Many-{index}: {index}".encode() for index in range(2_000)],
        [b"X-Amz-Target: AWSCognitoIdentityService.GetId"],
        [b"Authorization: " + b"\xff" * 64],
        [
            b"Authorization: AWS4-HMAC-SHA256 Credential=\xe9\xe9/20250101/us-east-1/cognito-identity/aws4_request"
        ],
        [b"Content-Type: text/html; charset=\xff"],
    ],
    ids=[
        "bad-length",
        "negative-length",
        "two-lengths",
        "odd-encoding",
        "latin-1-bytes",
        "nul",
        "no-colon",
        "empty-name",
        "long-header",
        "many-headers",
        "two-targets",
        "binary-authorization",
        "latin-1-authorization",
        "odd-content-type",
    ],
)
def test_over_http_garbage_headers_never_crash_or_drop_the_connection(server, extra):
    answer = raw_request(server, request_bytes(extra=extra))

    if extra == [b"Transfer-Encoding: chunked, gzip"]:
        # RFC 9112: a transfer coding the server does not implement is answered 501.
        assert answer.status == 501
        return
    # The HTTP layer may refuse a malformed request itself, in plain text: never with a 5xx.
    check_http_answer(answer, aws=answer.headers.get("content-type") == JSON_11)


def test_over_http_a_client_that_hangs_up_early_does_not_hurt_the_server(server):
    parts = urlsplit(server)
    for cut in (10, 60, 200):
        data = request_bytes(body=b'{"MaxResults": 10}' + b" " * 500)
        with socket.create_connection((parts.hostname, parts.port), timeout=HANG_SECONDS) as sock:
            sock.sendall(data[:cut])
    # The `server` fixture then checks that an ordinary request is still answered.
