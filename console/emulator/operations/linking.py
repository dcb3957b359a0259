"""Linking logins to identities, shared by GetId, the token operations and developer auth.

One provider user maps to at most one identity per pool: the unique constraint on
IdentityLogin (pool, provider, subject) guarantees it even when two callers race,
and the callers here catch the IntegrityError and look again instead of failing.
Merging two identities through public logins is not done yet: a login owned by
another identity is a ResourceConflictException for now.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q

from .. import errors
from ..models import Identity, IdentityLogin, IdentityPool
from . import logins, store, tokens
from .logins import Login

_ATTEMPTS = 3
T = TypeVar("T")


def _login_rows(pool: IdentityPool, wanted: list[Login]) -> list[IdentityLogin]:
    if not wanted:
        return []
    match = reduce(or_, (Q(provider=login.provider, subject=login.subject) for login in wanted))
    return list(IdentityLogin.objects.select_for_update().filter(match, pool=pool))


def link(identity: Identity, login: Login, *, developer: bool = False) -> None:
    """Link `login` to `identity`; IntegrityError if another caller linked it meanwhile."""
    mine = IdentityLogin.objects.filter(identity=identity)
    if not developer and mine.filter(provider=login.provider, is_developer=False).exists():
        raise errors.ResourceConflict(
            f"Identity '{identity.identity_id}' is already linked to a different "
            f"'{login.provider}' login; only one login per public provider is allowed."
        )
    if mine.count() >= store.MAX_LINKED_LOGINS:
        raise errors.ResourceConflict(
            f"Identity '{identity.identity_id}' already has {store.MAX_LINKED_LOGINS} linked logins."
        )
    IdentityLogin.objects.create(
        identity=identity,
        pool_id=identity.pool_id,
        provider=login.provider,
        subject=login.subject,
        is_developer=developer,
        created_at=store.now(),
    )
    store.touch(identity)


def link_new(identity: Identity, wanted: list[Login], rows: list[IdentityLogin] | None = None) -> None:
    """Link the logins not yet linked anywhere; one owned by another identity conflicts.

    `rows` are the wanted logins' rows as the caller already read them: reading again
    could see a row a concurrent caller committed meanwhile, which is a race to retry
    (the unique constraint reports it), not a conflict.
    """
    if rows is None:
        rows = _login_rows(identity.pool, wanted)
    owners = {(row.provider, row.subject): row.identity_id for row in rows}
    for login in wanted:
        owner = owners.get((login.provider, login.subject))
        if owner is None:
            link(identity, login)
        elif owner != identity.pk:
            raise errors.ResourceConflict(
                f"The login for '{login.provider}' is already linked to another identity."
            )


def retry_on_race(func: Callable[..., T], *args: Any) -> T:
    """Run `func` in its own transaction, again when a concurrent link won the race.

    The IntegrityError comes from the unique login constraint; the rerun reads the
    winner's row and answers from it (same identity, or a conflict).
    """
    for _ in range(_ATTEMPTS):
        try:
            with transaction.atomic():
                return func(*args)
        except IntegrityError:
            continue
    raise errors.ConcurrentModification("The logins were being linked concurrently; retry the request.")


def identity_for_logins(pool: IdentityPool, wanted: list[Login]) -> Identity:
    """The identity these logins belong to, created and linked when none does (GetId)."""
    rows = _login_rows(pool, wanted)
    owners = {row.identity_id for row in rows}
    if len(owners) > 1:
        raise errors.ResourceConflict("The logins belong to different identities.")
    if owners:
        identity = store.lock_identity(owners.pop())
        store.forbid_disabled(identity)
    else:
        identity = store.create_identity(pool)
    link_new(identity, wanted, rows)
    return identity


def authorize(identity: Identity, supplied: dict[str, str]) -> None:
    """Check `Logins` of GetOpenIdToken / GetCredentialsForIdentity against the identity.

    An identity with logins needs at least one of them (or a Cognito token issued for it);
    one without logins gets guest access when the pool allows it. Supplied logins that
    are not linked anywhere are linked to this identity (guest -> authenticated).
    """
    store.forbid_disabled(identity)
    pool = identity.pool
    linked = set(IdentityLogin.objects.filter(identity=identity).values_list("provider", "subject"))
    proven = False
    unlinked: list[Login] = []
    for provider, token in supplied.items():
        if provider == store.COGNITO_TOKEN_PROVIDER:
            tokens.verify_cognito_token(token, identity)
            proven = True
            continue
        login = logins.resolve(pool, provider, token)
        if (login.provider, login.subject) in linked:
            proven = True
        else:
            unlinked.append(login)
    if linked and not proven:
        raise errors.NotAuthorized(logins.LOGINS_DONT_MATCH)
    if unlinked:
        link_new(identity, unlinked)
    elif not linked and not pool.allow_unauthenticated:
        raise errors.NotAuthorized("Unauthenticated access is not supported for this identity pool.")


def disable_if_no_logins(identity: Identity) -> None:
    """An identity left without any login is inaccessible: disable it (it stays listed)."""
    if not IdentityLogin.objects.filter(identity=identity).exists():
        store.touch(identity, disabled=True)
