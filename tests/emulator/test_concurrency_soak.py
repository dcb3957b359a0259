"""A soak test: many clients at once against `manage.py emulator`, and every login keeps one identity.

For SOAK_SECONDS (60 by default; set it lower for a quick local run) THREADS clients call the
HTTP server with a mixed workload. Several threads race on the same logins at the same moment:
a few long-lived Facebook and developer users, plus a fresh batch of users every half second
that all threads try to sign in at once. Around them: guest GetId calls, ListIdentities walks,
DescribeIdentity, credentials, and throwaway identities that are unlinked or deleted.

Each thread writes down what the service told it. Afterwards the service and its tables must
agree with every thread: one identity per login (never two), no link lost unless a thread
unlinked it, nothing left over that no caller was told about, and not one 5xx answered even
when boto3's retries would have hidden it.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore
import jwt
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.db.models import Count

from console.aws.clients import build_client
from console.emulator.models import Identity, IdentityLogin, IdentityPool
from tests.cognito import AUTH_ROLE, DEVELOPER, FACEBOOK, REGION, UNAUTH_ROLE

from .http_fixtures import emulator_url  # noqa: F401 - the fixture

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "60"))
THREADS = int(os.environ.get("SOAK_THREADS", "8"))
# Long-lived users every thread keeps signing in.
FACEBOOK_USERS = [f"fb-user-{index}" for index in range(5)]
DEVELOPER_USERS = [f"dev-user-{index}" for index in range(5)]
# Every half second a new batch of users appears and all threads race to sign them in first.
ROUND_SECONDS = 0.5
ROUND_USERS = 2

Login = tuple[str, str]  # (provider, subject)


@dataclass
class Record:
    """What one thread was told, and what went wrong for it."""

    links: dict[Login, set[str]] = field(default_factory=lambda: defaultdict(set))
    guests: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # Throwaway logins a thread unlinked, with the identity they were on.
    unlinked: dict[Login, str] = field(default_factory=dict)
    # Identities of unlinked throwaway logins: disabled, but still there.
    emptied: set[str] = field(default_factory=set)
    calls: Counter = field(default_factory=Counter)
    # Login -> how many threads signed it in (filled when records are merged).
    seen_by: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def merge(self, other: Record) -> None:
        for login, identities in other.links.items():
            self.links[login] |= identities
        self.guests += other.guests
        self.deleted |= other.deleted
        self.unlinked.update(other.unlinked)
        self.emptied |= other.emptied
        self.calls.update(other.calls)
        self.errors += other.errors
        self.server_errors += other.server_errors


def _watch_for_server_errors(client: Any, record: Record) -> Any:
    """Note every 5xx and dropped connection, including those boto3 retries and then hides."""

    def needs_retry(
        response: Any = None, caught_exception: Any = None, operation: Any = None, **_: Any
    ) -> None:
        name = getattr(operation, "name", "?")
        if caught_exception is not None:
            record.server_errors.append(f"{name}: {caught_exception!r}")
        elif response is not None and response[0].status_code >= 500:
            code = response[1].get("Error", {}).get("Code")
            record.server_errors.append(f"{name}: HTTP {response[0].status_code} {code}")

    client.meta.events.register("needs-retry.cognito-identity", needs_retry)
    return client


def signed_client(url: str, record: Record) -> Any:
    """An admin's client: placeholder credentials, boto3's standard retries."""
    return _watch_for_server_errors(build_client(REGION, url), record)


def unsigned_client(url: str, record: Record) -> Any:
    """A mobile app's client for the public operations: no credentials, standard retries."""
    client = boto3.session.Session().client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=url,
        config=Config(
            signature_version=botocore.UNSIGNED,
            retries={"mode": "standard", "max_attempts": 5},
            read_timeout=30,
        ),
    )
    return _watch_for_server_errors(client, record)


# --- the workload ----------------------------------------------------------------------------


