"""Finding credentials in text a person or a log file would see.

`assert_no_secrets(text)` fails on:
- an AWS access key id (AKIA/ASIA + 16) with a 40-character secret key near it, or a
  secret key labelled as one anywhere;
- a session token: a base64 run of 200 characters or more (STS tokens are longer still);
- a JWT: three base64url segments, the first two starting "eyJ" (a JSON object).

An access key id alone is not a secret (AWS prints them in consoles and logs), nor is the
embedded service's placeholder key pair. Findings are reported masked, so a failing test does
not print the secret either.

`no_secret_logs` is a fixture: it captures every log record of the test at DEBUG (except the
loggers settings.LOGGING deliberately pins higher, such as botocore, which would dump request
bodies at DEBUG) and scans them, plus the test users' password, at teardown.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

import pytest
from django.conf import settings

ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
# Not part of a longer base64url run (`-`, `_`): a signed token's signature (a NextToken, a
# session cookie) often holds 40 alphanumerics between two of those, by chance.
SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])")
LABELLED_SECRET_KEY = re.compile(
    r"(?i)(?:secret_?access_?key|secret_?key|aws_secret)[\"'\s:=]+([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
SESSION_TOKEN = re.compile(r"[A-Za-z0-9/+]{200,}={0,2}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")

# How far from an access key id a 40-character secret counts as "next to it".
NEARBY = 300


def _mask(secret: str) -> str:
    return f"{secret[:4]}…({len(secret)} chars)"


def find_secrets(text: str, also: Iterable[str] = ()) -> list[str]:
    """What looks like a credential in `text`, masked; `also` adds exact strings to look for."""
    found = [f"secret key {_mask(match[1])}" for match in LABELLED_SECRET_KEY.finditer(text)]
    found += list(_keys_with_secrets(text))
    found += [f"session token {_mask(match[0])}" for match in SESSION_TOKEN.finditer(text)]
    found += [f"JWT {_mask(match[0])}" for match in JWT.finditer(text)]
    found += [f"the string {_mask(value)}" for value in also if value and value in text]
    return found


def _keys_with_secrets(text: str) -> Iterator[str]:
    for key in ACCESS_KEY_ID.finditer(text):
        window = text[max(0, key.start() - NEARBY) : key.end() + NEARBY]
        for secret in SECRET_KEY.finditer(window):
            yield f"access key {_mask(key[0])} with secret {_mask(secret[0])}"


def assert_no_secrets(text: str, also: Iterable[str] = ()) -> None:
    found = find_secrets(text, also)
    assert not found, "credentials in the text: " + "; ".join(found)


_FORMAT = logging.Formatter("%(levelname)s %(name)s: %(message)s")


def assert_no_secrets_in_records(records: Iterable[logging.LogRecord], also: Iterable[str] = ()) -> None:
    """Scan log records as a handler would write them (message, arguments and traceback)."""
    assert_no_secrets("\n".join(_FORMAT.format(record) for record in records), also)


def _raise_levels(caplog: pytest.LogCaptureFixture) -> None:
    pinned = set(getattr(settings, "LOGGING", {}).get("loggers", {}))
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.level > logging.DEBUG and name not in pinned:
            caplog.set_level(logging.DEBUG, logger=name)


@pytest.fixture
def no_secret_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Fail the test if anything it logged (at DEBUG) holds a credential or the test password."""
    from tests.conftest import PASSWORD

    _raise_levels(caplog)
    yield caplog
    assert_no_secrets_in_records(caplog.get_records("setup") + caplog.get_records("call"), also=[PASSWORD])
