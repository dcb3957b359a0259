"""Which actions ask for the password again: the rule of the security docs, applied to every page.

The rule: what changes who can get which AWS credentials asks again (deleting, merging,
linking and unlinking identities and developer users, a pool's providers and guest access, its
roles and role mappings, its principal tags, bulk deletes and merges, prunes and their
schedules). What changes none of that does not: creating a pool (it has no roles yet), its
resource tags, starting an export (it reads), cancelling a job, the testers (the sign-in
tester's developer flow excepted: it links developer users, as registering does).
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.urls import get_resolver

from console.accounts.permissions import MATRIX
from console.audit.models import AuditEvent
from console.safeguards.reauth import PASSWORD_AT
from tests.urls_helper import all_pages

pytestmark = pytest.mark.django_db

ASKS_AGAIN = {
    "pools:edit",
    "pools:roles",
    "pools:principal_tags",
    "pools:delete",
    "identities:register_developer",
    "identities:unlink_developer_user",
    "identities:unlink_login",
    "identities:merge",
    "identities:delete",
    "jobs:confirm",
    "jobs:prune_run",
    "jobs:schedule_new",
    "jobs:schedule_edit",
    "jobs:schedule_delete",
    "jobs:schedule_enabled",
}
PAGES = {page.name: page.url for page in all_pages()}


def _password_typed_long_ago(client) -> None:
    session = client.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()


def test_exactly_the_actions_the_rule_names_ask_for_the_password_again():
    resolver = get_resolver()
    asking = {
        name
        for name, url in PAGES.items()
        if getattr(resolver.resolve(url).func, "requires_recent_auth", False)
    }

    assert asking == ASKS_AGAIN


@pytest.mark.parametrize("name", sorted(ASKS_AGAIN))
def test_each_action_that_asks_again_sends_a_stale_session_to_the_password_page(as_admin, name):
    _password_typed_long_ago(as_admin)
    method = "get" if "GET" in MATRIX[name] else "post"

    response = getattr(as_admin, method)(PAGES[name])

    assert response.status_code == 302
    assert urlsplit(response.url).path == "/accounts/reauth/"


def test_editing_settings_or_roles_from_the_pool_page_asks_again_before_the_form(as_admin, pool_id):
    # The pool page loads these forms with htmx: the password page replaces the whole page.
    _password_typed_long_ago(as_admin)

    for name in ("pools:edit", "pools:roles"):
        url = PAGES[name].replace(PAGES[name].split("/")[2], pool_id)
        response = as_admin.get(url, HTTP_HX_REQUEST="true")
        assert urlsplit(response["HX-Redirect"]).path == "/accounts/reauth/", name


def test_starting_an_export_does_not_ask_again(as_admin, pool_id, monkeypatch):
    # An export reads the pool: it changes nobody's credentials (admins only, audited).
    monkeypatch.setattr("console.jobs.broker._send_walk_task", lambda job_id: None)
    _password_typed_long_ago(as_admin)

    response = as_admin.post(PAGES["jobs:new_export"], {"pool_id": pool_id, "file_format": "csv"})

    assert response.status_code == 302 and "/accounts/reauth/" not in response.url
    assert AuditEvent.objects.filter(operation="job.start").exists()