class Worker:
    """One client thread: picks a call at random, makes it, writes down the answer."""

    def __init__(self, number: int, url: str, pool_id: str, started: float) -> None:
        self.number = number
        self.pool_id = pool_id
        self.started = started
        self.record = Record()
        self.signed = signed_client(url, self.record)
        self.unsigned = unsigned_client(url, self.record)
        self.random = random.Random(number)
        self.known: list[str] = []
        self.throwaways = 0

    def run(self, deadline: float) -> None:
        actions: list[tuple[Callable[[], None], int]] = [
            (self.sign_in_with_facebook, 30),
            (self.sign_in_as_developer, 20),
            (self.sign_in_as_guest, 8),
            (self.walk_identities, 8),
            (self.describe_known_identity, 10),
            (self.throw_away_a_developer_user, 8),
            (self.throw_away_a_facebook_user, 8),
            (self.throw_away_a_guest, 8),
        ]
        functions = [action for action, _ in actions]
        weights = [weight for _, weight in actions]
        while time.monotonic() < deadline:
            action = self.random.choices(functions, weights)[0]
            self.record.calls[action.__name__] += 1
            try:
                action()
            except ClientError as error:
                code = error.response["Error"]["Code"]
                self.record.errors.append(f"{action.__name__}: {code}: {error.response['Error']['Message']}")
            except (BotoCoreError, AssertionError) as error:
                self.record.errors.append(f"{action.__name__}: {error!r}")

    def _subject(self, stable: list[str], prefix: str) -> str:
        """A long-lived user, or one of this half second's new users (which others race for)."""
        if self.random.random() < 0.5:
            return self.random.choice(stable)
        round_number = int((time.monotonic() - self.started) / ROUND_SECONDS)
        return f"{prefix}-round-{round_number}-{self.random.randrange(ROUND_USERS)}"

    def _saw(self, login: Login, identity_id: str) -> None:
        self.record.links[login].add(identity_id)
        self.known.append(identity_id)

    def sign_in_with_facebook(self) -> None:
        subject = self._subject(FACEBOOK_USERS, "fb")
        logins = {FACEBOOK: subject}  # opaque tokens: the token is the user id
        identity_id = self.unsigned.get_id(IdentityPoolId=self.pool_id, Logins=logins)["IdentityId"]
        self._saw((FACEBOOK, subject), identity_id)
        if self.random.random() < 0.3:
            answer = self.unsigned.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
            assert answer["IdentityId"] == identity_id

    def sign_in_as_developer(self) -> None:
        subject = self._subject(DEVELOPER_USERS, "dev")
        answer = self.signed.get_open_id_token_for_developer_identity(
            IdentityPoolId=self.pool_id, Logins={DEVELOPER: subject}
        )
        claims = jwt.decode(answer["Token"], options={"verify_signature": False})
        assert claims["sub"] == answer["IdentityId"], "the token names another identity"
        self._saw((DEVELOPER, subject), answer["IdentityId"])

    def sign_in_as_guest(self) -> None:
        self.record.guests.append(self.unsigned.get_id(IdentityPoolId=self.pool_id)["IdentityId"])

    def walk_identities(self) -> None:
        seen: list[str] = []
        kwargs: dict[str, Any] = {"IdentityPoolId": self.pool_id, "MaxResults": 25}
        for _ in range(3):
            page = self.signed.list_identities(**kwargs)
            seen += [identity["IdentityId"] for identity in page["Identities"]]
            if "NextToken" not in page:
                break
            kwargs["NextToken"] = page["NextToken"]
        duplicates = [identity for identity, count in Counter(seen).items() if count > 1]
        assert not duplicates, f"one ListIdentities walk showed {duplicates} twice"

    def describe_known_identity(self) -> None:
        if not self.known:
            return
        identity_id = self.random.choice(self.known)
        described = self.signed.describe_identity(IdentityId=identity_id)
        assert described["IdentityId"] == identity_id
        assert described.get("Logins"), f"{identity_id} lost its logins"

    def _throwaway(self, kind: str) -> str:
        self.throwaways += 1
        return f"{kind}-tmp-{self.number}-{self.throwaways}"

    def throw_away_a_developer_user(self) -> None:
        subject = self._throwaway("dev")
        identity_id = self.signed.get_open_id_token_for_developer_identity(
            IdentityPoolId=self.pool_id, Logins={DEVELOPER: subject}
        )["IdentityId"]
        self.signed.unlink_developer_identity(
            IdentityId=identity_id,
            IdentityPoolId=self.pool_id,
            DeveloperProviderName=DEVELOPER,
            DeveloperUserIdentifier=subject,
        )
        self.record.unlinked[(DEVELOPER, subject)] = identity_id
        self.record.emptied.add(identity_id)
        with pytest.raises(ClientError) as caught:
            self.signed.lookup_developer_identity(
                IdentityPoolId=self.pool_id, DeveloperUserIdentifier=subject
            )
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"

    def throw_away_a_facebook_user(self) -> None:
        subject = self._throwaway("fb")
        logins = {FACEBOOK: subject}
        identity_id = self.unsigned.get_id(IdentityPoolId=self.pool_id, Logins=logins)["IdentityId"]
        self.unsigned.unlink_identity(IdentityId=identity_id, Logins=logins, LoginsToRemove=[FACEBOOK])
        self.record.emptied.add(identity_id)
        if self.random.random() < 0.5:
            self.record.unlinked[(FACEBOOK, subject)] = identity_id
            return
        # An unlinked login signs in to a fresh identity, never back to its emptied one.
        again = self.unsigned.get_id(IdentityPoolId=self.pool_id, Logins=logins)["IdentityId"]
        assert again != identity_id, f"{subject} got its emptied identity back"
        self._saw((FACEBOOK, subject), again)

    def throw_away_a_guest(self) -> None:
        identity_id = self.unsigned.get_id(IdentityPoolId=self.pool_id)["IdentityId"]
        self.signed.delete_identities(IdentityIdsToDelete=[identity_id])
        self.record.deleted.add(identity_id)
        with pytest.raises(ClientError) as caught:
            self.signed.describe_identity(IdentityId=identity_id)
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def soak(url: str, pool_id: str, seconds: float, threads: int) -> Record:
    """Run `threads` workers for `seconds`; return everything they were told, merged."""
    started = time.monotonic()
    workers = [Worker(number, url, pool_id, started) for number in range(threads)]
    crashed: list[str] = []

    def run(worker: Worker) -> None:
        try:
            worker.run(started + seconds)
        except BaseException as error:  # noqa: BLE001 - a crashed thread is reported by the test
            crashed.append(repr(error))

    pool = [threading.Thread(target=run, args=(worker,), name=f"soak-{worker.number}") for worker in workers]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    merged = Record()
    for worker in workers:
        merged.merge(worker.record)
        merged.seen_by.update(worker.record.links.keys())
    merged.errors += crashed
    return merged


