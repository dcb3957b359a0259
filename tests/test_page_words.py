"""Every page, walked from the URLconf with real objects behind its parameters, speaks to people:
no setting name (JOB_EXPORT_RETENTION_DAYS, AWS_REGIONS …) in what it shows, and one breadcrumb
trail (a nav named Breadcrumb whose last item is the current page).

A page added later joins the walk by itself; its URL parameters must be one of PARAMETERS.
"""

from __future__ import annotations

import re
from datetime import time
from html.parser import HTMLParser
from typing import Any

import botocore.session
import pytest
from django.urls import resolve, reverse
from django.utils import timezone

import console.settings
from console.jobs import parsing, runner
from console.jobs.models import Draft, PruneSchedule
from tests.cognito import DEVELOPER, GOOGLE, full_pool_settings, login_token
from tests.urls_helper import all_pages

pytestmark = pytest.mark.django_db

# Upper-case names of the settings module: what an operator sets, not what a person reads.
SETTING_NAMES = sorted(name for name in vars(console.settings) if name.isupper() and "_" in name)
SETTING_NAME = re.compile(r"\b(?:" + "|".join(map(re.escape, SETTING_NAMES)) + r")\b")

# Pages that have no place in the trail: signing in, and the single sign-on's own pages.
NO_TRAIL = {"login", "oidc_authentication_init", "oidc_authentication_callback", "oidc_reauth"}

# Pages the walk must reach with a whole page, so that a broken fixture cannot empty it.
MUST_SEE = {
    "pools:list",
    "pools:dashboard",
    "pools:new",
    "pools:detail",
    "pools:edit",
    "pools:delete",
    "pools:roles",
    "pools:principal_tags",
    "pools:tags",
    "pools:role_tester",
    "identities:browser",
    "identities:signin_tester",
    "identities:register_developer",
    "identities:detail",
    "identities:delete",
    "identities:merge",
    "identities:unlink_login",
    "identities:unlink_developer_user",
    "identities:lookup",
    "jobs:list",
    "jobs:detail",
    "jobs:confirm",
    "jobs:new_delete",
    "jobs:new_merge",
    "jobs:new_prune",
    "jobs:new_export",
    "jobs:schedules",
    "jobs:schedule_new",
    "jobs:schedule_edit",
    "jobs:schedule_delete",
    "audit:list",
    "reauth",
}


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text outside script/style, and the titles, placeholders
    and labels of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def _trail(html: str) -> str | None:
    match = re.search(r'<nav class="breadcrumb"[^>]*aria-label="Breadcrumb"[^>]*>(.*?)</nav>', html, re.S)
    return match[1] if match else None


@pytest.fixture
def objects(admin, region, cognito) -> dict[str, Any]:
    """A pool with a developer user, a job, a draft and a schedule: what the URL parameters name."""
    pool_id = cognito.create_identity_pool(**full_pool_settings(IdentityPoolName="words"))["IdentityPoolId"]
    identity = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "user-1", GOOGLE: login_token(GOOGLE, "google-1")}
    )["IdentityId"]
    job = runner.create_job(
        "delete", pool_id, [parsing.Target(1, identity)], reason="words", user=admin, send=lambda *args: None
    )
    draft = Draft.objects.create(
        kind="delete", pool_id=pool_id, pool_name="words", targets=[[1, identity, ""]], created_by=admin
    )
    schedule = PruneSchedule.objects.create(
        pool_id=pool_id,
        region=region,
        pool_name="words",
        filters={"days": 30},
        time_of_day=time(3, 0),
        reason="words",
        created_by=admin,
        created_by_name=admin.username,
        next_run_at=timezone.now(),
    )
    # A sync of every pool: the schedule list names the console's regions for it.
    PruneSchedule.objects.create(
        kind="sync",
        time_of_day=time(4, 0),
        reason="words",
        created_by=admin,
        created_by_name=admin.username,
        next_run_at=timezone.now(),
    )
    return {
        "parameters": {
            "pool_id": pool_id,
            "identity_id": identity,
            "job_id": job.pk,
            "draft_id": draft.pk,
            "schedule_id": schedule.pk,
            "region": region,
        },
        "query": {"pool": pool_id, "user": "user-1", "provider": GOOGLE},
    }


def _whole_pages(client, objects) -> dict[str, str]:
    """Every GET that answers a whole HTML page, by URL name."""
    pages = {}
    for page in all_pages():
        kwargs = {name: objects["parameters"][name] for name in resolve(page.url).kwargs}
        # An identity's action pages name its pool and the user or provider they act on.
        query = (
            objects["query"]
            if page.name.startswith("identities:") or page.name == "pools:principal_tags"
            else {}
        )
        response = client.get(reverse(page.name, kwargs=kwargs), query)
        if response.streaming or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        if response.status_code == 200 and "<html" in html:
            pages[page.name] = html
    return pages


