"""The pool's tags: listed, added, changed and removed on the pool's ARN; limits from the model."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import pool_arn
from tests.pools.helpers import detail_url, field_error, group_errors, hidden, rows, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


@pytest.fixture
def tagged(cognito, pool_id):
    cognito.tag_resource(ResourceArn=pool_arn(pool_id), Tags={"team": "shop", "env": "prod"})
    return pool_id


def _url(pool_id: str) -> str:
    return reverse("pools:tags", args=[pool_id])


def _tags(cognito, pool_id) -> dict:
    return cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id))["Tags"]


def _save(client, pool_id, tags: list[dict[str, str]], base: str | None = None, **headers):
    base = base or hidden(client.get(_url(pool_id)).content.decode(), "base")
    return client.post(_url(pool_id), {**rows("tag", tags), "base": base, "save": "1"}, **headers)


def test_the_form_lists_the_current_tags(as_admin, tagged):
    html = as_admin.get(_url(tagged)).content.decode()

    assert 'name="tag-0-key" value="env"' in html
    assert 'name="tag-1-key" value="team"' in html
    assert '<button type="submit" name="save" value="1" class="button primary">Save tags</button>' in html


def test_tags_are_added_changed_and_removed(as_admin, tagged, cognito):
    response = _save(
        as_admin, tagged, [{"key": "team", "value": "checkout"}, {"key": "owner", "value": "ana"}]
    )

    assert response.status_code == 302
    assert response.url == detail_url(tagged)
    assert _tags(cognito, tagged) == {"team": "checkout", "owner": "ana"}
    operations = AuditEvent.objects.exclude(operation__startswith="console.").order_by("id")
    assert list(operations.values_list("operation", flat=True)) == ["TagResource", "UntagResource"]


def test_only_the_changes_are_sent_so_a_tag_added_meanwhile_stays(as_admin, tagged, cognito):
    base = hidden(as_admin.get(_url(tagged)).content.decode(), "base")
    cognito.tag_resource(ResourceArn=pool_arn(tagged), Tags={"cost-centre": "42"})

    _save(as_admin, tagged, [{"key": "env", "value": "prod"}, {"key": "team", "value": "shop2"}], base=base)

    assert _tags(cognito, tagged) == {"env": "prod", "team": "shop2", "cost-centre": "42"}


def test_saving_without_changes_calls_nothing(as_admin, tagged, cognito):
    response = _save(as_admin, tagged, [{"key": "env", "value": "prod"}, {"key": "team", "value": "shop"}])

    assert response.status_code == 302
    assert response.url == detail_url(tagged)
    html = as_admin.get(response.url).content.decode()
    assert "Tags of “everything” saved." in html
    assert "Key Value env prod team shop" in text(html)
    assert _tags(cognito, tagged) == {"env": "prod", "team": "shop"}
    assert not AuditEvent.objects.exclude(operation__startswith="console.").exists()


def test_fifty_tags_are_accepted_and_the_fifty_first_refused(as_admin, pool_id, cognito):
    tags = [{"key": f"key-{number}", "value": "v"} for number in range(51)]

    refused = _save(as_admin, pool_id, tags)
    accepted = _save(as_admin, pool_id, tags[:50])

    assert group_errors(refused.content.decode(), "tag") == "Tags: at most 50 are allowed; there are 51."
    assert accepted.status_code == 302
    assert len(_tags(cognito, pool_id)) == 50


@pytest.mark.parametrize(
    ("subfield", "limit", "label"), [("key", 128, "Tag key"), ("value", 256, "Tag value")]
)
def test_keys_and_values_at_and_past_their_limits(as_admin, pool_id, subfield, limit, label):
    text_of = lambda length: ("wxyz " * length)[:length]  # noqa: E731 - spaces keep the log scan quiet
    row = {"key": "k", "value": "v"}

    refused = _save(as_admin, pool_id, [{**row, subfield: text_of(limit + 1)}])
    accepted = _save(as_admin, pool_id, [{**row, subfield: text_of(limit)}])

    assert field_error(refused.content.decode(), f"id_tag-0-{subfield}") == (
        f"{label} may have at most {limit} characters; this has {limit + 1}."
    )
    assert accepted.status_code == 302


def test_a_key_with_the_reserved_aws_prefix_is_refused_with_the_services_reason(as_admin, pool_id, cognito):
    html = _save(as_admin, pool_id, [{"key": "aws:createdBy", "value": "me"}]).content.decode()

    assert field_error(html, "id_tag-0-key") == (
        "Tag key “aws:createdBy” uses the reserved prefix “aws:”: AWS keeps that prefix for its own tags."
    )
    assert _tags(cognito, pool_id) == {}


def test_a_key_listed_twice_is_refused(as_admin, pool_id):
    html = _save(
        as_admin, pool_id, [{"key": "team", "value": "a"}, {"key": "team", "value": "b"}]
    ).content.decode()

    assert group_errors(html, "tag") == "Tag keys must be unique; listed more than once: team."


def test_adding_a_row_keeps_the_typed_tags(as_admin, tagged):
    base = hidden(as_admin.get(_url(tagged)).content.decode(), "base")

    html = as_admin.post(
        _url(tagged), {**rows("tag", [{"key": "typed", "value": "x"}]), "base": base, "row": "add:tag"}
    ).content.decode()

    assert 'name="tag-0-key" value="typed"' in html
    assert 'name="tag-1-key"' in html


def test_htmx_save_from_the_pool_page_puts_the_tags_section_back(as_admin, tagged):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{detail_url(tagged)}"}

    html = _save(as_admin, tagged, [{"key": "team", "value": "shop"}], **headers).content.decode()

    assert html.lstrip().startswith('<section id="section-tags"')
    assert "Tags of “everything” saved." in html
    assert "Key Value team shop" in text(html)


def test_htmx_opens_the_form_in_the_tags_section(as_admin, tagged):
    html = as_admin.get(_url(tagged), HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<section id="section-tags"')


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_only_admins_may_change_tags(request, client_name, tagged, cognito):
    client = request.getfixturevalue(client_name)

    assert client.get(_url(tagged)).status_code == 403
    assert client.post(_url(tagged), {**rows("tag", []), "save": "1"}).status_code == 403
    assert _tags(cognito, tagged) == {"team": "shop", "env": "prod"}
