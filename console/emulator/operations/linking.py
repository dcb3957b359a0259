"""Linking logins to identities and merging identities, for every sign-in operation.

AWS's rules (reference §5.2):
* one provider user belongs to at most one identity per pool. The unique constraint on
  IdentityLogin (pool, provider, subject) guarantees it even when callers race: the loser's
  transaction fails with an IntegrityError and `retry_on_race` runs it again, and the rerun
  reads the winner's row;
* an identity has at most one login per public provider and at most 20 logins in all;
* a login owned by another identity merges the two: one identity takes every login, the
  other is disabled (still listed unless HideDisabled) and remembers where it went.

Which identity survives a merge: the caller's, when it is authenticated (it proved itself
with a login of its own, so its id must not change under it); otherwise (a guest signing
in, or GetId naming logins of several identities) the oldest identity owning one of the
logins, so the user keeps the id they have had longest.

Locking: the wanted login rows are locked in primary-key order, then every identity taking
part in primary-key order, so a login cannot move while it is being linked and no link is
lost to a concurrent merge. A caller that already holds its own identity's lock can still
meet another one locking in the opposite order; PostgreSQL then aborts one of the two with a
deadlock error, which `retry_on_race` treats like a lost race.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q

from .. import errors
from ..models import Identity, IdentityLogin, IdentityPool, subject_key
from . import logins, store
from .logins import ResolvedLogin

_ATTEMPTS = 12
# PostgreSQL's deadlock_detected and serialization_failure: the transaction can simply run again.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
T = TypeVar("T")

UNAUTHENTICATED_NOT_SUPPORTED = "Unauthenticated access is not supported for this identity pool."


@dataclass(frozen=True)
class SignIn:
    """The outcome of checking a call's `Logins` against an identity.

    `identity` is the identity the call answers for: the one named in the call, or the
    identity it was merged into. `logins` are the call's logins as resolved (with their
    claims, for role mapping), in the order sent; `merged` the ids this call disabled.
    """

    identity: Identity
    logins: list[ResolvedLogin]
    merged: tuple[str, ...] = ()


def retry_on_race(func: Callable[..., T], *args: Any) -> T:
    """Run `func` in its own transaction, again when a concurrent caller won a race.

    The IntegrityError comes from the unique login constraint; the rerun reads the
    winner's row and answers from it (same identity, a merge, or a conflict).
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return func(*args)
        except IntegrityError:
            pass
        except OperationalError as error:
            if not _is_transient(error):
                raise
        # A short random pause, growing with each attempt, so that callers that collided do
        # not collide again in lockstep (seen with 8 threads racing for new logins).
        time.sleep(random.uniform(0, 0.002 * attempt))  # noqa: S311 - jitter, not a secret
    raise errors.ConcurrentModification("The logins were being linked concurrently; retry the request.")


