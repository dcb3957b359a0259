"""Request validation against botocore's own model of cognito-identity, worded as AWS words it.

`validate_input(operation, params)` checks a decoded JSON body against the operation's input
shape and raises:

* `errors.SerializationError` when a value has the wrong JSON type for its shape (a string
  where a boolean is expected, an object where a list is expected, a fraction for an integer).
  AWS decodes the body before it validates it, so the first such problem wins over everything.
* `errors.ValidationError` with every constraint problem found otherwise, each worded like
  AWS's request validation (Coral):
  ``Value 'x!' at 'identityPoolName' failed to satisfy constraint: Member must satisfy
  regular expression pattern: [\\w\\s+=,.@-]+``.

Conventions, following the messages real AWS services send:

* A path is the lowerCamelCase member names (first letter lowered) joined by dots:
  ``identityPoolName``, ``roleMappings``.
* A list of structures (or other containers) names each element 1-based with ``.member``:
  ``cognitoIdentityProviders.1.member.clientId``. A map of structures names each entry by its
  key, the same way: ``roleMappings.graph.facebook.com.member.type`` (real AWS's path for a
  map entry is not documented; this mirrors the list form).
* Elements of a list of scalars, and keys and values of a map of scalars, are reported once per
  collection at the collection's path, listing every constraint of the element shape:
  ``Member must satisfy constraint: [...]`` for lists, ``Map keys must satisfy constraint: [...]``
  and ``Map value must satisfy constraint: [...]`` for maps (as Cognito answers for a bad
  ``Logins`` token). ``Member must not be null`` is added to the list when an element is null.
* Sizes of lists and maps use the string wording: ``Member must have length less than or
  equal to 10``. Numbers: ``Member must have value less than or equal to 60``. A required member
  that is missing or null: ``Value null at 'x' failed to satisfy constraint: Member must not
  be null``. Within one value the order is: maximum, minimum, enum, pattern.
* The value is shown Java-style (``'abc'``, ``'61'``, ``'[a, b]'``, ``'{k=v}'``), cut to 256
  characters; a value that is or holds a member marked sensitive in the model (login tokens) is
  left out: ``Value at 'logins' failed ...``.
* String length counts Unicode code points. Patterns are Java regexes matched against the whole
  value, with Java's ASCII meaning of ``\\w``, ``\\d`` and ``\\s``; ``\\p{L}`` classes still
  cover all of Unicode.
* Unknown members are ignored, as AWS ignores them. At most 100 problems are reported, so a huge
  body cannot make a huge error.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore.session

from console.javaregex import compile_java_pattern

from . import errors

SERVICE_NAME = "cognito-identity"
MAX_SHOWN = 256  # characters of a value shown in a message
MAX_PROBLEMS = 100
# The model bounds how deep a walk goes; this only guards against a recursive model.
_MAX_DEPTH = 64
_RENDER_DEPTH = 8
_JAVA_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


class _WrongType(Exception):
    """A JSON value of the wrong type; whoever knows the path turns it into SerializationError."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(expected)
        self.expected = expected
        self.got = got

    def at(self, path: str) -> errors.SerializationError:
        return errors.SerializationError(f"Expected {self.expected} for '{path}', got {self.got}.")


class _Unstorable(_WrongType):
    """A string no database stores: a NUL character (PostgreSQL) or an unpaired surrogate.

    A surrogate arrives as a `\\ud800` escape or as raw bytes ED A0 80 (json.loads decodes
    bytes with "surrogatepass"); UTF-8 encoding it would fail at the first query. Every
    string the operations read is a modelled member, so checking here covers them all.
    """

    def __init__(self) -> None:
        super().__init__("text", "a NUL character or an unpaired surrogate")

    def at(self, path: str) -> errors.SerializationError:
        return errors.SerializationError(
            f"The string at '{path}' contains a NUL character or an unpaired surrogate."
        )


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


class _Enough(Exception):
    """Raised once MAX_PROBLEMS problems are collected: the rest is not worth walking."""


class _Problems(list[str]):
    def add(self, problem: str) -> None:
        self.append(problem)
        if len(self) >= MAX_PROBLEMS:
            raise _Enough


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else f"a {type(value).__name__}"


# --- showing values ------------------------------------------------------------------------


def _render(value: Any, limit: int = MAX_SHOWN) -> str:
    """`value` as Java's toString shows it, cut to `limit` characters."""
    pieces: list[str] = []
    _render_into(value, pieces, [limit + 1], 0)
    text = "".join(pieces)
    return text if len(text) <= limit else text[:limit] + "..."


