"""The identity browser's way back: the chain of NextTokens behind a page (see paging.py)."""

from __future__ import annotations

from django.db import models


class PageTrail(models.Model):
    """One page (never the first) of an identity listing, stored when it showed a Next link.

    `token` is the NextToken that opens the page; `parent` the key of the row of the page
    before it, "" when that is the first page, or "lost" when its trail was pruned; `depth`
    its page number (the first page is 1), null when unknown. The key is a hash of
    (listing, parent, token), so walking the same pages again finds the same rows.
    """

    key = models.CharField(max_length=32, primary_key=True)
    listing = models.CharField(max_length=120)
    token = models.TextField()
    parent = models.CharField(max_length=32, blank=True)
    depth = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"page {self.depth} of {self.listing}"
