"""Limits of Cognito Identity's inputs, read from botocore's service model (the one source of truth).

Forms check a value here before any call, so a person sees the problem beside the field it
concerns, worded with the field's name. The embedded service validates the same model
(console/emulator/validation.py) with the same Java-regex meaning (console/javaregex.py), so
what a form accepts the service accepts: a value at a limit passes, one past it is refused.

Nothing here copies a number. Two counts AWS states only in the model's documentation text
(rules per provider, tags per pool) are read from that text; when a botocore upgrade rewords
it, the structural bound (or none) applies and the service's own refusal is shown instead
(tests/aws/test_limits.py notices the rewording).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import botocore.session

from console.javaregex import compile_java_pattern

SERVICE_NAME = "cognito-identity"


@functools.cache
def service_model() -> Any:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def _shape(name: str) -> Any:
    return service_model().shape_for(name)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# How the pieces of the model's `[...]+` character classes read to a person.
_CLASS_WORDS = {
    r"\d": "digits",
    r"\s": "spaces",
    r"\S": "any character but spaces",
    r"\p{L}": "letters",
    r"\p{M}": "accents and marks",
    r"\p{S}": "symbols",
    r"\p{N}": "numbers",
    r"\p{P}": "punctuation",
}
_CLASS_PIECE = re.compile(r"\\p\{\w+\}|\\.|.", re.DOTALL)


def describe_pattern(pattern: str) -> str:
    """The characters a `[...]+` pattern allows, in words; other patterns are quoted."""
    match = re.fullmatch(r"\[([^\[\]]+)\]\+", pattern)
    if match is None:
        return f"text matching the pattern {pattern}"
    words: list[str] = []
    characters: list[str] = []
    for piece in _CLASS_PIECE.findall(match.group(1)):
        if piece == r"\w":
            # Java's \w is ASCII: an accented letter is refused.
            words[:0] = ["ASCII letters", "digits"]
            characters.insert(0, "_")
        elif piece in _CLASS_WORDS:
            words.append(_CLASS_WORDS[piece])
        else:
            characters.append(piece.removeprefix("\\"))
    characters = list(dict.fromkeys(characters))
    if characters:
        words.append(("the character " if len(characters) == 1 else "the characters ") + " ".join(characters))
    listed = ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]
    return "only " + listed


@dataclass(frozen=True)
class TextLimit:
    """Length (in code points, as AWS counts), pattern and enum of one string shape."""

    shape: str
    min_length: int | None
    max_length: int | None
    pattern: str | None
    enum: tuple[str, ...]

    @property
    def allowed(self) -> str:
        """The allowed characters in words ('' when the shape has no pattern)."""
        return describe_pattern(self.pattern) if self.pattern else ""

    def hint(self) -> str:
        """The limits in a sentence, for a field's help text."""
        if self.min_length and self.max_length:
            size = f"{self.min_length} to {self.max_length} characters"
        elif self.max_length:
            size = f"Up to {self.max_length} characters"
        else:
            size = ""
        parts = [part for part in (size, self.allowed) if part]
        return (": ".join(parts) + ".") if parts else ""

    def problem(self, value: str, label: str) -> str | None:
        """What is wrong with `value` for the field called `label`, or None when it fits."""
        length = len(value)
        if self.max_length is not None and length > self.max_length:
            return f"{label} may have at most {_plural(self.max_length, 'character')}; this has {length}."
        if self.min_length is not None and length < self.min_length:
            return f"{label} needs at least {_plural(self.min_length, 'character')}."
        if self.enum and value not in self.enum:
            return f"{label} must be one of {', '.join(self.enum)}."
        if self.pattern and compile_java_pattern(self.pattern).fullmatch(value) is None:
            return f"{label} may contain {self.allowed}."
        return None


@dataclass(frozen=True)
class CountLimit:
    """How many entries a list or map shape may hold (None: the model sets no bound)."""

    shape: str
    min_items: int | None
    max_items: int | None

    def problem(self, count: int, label: str) -> str | None:
        if self.max_items is not None and count > self.max_items:
            return f"{label}: at most {self.max_items} are allowed; there are {count}."
        if self.min_items is not None and count < self.min_items:
            return f"{label}: at least {self.min_items} needed."
        return None


@functools.cache
def text(shape_name: str) -> TextLimit:
    """The limits of a string shape of the model, e.g. text("IdentityPoolName")."""
    shape = _shape(shape_name)
    if shape.type_name != "string":
        raise ValueError(f"{shape_name} is a {shape.type_name}, not a string")
    metadata = shape.metadata
    return TextLimit(
        shape=shape_name,
        min_length=metadata.get("min"),
        max_length=metadata.get("max"),
        pattern=metadata.get("pattern"),
        enum=tuple(metadata.get("enum") or ()),
    )


@functools.cache
def count(shape_name: str) -> CountLimit:
    """The size limits of a list or map shape, e.g. count("IdentityProviders")."""
    shape = _shape(shape_name)
    if shape.type_name not in ("list", "map"):
        raise ValueError(f"{shape_name} is a {shape.type_name}, not a list or map")
    return CountLimit(shape_name, shape.metadata.get("min"), shape.metadata.get("max"))


def enum(shape_name: str) -> tuple[str, ...]:
    """The values an enum shape allows, in the model's order."""
    return text(shape_name).enum


def _documented_number(documentation: str, phrase: str) -> int | None:
    found = re.search(phrase, re.sub(r"<[^>]+>", " ", documentation or ""))
    return int(found.group(1)) if found else None


@functools.cache
def rules_per_mapping() -> CountLimit:
    """Rules in one role mapping: the model's list bound, narrowed by its documented per-provider limit."""
    structural = count("MappingRulesList")
    rules = _shape("RulesConfigurationType").members["Rules"]
    documented = _documented_number(rules.documentation, r"up to (\d+) rules")
    bounds = [bound for bound in (structural.max_items, documented) if bound is not None]
    return CountLimit("MappingRulesList", structural.min_items, min(bounds) if bounds else None)


@functools.cache
def tags_per_pool() -> CountLimit:
    """Tags on one pool: the model's map has no bound; TagResource's documentation states one."""
    structural = count("IdentityPoolTagsType")
    documentation = service_model().operation_model("TagResource").documentation
    documented = _documented_number(documentation, r"as many as (\d+) tags")
    return CountLimit("IdentityPoolTagsType", structural.min_items, documented or structural.max_items)