def _render_into(value: Any, pieces: list[str], budget: list[int], depth: int) -> None:
    # `budget` is shared by the whole walk so a huge or deep value costs only what is shown.
    if budget[0] <= 0:
        return
    if isinstance(value, list | dict):
        _render_collection(value, pieces, budget, depth)
        return
    text = _scalar_text(value)[: budget[0]]
    pieces.append(text)
    budget[0] -= len(text)


def _render_collection(value: list | dict, pieces: list[str], budget: list[int], depth: int) -> None:
    is_map = isinstance(value, dict)
    if depth >= _RENDER_DEPTH:
        pieces.append("{...}" if is_map else "[...]")
        budget[0] -= 5
        return
    pieces.append("{" if is_map else "[")
    budget[0] -= 1
    items = value.items() if is_map else enumerate(value)
    for position, (key, item) in enumerate(items):
        if budget[0] <= 0:
            return
        if position:
            pieces.append(", ")
            budget[0] -= 2
        if is_map:
            _render_into(key, pieces, budget, depth + 1)
            pieces.append("=")
            budget[0] -= 1
        _render_into(item, pieces, budget, depth + 1)
    pieces.append("}" if is_map else "]")
    budget[0] -= 1


def _scalar_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except ValueError:  # an int too long for str(); only reachable from Python callers
        return "<number>"


def _problem(value: Any, path: str, wording: str, sensitive: bool) -> str:
    if sensitive:
        return f"Value at '{path}' failed to satisfy constraint: {wording}"
    return f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: {wording}"