def _is_transient(error: OperationalError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in _TRANSIENT_SQLSTATES


def _login_rows(pool: IdentityPool, wanted: Iterable[ResolvedLogin]) -> list[IdentityLogin]:
    """The rows of the wanted logins that exist, row-locked in primary-key order."""
    keys = {login.key for login in wanted}
    if not keys:
        return []
    match = reduce(
        or_, (Q(provider=provider, subject_key=subject_key(subject)) for provider, subject in keys)
    )
    return list(IdentityLogin.objects.select_for_update().filter(match, pool=pool).order_by("pk"))


def lock_identities(pks: Iterable[int]) -> dict[int, Identity]:
    """Identities by primary key, row-locked in primary-key order (not their pool's row)."""
    queryset = Identity.objects.select_for_update(of=("self",)).select_related("pool")
    return {identity.pk: identity for identity in queryset.filter(pk__in=set(pks)).order_by("pk")}


def link(identity: Identity, login: ResolvedLogin) -> None:
    """Link `login` to `identity`; IntegrityError if another caller linked it meanwhile."""
    mine = IdentityLogin.objects.filter(identity=identity)
    if not login.is_developer and mine.filter(provider=login.provider, is_developer=False).exists():
        raise errors.ResourceConflict(
            f"Identity '{identity.identity_id}' is already linked to a different "
            f"'{login.provider}' login; only one login per public provider is allowed."
        )
    if mine.count() >= store.MAX_LINKED_LOGINS:
        raise _too_many_logins(identity.identity_id)
    IdentityLogin.objects.create(
        identity=identity,
        pool_id=identity.pool_id,
        provider=login.provider,
        subject=login.subject,
        subject_key=subject_key(login.subject),
        is_developer=login.is_developer,
        created_at=store.now(),
    )
    store.touch(identity)


def _too_many_logins(identity_id: str) -> errors.AwsError:
    # ResourceConflictException, not LimitExceededException: every sign-in operation
    # declares the former, only GetId the latter, and botocore retries LimitExceededException
    # as throttling, which cannot help here. MergeDeveloperIdentities says the same.
    return errors.ResourceConflict(
        f"Identity '{identity_id}' would have more than {store.MAX_LINKED_LOGINS} linked logins."
    )


def check_mergeable(identity_id: str, rows: Iterable[IdentityLogin]) -> None:
    """ResourceConflict unless these logins can all belong to one identity."""
    rows = list(rows)
    users: dict[str, set[str]] = {}
    for row in rows:
        if not row.is_developer:
            users.setdefault(row.provider, set()).add(row.subject)
    clash = sorted(provider for provider, subjects in users.items() if len(subjects) > 1)
    if clash:
        raise errors.ResourceConflict(
            f"The identities are linked to different users of the same provider ({', '.join(clash)})."
        )
    if len(rows) > store.MAX_LINKED_LOGINS:
        raise _too_many_logins(identity_id)


def merge(survivor: Identity, losers: Iterable[Identity]) -> tuple[str, ...]:
    """Move every login of `losers` to `survivor` and disable them; all must be row-locked."""
    losers = [loser for loser in losers if loser.pk != survivor.pk]
    if not losers:
        return ()
    check_mergeable(survivor.identity_id, IdentityLogin.objects.filter(identity__in=[survivor, *losers]))
    IdentityLogin.objects.filter(identity__in=losers).update(identity=survivor)
    for loser in losers:
        store.touch(loser, disabled=True, merged_into=survivor.identity_id)
    store.touch(survivor)
    return tuple(loser.identity_id for loser in losers)


def settle(
    pool: IdentityPool,
    wanted: list[ResolvedLogin],
    caller: Identity | None = None,
    *,
    caller_keeps: bool = True,
) -> tuple[Identity, tuple[str, ...]]:
    """Put the wanted logins on one identity: (that identity, ids merged into it).

    `caller` is the identity the call names, already row-locked; it survives any merge
    when `caller_keeps`. Without a caller the oldest owner survives, and when no identity
    owns any of the logins a new one is created for them.
    """
    rows = _login_rows(pool, wanted)
    owner_of = {(row.provider, row.subject): row.identity_id for row in rows}
    owners = set(owner_of.values()) - ({caller.pk} if caller else set())
    if caller is not None and (caller_keeps or not owners):
        survivor_pk = caller.pk
    elif owners:
        survivor_pk = min(owners)
    else:
        survivor = store.create_identity(pool)
        for login in wanted:
            link(survivor, login)
        return survivor, ()
    involved = owners | {survivor_pk} | ({caller.pk} if caller else set())
    locked = lock_identities(involved)
    for identity in locked.values():
        store.forbid_disabled(identity)
    survivor = locked[survivor_pk]
    merged = merge(survivor, [locked[pk] for pk in sorted(involved - {survivor_pk})])
    for login in wanted:
        if login.key not in owner_of:
            link(survivor, login)
    return survivor, merged


def identity_for_logins(pool: IdentityPool, wanted: list[ResolvedLogin]) -> Identity:
    """The identity these logins belong to, after linking and merging them (GetId)."""
    identity, _ = settle(pool, wanted)
    return identity


def authorize(identity: Identity, supplied: Mapping[str, str]) -> SignIn:
    """Check the `Logins` of GetOpenIdToken / GetCredentialsForIdentity against a locked identity.

    An identity with logins needs at least one of them, or a Cognito token issued for it
    ("Logins don't match" otherwise); every supplied token must be valid. A guest needs
    guest access unless it signs in. Supplied logins are then linked, merging identities
    that own them: the answer names the identity the caller now has.
    """
    store.forbid_disabled(identity)
    pool = identity.pool
    resolved: list[ResolvedLogin] = []
    for provider, token in supplied.items():
        if provider == store.COGNITO_TOKEN_PROVIDER:
            resolved.append(logins.resolve_cognito_token(identity, token))
        else:
            resolved.append(logins.resolve(pool, provider, token))
    public = [login for login in resolved if login.provider != store.COGNITO_TOKEN_PROVIDER]
    linked = set(IdentityLogin.objects.filter(identity=identity).values_list("provider", "subject"))
    proven = len(public) < len(resolved) or any(login.key in linked for login in public)
    if linked and not proven:
        raise errors.NotAuthorized(logins.LOGINS_DONT_MATCH)
    if not public:
        if not linked and not pool.allow_unauthenticated:
            raise errors.NotAuthorized(UNAUTHENTICATED_NOT_SUPPORTED)
        return SignIn(identity, resolved)
    survivor, merged = settle(pool, public, identity, caller_keeps=bool(linked))
    return SignIn(survivor, resolved, merged)


def disable_if_no_logins(identity: Identity) -> None:
    """An identity left without any login is inaccessible: disable it (it stays listed)."""
    if not IdentityLogin.objects.filter(identity=identity).exists():
        store.touch(identity, disabled=True)
