"""Java regular expressions (the patterns of botocore's service models) in Python.

AWS validates request members against the model's patterns with Java's regex engine. Two
places need that meaning: the embedded service's request validation and the console's forms,
which check a value before any call so the person sees the problem beside the field. This
module is shared by both on purpose: it imports neither of them (DESIGN.md invariant 1).
"""

from __future__ import annotations

import functools

import regex

# Java's \w, \d and \s are ASCII-only, where Python's are Unicode. regex.ASCII would also
# shrink \p{L} to ASCII, so the three are spelled out instead.
JAVA_CLASSES = {"w": "a-zA-Z0-9_", "d": "0-9", "s": " \\t\\n\\x0B\\f\\r"}


@functools.lru_cache(maxsize=256)
def compile_java_pattern(pattern: str) -> regex.Pattern[str]:
    """A Java regex as a `regex` pattern with the same meaning (use `fullmatch`, as AWS does)."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            body = JAVA_CLASSES.get(escaped.lower())
            if body is None:
                out.append(pattern[index : index + 2])
            else:
                # Inside [...] this is a nested set (regex V1 unions it, as Java does).
                out.append(f"[^{body}]" if escaped.isupper() else f"[{body}]")
            index += 2
            continue
        out.append(char)
        index += 1
    # V1 gives Java's nested classes and && intersections inside [...].
    return regex.compile("".join(out), regex.V1)
