"""templates/audit/_history_link.html: the link later pool and identity pages include."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

POOL = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001"
IDENTITY = "us-east-1:cccccccc-0000-4000-8000-000000000003"


def _render(user, **ids: str) -> str:
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return render_to_string("audit/_history_link.html", ids, request=request).strip()


def test_it_links_a_pool_to_its_history(admin):
    link = '<a class="history-link" href="/audit/?pool=us-east-1%3Aaaaaaaaa-0000-4000-8000-000000000001">'

    assert _render(admin, pool_id=POOL) == link + "History</a>"


def test_it_links_an_identity_to_its_history(admin):
    html = _render(admin, identity_id=IDENTITY, pool_id=POOL)

    assert 'href="/audit/?identity=us-east-1%3Acccccccc-0000-4000-8000-000000000003"' in html


def test_it_shows_nothing_to_roles_that_may_not_read_the_trail(support, viewer):
    assert _render(support, pool_id=POOL) == ""
    assert _render(viewer, identity_id=IDENTITY) == ""


def test_an_id_is_encoded_in_the_link(admin):
    assert 'href="/audit/?pool=%22%3E%3Cscript%3E"' in _render(admin, pool_id='"><script>')