def test_every_page_shows_no_setting_name_and_one_breadcrumb_trail(as_admin, objects):
    pages = _whole_pages(as_admin, objects)

    assert MUST_SEE <= set(pages), f"not reached as a whole page: {sorted(MUST_SEE - set(pages))}"
    for name, html in pages.items():
        named = SETTING_NAME.findall(visible_text(html))
        assert not named, f"{name} shows setting names to people: {named}"
        if name in NO_TRAIL:
            continue
        trail = _trail(html)
        assert trail is not None, f"{name} has no breadcrumb trail"
        items = re.findall(r"<li[^>]*>", trail)
        assert items, f"{name}: an empty breadcrumb trail"
        assert items[-1] == '<li aria-current="page">', f"{name}: the trail's last item is not the page"
        assert trail.count('aria-current="page"') == 1, f"{name}: more than one current item"


def test_a_pool_page_trail_runs_pools_then_the_pool_then_the_page(as_admin, objects):
    pool_id = objects["parameters"]["pool_id"]

    trail = _trail(as_admin.get(reverse("pools:tags", args=[pool_id])).content.decode())

    assert re.sub(r"\s+", " ", visible_text(trail)).split(" ") == ["Pools", "words", "Tags"]
    assert f'href="{reverse("pools:detail", args=[pool_id])}"' in trail


def test_a_job_page_trail_runs_jobs_then_the_job(as_admin, objects):
    job_id = objects["parameters"]["job_id"]

    trail = _trail(as_admin.get(reverse("jobs:detail", args=[job_id])).content.decode())

    assert [
        part.strip() for part in re.findall(r"<li[^>]*>(.*?)</li>", re.sub(r"<a[^>]*>|</a>", "", trail))
    ] == [
        "Jobs",
        f"Job #{job_id} · Delete identities",
    ]


CONFIRMATIONS = {
    "pools:delete",
    "identities:delete",
    "identities:unlink_developer_user",
    "identities:unlink_login",
    "jobs:confirm",
    "jobs:schedule_delete",
}
PRESENT_TENSE = re.compile(
    r"\b(?:is|are|gets?|goes|moves?) (?:deleted|unlinked|merged|disabled|with it|into)\b"
)


def test_every_confirmation_says_what_will_happen(as_admin, objects):
    pages = _whole_pages(as_admin, objects)

    for name in CONFIRMATIONS:
        text = re.sub(r"\s+", " ", visible_text(pages[name]))
        assert " will be " in text, f"{name} does not say what will happen"
        assert not PRESENT_TENSE.findall(text), f"{name}: {PRESENT_TENSE.findall(text)}"


# The sign-in tester is a trace of the calls an app makes: their names are what it shows.
API_TRACES = {"identities:signin_tester"}


@pytest.mark.parametrize("role", ["support", "viewer"])
def test_support_and_viewers_read_plain_words_not_api_names(request, role, objects):
    operations = botocore.session.get_session().get_service_model("cognito-identity").operation_names
    api_name = re.compile(r"\b(?:" + "|".join(operations) + r"|HideDisabled)\b")

    pages = _whole_pages(request.getfixturevalue(f"as_{role}"), objects)

    assert {"identities:browser", "pools:detail", "jobs:detail"} <= set(pages)
    for name, html in pages.items():
        if name not in API_TRACES:
            shown = api_name.findall(visible_text(html))
            assert not shown, f"{name} shows {role} the API's names: {shown}"


def test_counts_carry_thousands_separators(as_admin, admin, objects):
    pool_id = objects["parameters"]["pool_id"]
    targets = [[line, f"us-east-1:{line:08x}-0000-4000-8000-000000000000", ""] for line in range(1, 1201)]
    draft = Draft.objects.create(
        kind="delete", pool_id=pool_id, pool_name="words", targets=targets, checked=1200, created_by=admin
    )
    PruneSchedule.objects.filter(pk=objects["parameters"]["schedule_id"]).update(max_unconfirmed=5000)

    confirm = re.sub(
        r"\s+", " ", visible_text(as_admin.get(reverse("jobs:confirm", args=[draft.pk])).content.decode())
    )
    schedules = visible_text(as_admin.get(reverse("jobs:schedules")).content.decode())

    assert "1,200 ids checked against the pool: 1,200 to delete" in confirm
    assert "1,200 identities of pool" in confirm and "Delete 1,200 identities" in confirm
    assert "1200" not in confirm.replace("DELETE 1200 IDENTITIES", "")
    assert "5,000" in schedules and "5000" not in schedules