# --- the test --------------------------------------------------------------------------------


@pytest.fixture
def server(emulator_url, transactional_db) -> Iterator[str]:  # noqa: F811 - the imported fixture
    """The emulator's URL; it serves the test database, so the test can read its tables."""
    yield emulator_url


@pytest.fixture
def soak_pool(server) -> str:
    admin = build_client(REGION, server)
    pool_id = admin.create_identity_pool(
        IdentityPoolName="soak",
        AllowUnauthenticatedIdentities=True,
        SupportedLoginProviders={FACEBOOK: "1234567890"},
        DeveloperProviderName=DEVELOPER,
    )["IdentityPoolId"]
    admin.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    )
    return pool_id


def _current_logins(pool: IdentityPool) -> dict[Login, str]:
    rows = IdentityLogin.objects.filter(pool=pool).values_list("provider", "subject", "identity__identity_id")
    return {(provider, subject): identity_id for provider, subject, identity_id in rows}


def test_concurrent_clients_leave_every_login_on_exactly_one_identity(server, soak_pool):
    record = soak(server, soak_pool, SOAK_SECONDS, THREADS)
    print(f"\nsoak: {sum(record.calls.values())} actions in {SOAK_SECONDS:.0f} s: {dict(record.calls)}")
    print(
        f"soak: {sum(1 for count in record.seen_by.values() if count > 1)} logins signed in by several threads"
    )

    # Nothing broke while the threads ran: no 5xx, no dropped connection, no failed call.
    assert record.server_errors == []
    assert record.errors == []

    # Every thread that signed in a login was told the same identity.
    split = {login: sorted(ids) for login, ids in record.links.items() if len(ids) > 1}
    assert split == {}, "one login was given different identities"
    told = {login: next(iter(ids)) for login, ids in record.links.items()}
    raced = [login for login, threads in record.seen_by.items() if "-round-" in login[1] and threads > 1]
    assert raced, "no new login was signed in by two threads: the soak raced nothing"

    # The tables agree: one row per login (the unique constraint's job), and on the identity
    # every thread was told; no link lost, and the unlinked ones really gone.
    pool = IdentityPool.objects.get(pool_id=soak_pool)
    doubled = (
        IdentityLogin.objects.filter(pool=pool)
        .values("provider", "subject")
        .annotate(rows=Count("id"))
        .filter(rows__gt=1)
    )
    assert list(doubled) == []
    linked = _current_logins(pool)
    assert {login: linked.get(login) for login in told} == told
    assert not set(record.unlinked) & set(linked), "an unlinked login is linked again"
    assert set(linked) == set(told), "a login is linked that no caller linked"

    # Nothing left over: the pool holds exactly the identities callers were told about.
    guests = record.guests
    assert len(set(guests)) == len(guests), "two guest sign-ins got the same identity"
    expected = (set(told.values()) | set(guests) | record.emptied) - record.deleted
    assert set(Identity.objects.filter(pool=pool).values_list("identity_id", flat=True)) == expected
    disabled = set(Identity.objects.filter(pool=pool, disabled=True).values_list("identity_id", flat=True))
    assert disabled == record.emptied

    # And the service answers as its tables say.
    check = signed_client(server, record)
    for (provider, subject), identity_id in told.items():
        if provider == DEVELOPER:
            found = check.lookup_developer_identity(IdentityPoolId=soak_pool, DeveloperUserIdentifier=subject)
            assert found["IdentityId"] == identity_id
        else:
            found = check.get_id(IdentityPoolId=soak_pool, Logins={provider: subject})
            assert found["IdentityId"] == identity_id
    assert record.server_errors == []
