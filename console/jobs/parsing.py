"""Reading a job's input (pasted text, an uploaded text or CSV file, a selection) into targets.

Every line is checked before a job exists: problems are reported with their line number, and a
job starts only from input without any. Duplicates are dropped (the first line counts) and
said so.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import ngettext

from console.aws.ids import is_cognito_id, region_of

DEVELOPER_USER_MAX = 1024
MERGE_HEADER = ("source_user_identifier", "destination_user_identifier")
_ID_HEADERS = {"identityid", "identity_id", "identity id", "id", "identity"}
# Problems listed one by one before "and N more"; only these are kept (a 10 MiB upload of
# junk has millions of bad lines: counted, not stored).
SHOWN_PROBLEMS = 20
SHOWN_LINES = 10
# Longer than any valid line: two developer user ids of DEVELOPER_USER_MAX characters, each
# quoted with every character a doubled quote, leave room to spare. A longer line is that
# line's problem, and is never given to the csv module (whose field limit it would break).
LINE_MAX = 16_384
# The text is split into lines a block at a time (str.splitlines on about this many
# characters, cut after a line break), never into one list of millions of lines.
_BLOCK = 1 << 20
# Every line break str.splitlines knows.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Target:
    """One input item: its line in the input, the id (or source user), the merge destination."""

    line: int
    target: str
    destination: str = ""


@dataclass
class Parsed:
    """Targets in input order, the first problems found (by line) and how many there are in all,
    and notes on what was dropped."""

    targets: list[Target] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem_count and bool(self.targets)

    def add_problem(self, problem: str) -> None:
        """Count a problem; keep the first SHOWN_PROBLEMS."""
        self.problem_count += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(problem)

    def shown_problems(self) -> list[str]:
        extra = self.problem_count - len(self.problems)
        return [*self.problems, f"… and {extra:,} more."] if extra > 0 else list(self.problems)


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:SHOWN_LINES])
    return shown + (", …" if len(numbers) > SHOWN_LINES else "")


def _text_lines(text: str) -> Iterator[str]:
    """The lines of `text`, as str.splitlines gives them, one block of lines at a time."""
    start = 0
    while start < len(text):
        found = _LINE_BREAK.search(text, start + _BLOCK)
        end = found.end() if found else len(text)
        yield from text[start:end].splitlines()
        start = end


def _cells(line: str) -> list[str]:
    # Each line is its own CSV record: a quote left open never swallows the lines after it.
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]), [])


def _rows(text: str, parsed: Parsed) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of every line that is not blank; a line too long to be
    an entry is a problem of `parsed`."""
    for number, line in enumerate(_text_lines(text), start=1):
        if len(line) > LINE_MAX:
            parsed.add_problem(
                f"Line {number}: {len(line):,} characters, longer than any entry can be "
                f"(at most {LINE_MAX:,})."
            )
            continue
        try:
            cells = [cell.strip() for cell in _cells(line)]
        except csv.Error as exc:
            parsed.add_problem(f"Line {number}: not a CSV line ({exc}).")
            continue
        if any(cells):
            yield number, cells


def parse_identity_ids(text: str, pool_id: str) -> Parsed:
    """Identity ids, one per line (a CSV's first column), all of `pool_id`'s region."""
    parsed = Parsed()
    region = region_of(pool_id)
    seen: dict[str, int] = {}
    duplicates: list[int] = []
    for position, (number, cells) in enumerate(_rows(text, parsed)):
        value = cells[0]
        if position == 0 and value.lower() in _ID_HEADERS:
            parsed.notes.append(f"Line {number} was read as a header and skipped.")
            continue
        if not is_cognito_id(value):
            parsed.add_problem(f"Line {number}: “{value[:80]}” is not an identity id (REGION:UUID).")
        elif region_of(value) != region:
            parsed.add_problem(
                f"Line {number}: {value} is an identity of region {region_of(value)}, "
                f"so not of pool {pool_id}."
            )
        elif value in seen:
            duplicates.append(number)
        else:
            seen[value] = number
            parsed.targets.append(Target(number, value))
    if duplicates:
        parsed.notes.append(_duplicates_removed("line", duplicates))
    if not parsed.targets and not parsed.problem_count:
        parsed.add_problem("No identity ids were found: paste one per line, or upload a file.")
    return parsed


def _duplicates_removed(what: str, numbers: list[int]) -> str:
    """The note on duplicates left out, e.g. "1 duplicate line removed: 4." (`what`: line or row)."""
    count = len(numbers)
    if what == "row":
        words = ngettext("duplicate row removed", "duplicate rows removed", count)
    else:
        words = ngettext("duplicate line removed", "duplicate lines removed", count)
    return f"{count:,} {words}: {_lines(numbers)}."


def parse_merge_pairs(text: str) -> Parsed:
    """`source_user_identifier,destination_user_identifier` rows (an optional header first)."""
    parsed = Parsed()
    seen: dict[tuple[str, str], int] = {}
    source_line: dict[str, int] = {}
    destination_line: dict[str, int] = {}
    duplicates: list[int] = []
    for position, (number, cells) in enumerate(_rows(text, parsed)):
        if position == 0 and tuple(cell.lower() for cell in cells) == MERGE_HEADER:
            continue
        problem = _pair_problem(cells)
        if problem:
            parsed.add_problem(f"Line {number}: {problem}")
            continue
        source, destination = cells[0], cells[1]
        if (source, destination) in seen:
            duplicates.append(number)
            continue
        problem = _order_problem(source, destination, source_line, destination_line)
        if problem:
            parsed.add_problem(f"Line {number}: {problem}")
            continue
        seen[(source, destination)] = number
        source_line[source] = number
        destination_line.setdefault(destination, number)
        parsed.targets.append(Target(number, source, destination))
    if duplicates:
        parsed.notes.append(_duplicates_removed("row", duplicates))
    if not parsed.targets and not parsed.problem_count:
        parsed.add_problem(
            "No rows were found: one source_user_identifier,destination_user_identifier per line."
        )
    return parsed


def _pair_problem(cells: list[str]) -> str:
    while len(cells) > 2 and not cells[-1]:
        cells = cells[:-1]  # trailing empty cells a spreadsheet adds
    if len(cells) != 2:
        return f"expected 2 columns (source, destination), found {len(cells)}."
    source, destination = cells
    if not source or not destination:
        return "the source and the destination must both be given."
    if len(source) > DEVELOPER_USER_MAX or len(destination) > DEVELOPER_USER_MAX:
        return f"a developer user identifier has at most {DEVELOPER_USER_MAX} characters."
    if source == destination:
        return f"“{source[:80]}” cannot be merged into itself."
    return ""


def _order_problem(
    source: str, destination: str, source_line: dict[str, int], destination_line: dict[str, int]
) -> str:
    # Rows run in parallel, in no set order: a user merged twice, or both merged and merged
    # into, would end differently from one run to the next.
    if source in source_line:
        return f"“{source[:80]}” is already the source of line {source_line[source]}."
    if source in destination_line:
        return (
            f"“{source[:80]}” is the destination of line {destination_line[source]}: "
            "chains depend on order, run them as two jobs."
        )
    if destination in source_line:
        return (
            f"“{destination[:80]}” is the source of line {source_line[destination]}: "
            "chains depend on order, run them as two jobs."
        )
    return ""
