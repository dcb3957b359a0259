"""The review of a whole-replace edit (the settings, the roles): what the form, the review and
the conflict screens show, for any edited value whose items `changes` can list.

Both edits follow one flow: the form carries, sealed, the version it started from (`base`);
before the review and again before saving, the pool is read again (`current`). If it changed
meanwhile, the admin sees both sets of changes (theirs: base → current; mine: base → proposal)
and may re-apply theirs over the new version, reviewed again; nothing is overwritten silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.http import HttpRequest, HttpResponse

from . import changes
from .sealing import seal, unseal


class Sendable(Protocol):
    def to_api(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=Sendable)


@dataclass(frozen=True)
class ReviewFlow(Generic[T]):
    """The review steps of one kind of edited value, given how to list its items and rebuild it."""

    items: Callable[[T], Mapping[str, Any]]
    from_items: Callable[[Mapping[str, Any]], T]
    from_api: Callable[[dict[str, Any]], T]

    def proposal(self, request: HttpRequest) -> T | None:
        """The admin's version, sealed in the review's form; None if expired or altered."""
        value = unseal(request.POST.get("proposal"))
        return self.from_api(value) if isinstance(value, dict) else None

    def review(
        self, current: T, proposal: T, sealed_base: str, overlaps: Iterable[str] = ()
    ) -> dict[str, Any]:
        """The review screen: what saving `proposal` changes in `current`."""
        diff = changes.diff(self.items(current), self.items(proposal), overlaps)
        return {"changes": diff, "base": sealed_base, "proposal": seal(proposal.to_api())}

    def conflict(self, base: T, current: T, proposal: T, sealed_base: str) -> dict[str, Any]:
        """The conflict screen: their changes and mine, both from `base`, and the items we both changed."""
        base_items = self.items(base)
        theirs = changes.diff(base_items, self.items(current))
        mine = changes.diff(base_items, self.items(proposal))
        both = {change.key for change in theirs} & {change.key for change in mine}
        return {
            "theirs": theirs,
            "mine": mine,
            "both": sorted(changes.label(key) for key in both),
            "base": sealed_base,
            "proposal": seal(proposal.to_api()),
        }

    def reapplied(self, base: T, proposal: T, current: T) -> tuple[T, list[str]]:
        """My changes (proposal against base) over `current`; and the items we both changed."""
        merged, overlaps = changes.merge(self.items(base), self.items(proposal), self.items(current))
        return self.from_items(merged), overlaps


@dataclass(frozen=True)
class Edit(Generic[T]):
    """One posted step of an edit: the versions it compares and how its section shows them."""

    flow: ReviewFlow[T]
    base: T  # the version the form started from
    current: T  # the version there now
    sealed_base: str  # `base`, as the form carries it
    sealed_current: str  # `current` as a base, for a review of the pool as it is now
    changed: bool  # whether the pool changed since the form started
    render: Callable[[str, dict[str, Any]], HttpResponse]  # step name and context → the section
    form: Callable[[T | None], HttpResponse]  # the form again with a proposal (None: it had expired)

    def answer(
        self, request: HttpRequest, review: Callable[[], HttpResponse], store: Callable[[T], HttpResponse]
    ) -> HttpResponse:
        """The step the form's button names: review (the default), back, reapply or save."""
        step = request.POST.get("step", "")
        if step not in ("back", "reapply", "save"):
            return review()
        proposal = self.flow.proposal(request)
        if proposal is None or step == "back":
            return self.form(proposal)
        if step == "reapply":
            # My changes (proposal against base) re-applied over the version there now, for review.
            return self.review(*self.flow.reapplied(self.base, proposal, self.current))
        # Save; unless the pool changed between the review and the click on "Save changes".
        return self.conflict(proposal) if self.changed else store(proposal)

    def checked(self, proposal: T) -> HttpResponse:
        """A valid form: its review, or the conflict with a change made meanwhile."""
        return self.conflict(proposal) if self.changed else self.review(proposal)

    def review(self, proposal: T, overlaps: Iterable[str] = ()) -> HttpResponse:
        return self.render("review", self.flow.review(self.current, proposal, self.sealed_current, overlaps))

    def conflict(self, proposal: T) -> HttpResponse:
        return self.render(
            "conflict", self.flow.conflict(self.base, self.current, proposal, self.sealed_base)
        )