def _null_problem(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _bracket(node: _Node, with_null: bool) -> str:
    wordings = list(node.constraints)
    if with_null:
        wordings.append("Member must not be null")
    return "[" + ", ".join(wordings) + "]"


# --- the compiled validators ---------------------------------------------------------------


class _Node:
    """The checks for one shape, precomputed so a request never touches botocore objects."""

    scalar = True
    sensitive = False
    constraints: tuple[str, ...] = ()

    def failures(self, value: Any) -> list[str]:
        """Constraint wordings a non-null scalar value breaks; raises _WrongType."""
        return []

    def check(self, value: Any, path: str, problems: _Problems, depth: int) -> None:
        """Record every problem of a non-null `value` found at `path`."""
        try:
            failed = self.failures(value)
        except _WrongType as wrong:
            raise wrong.at(path) from None
        for wording in failed:
            problems.add(_problem(value, path, wording, self.sensitive))


def _length_wordings(low: int | None, high: int | None, unit: str) -> tuple[str | None, str | None]:
    above = f"Member must have {unit} less than or equal to {high}" if high is not None else None
    below = f"Member must have {unit} greater than or equal to {low}" if low is not None else None
    return above, below


class _String(_Node):
    def __init__(self, metadata: dict[str, Any]) -> None:
        self.low: int | None = metadata.get("min")
        self.high: int | None = metadata.get("max")
        self.above, self.below = _length_wordings(self.low, self.high, "length")
        enum = metadata.get("enum")
        self.enum = frozenset(enum) if enum else None
        self.enum_wording = f"Member must satisfy enum value set: [{', '.join(enum)}]" if enum else None
        pattern = metadata.get("pattern")
        self.pattern = compile_java_pattern(pattern) if pattern else None
        self.pattern_wording = (
            f"Member must satisfy regular expression pattern: {pattern}" if pattern else None
        )
        self.sensitive = bool(metadata.get("sensitive"))
        wordings = (self.above, self.below, self.enum_wording, self.pattern_wording)
        self.constraints = tuple(w for w in wordings if w)

    def failures(self, value: Any) -> list[str]:
        if not isinstance(value, str):
            raise _WrongType("a string", _json_type(value))
        if not _storable(value):
            raise _Unstorable()
        found = []
        if self.high is not None and len(value) > self.high:
            found.append(self.above)
        if self.low is not None and len(value) < self.low:
            found.append(self.below)
        if self.enum is not None and value not in self.enum:
            found.append(self.enum_wording)
        if self.pattern is not None and self.pattern.fullmatch(value) is None:
            found.append(self.pattern_wording)
        return found


class _Number(_Node):
    def __init__(self, type_name: str, metadata: dict[str, Any]) -> None:
        self.type_name = type_name
        self.range = _JAVA_RANGES.get(type_name)
        self.expected = "an integer" if self.range else "a number"
        self.low = metadata.get("min")
        self.high = metadata.get("max")
        self.above, self.below = _length_wordings(self.low, self.high, "value")
        self.constraints = tuple(w for w in (self.above, self.below) if w)

    def failures(self, value: Any) -> list[str]:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _WrongType(self.expected, _json_type(value))
        if self.range is not None:
            if isinstance(value, float):
                if not value.is_integer():
                    raise _WrongType(self.expected, "a number with a fraction")
                value = int(value)
            if not self.range[0] <= value <= self.range[1]:
                raise _WrongType(self.expected, f"a number outside the {self.type_name} range")
        found = []
        if self.high is not None and value > self.high:
            found.append(self.above)
        if self.low is not None and value < self.low:
            found.append(self.below)
        return found


class _Boolean(_Node):
    def failures(self, value: Any) -> list[str]:
        if not isinstance(value, bool):
            raise _WrongType("a boolean", _json_type(value))
        return []


class _Timestamp(_Node):
    def failures(self, value: Any) -> list[str]:
        # AWS JSON sends epoch seconds; an ISO string is accepted by the servers too.
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _WrongType("a timestamp", _json_type(value))
        return []


class _Blob(_Node):
    def failures(self, value: Any) -> list[str]:
        if not isinstance(value, str):
            raise _WrongType("a base64-encoded string", _json_type(value))
        return []


class _Structure(_Node):
    scalar = False

    def __init__(self, sensitive: bool) -> None:
        self.sensitive = sensitive
        # (wire name, path name, node, required), filled in after the node is memoised.
        self.members: tuple[tuple[str, str, _Node, bool], ...] = ()

    def check(self, value: Any, path: str, problems: _Problems, depth: int) -> None:
        if not isinstance(value, dict):
            raise _WrongType("an object", _json_type(value)).at(path)
        if depth > _MAX_DEPTH:
            raise errors.SerializationError("Request body nests too deeply.")
        prefix = f"{path}." if path else ""
        for name, path_name, node, required in self.members:
            member = value.get(name)
            if member is None:
                if required:
                    problems.add(_null_problem(prefix + path_name))
            else:
                node.check(member, prefix + path_name, problems, depth + 1)


class _Sized(_Node):
    """Lists and maps: a size in the model's length wording."""

    scalar = False

    def __init__(self, metadata: dict[str, Any]) -> None:
        self.low: int | None = metadata.get("min")
        self.high: int | None = metadata.get("max")
        self.above, self.below = _length_wordings(self.low, self.high, "length")
        self.sensitive = bool(metadata.get("sensitive"))

    def check_size(self, value: list | dict, path: str, problems: _Problems) -> None:
        if self.high is not None and len(value) > self.high:
            problems.add(_problem(value, path, self.above, self.sensitive))
        if self.low is not None and len(value) < self.low:
            problems.add(_problem(value, path, self.below, self.sensitive))


class _List(_Sized):
    member: _Node

    def check(self, value: Any, path: str, problems: _Problems, depth: int) -> None:
        if not isinstance(value, list):
            raise _WrongType("an array", _json_type(value)).at(path)
        if depth > _MAX_DEPTH:
            raise errors.SerializationError("Request body nests too deeply.")
        self.check_size(value, path, problems)
        if self.member.scalar:
            self._check_scalars(value, path, problems)
            return
        for index, element in enumerate(value, 1):
            element_path = f"{path}.{index}.member"
            if element is None:
                problems.add(_null_problem(element_path))
            else:
                self.member.check(element, element_path, problems, depth + 1)

    def _check_scalars(self, value: list, path: str, problems: _Problems) -> None:
        broken = has_null = False
        for index, element in enumerate(value, 1):
            if element is None:
                has_null = True
                continue
            try:
                broken = bool(self.member.failures(element)) or broken
            except _WrongType as wrong:
                raise wrong.at(f"{path}.{index}.member") from None
        if broken or has_null:
            wording = "Member must satisfy constraint: " + _bracket(self.member, has_null)
            problems.add(_problem(value, path, wording, self.sensitive))


class _Map(_Sized):
    key: _Node
    value: _Node

    def check(self, value: Any, path: str, problems: _Problems, depth: int) -> None:
        if not isinstance(value, dict):
            raise _WrongType("an object", _json_type(value)).at(path)
        if depth > _MAX_DEPTH:
            raise errors.SerializationError("Request body nests too deeply.")
        self.check_size(value, path, problems)
        bad_keys = bad_values = null_values = False
        for key, item in value.items():
            try:
                bad_keys = bool(self.key.failures(key)) or bad_keys
            except _WrongType as wrong:
                raise wrong.at(f"{path} (a key)") from None
            if item is None:
                if self.value.scalar:
                    null_values = True
                else:
                    problems.add(_null_problem(_entry_path(path, key)))
            elif self.value.scalar:
                try:
                    bad_values = bool(self.value.failures(item)) or bad_values
                except _WrongType as wrong:
                    raise wrong.at(_entry_path(path, key)) from None
            else:
                self.value.check(item, _entry_path(path, key), problems, depth + 1)
        # Like AWS: keys once, then values once, however many entries break the rules.
        if bad_keys:
            wording = "Map keys must satisfy constraint: " + _bracket(self.key, False)
            problems.add(_problem(value, path, wording, self.sensitive))
        if bad_values or null_values:
            wording = "Map value must satisfy constraint: " + _bracket(self.value, null_values)
            problems.add(_problem(value, path, wording, self.sensitive))


def _entry_path(path: str, key: Any) -> str:
    return f"{path}.{_render(key, 128)}.member"


def _path_name(member_name: str) -> str:
    return member_name[:1].lower() + member_name[1:]


def _compile(shape: Any, memo: dict[str, _Node]) -> _Node:
    """The validator for a botocore shape; shapes already compiled (or in progress) are reused."""
    if shape.name in memo:
        return memo[shape.name]
    type_name = shape.type_name
    metadata = shape.metadata
    if type_name == "structure":
        structure = memo[shape.name] = _Structure(bool(metadata.get("sensitive")))
        required = set(shape.required_members)
        structure.members = tuple(
            (name, _path_name(name), _compile(member, memo), name in required)
            for name, member in shape.members.items()
        )
        structure.sensitive = structure.sensitive or any(m[2].sensitive for m in structure.members)
        return structure
    if type_name == "list":
        listing = memo[shape.name] = _List(metadata)
        listing.member = _compile(shape.member, memo)
        listing.sensitive = listing.sensitive or listing.member.sensitive
        return listing
    if type_name == "map":
        mapping = memo[shape.name] = _Map(metadata)
        mapping.key = _compile(shape.key, memo)
        mapping.value = _compile(shape.value, memo)
        mapping.sensitive = mapping.sensitive or mapping.key.sensitive or mapping.value.sensitive
        return mapping
    node = memo[shape.name] = _scalar(type_name, metadata)
    return node


def _scalar(type_name: str, metadata: dict[str, Any]) -> _Node:
    if type_name == "string":
        return _String(metadata)
    if type_name in ("integer", "long", "float", "double", "bigdecimal", "biginteger"):
        node: _Node = _Number(type_name, metadata)
    elif type_name == "boolean":
        node = _Boolean()
    elif type_name == "timestamp":
        node = _Timestamp()
    elif type_name == "blob":
        node = _Blob()
    else:  # a type this model does not use: accept anything rather than guess
        node = _Node()
    node.sensitive = bool(metadata.get("sensitive"))
    return node


# --- per-operation cache -------------------------------------------------------------------

_lock = threading.Lock()
_service_model: Any = None
_validators: dict[str, _Node | None] = {}


def _model() -> Any:
    global _service_model
    if _service_model is None:
        _service_model = botocore.session.get_session().get_service_model(SERVICE_NAME)
    return _service_model


def _validator(operation_name: str) -> _Node | None:
    """The compiled input validator of an operation of the model, or None."""
    try:
        return _validators[operation_name]
    except KeyError:
        pass
    with _lock:
        model = _model()
        # Only the model's own names are cached, so arbitrary names cannot grow the cache.
        if operation_name not in model.operation_names:
            return None
        input_shape = model.operation_model(operation_name).input_shape
        validator = _compile(input_shape, {}) if input_shape is not None else None
        _validators[operation_name] = validator
        return validator


def validate_input(operation_name: str, params: dict[str, Any]) -> None:
    """Raise errors.SerializationError or errors.ValidationError when `params` break the model."""
    validator = _validator(operation_name)
    if validator is None:
        return
    if not isinstance(params, dict):
        raise errors.SerializationError("Request body must be a JSON object.")
    problems = _Problems()
    try:
        validator.check(params, "", problems, 0)
    except _Enough:
        pass
    if problems:
        raise errors.ValidationError(list(problems))
