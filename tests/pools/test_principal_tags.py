"""Principal-tag attribute maps per provider: inactive, the service's defaults, or custom rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import FACEBOOK, GOOGLE, USER_POOL
from tests.pools.helpers import detail_url, field_error, group_errors, rows, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def _url(pool_id: str) -> str:
    return reverse("pools:principal_tags", args=[pool_id])


def _map(cognito, pool_id, provider=GOOGLE) -> dict:
    answer = cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=provider)
    return {"UseDefaults": answer["UseDefaults"], "PrincipalTags": answer["PrincipalTags"]}


def _save(client, pool_id, use: str, tags=(), provider=GOOGLE, **headers):
    data = {"provider": provider, "use": use, "save": "1", **rows("ptag", tags)}
    return client.post(_url(pool_id), data, **headers)


def test_the_form_starts_from_the_providers_map(as_admin, pool_id, cognito):
    cognito.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id, IdentityProviderName=GOOGLE, UseDefaults=False, PrincipalTags={"user": "sub"}
    )

    html = as_admin.get(_url(pool_id), {"provider": GOOGLE}).content.decode()

    assert f"Principal tags for Google <code>{GOOGLE}</code>" in html
    assert 'value="custom" id="id_use_2" checked' in html or 'id="id_use_2" checked' in html
    assert 'name="ptag-0-key" value="user"' in html


def test_a_custom_map_is_saved(as_admin, pool_id, cognito):
    response = _save(
        as_admin, pool_id, "custom", [{"key": "user", "claim": "sub"}, {"key": "app", "claim": "aud"}]
    )

    assert response.status_code == 302
    assert response.url == detail_url(pool_id)
    assert _map(cognito, pool_id) == {"UseDefaults": False, "PrincipalTags": {"user": "sub", "app": "aud"}}
    assert AuditEvent.objects.get(operation="SetPrincipalTagAttributeMap").outcome == "success"


def test_the_services_defaults_are_chosen_and_shown_as_such(as_admin, pool_id, cognito):
    _save(as_admin, pool_id, "defaults", [{"key": "ignored", "claim": "sub"}])

    page = text(as_admin.get(detail_url(pool_id)).content.decode())
    assert _map(cognito, pool_id)["UseDefaults"] is True
    assert (
        "Uses the service's default mapping: Defaults the service applies Tag key Claim username sub" in page
    )


def test_inactive_clears_the_map(as_admin, pool_id, cognito):
    _save(as_admin, pool_id, "custom", [{"key": "user", "claim": "sub"}])

    _save(as_admin, pool_id, "inactive")

    assert _map(cognito, pool_id) == {"UseDefaults": False, "PrincipalTags": {}}


def test_a_custom_map_needs_a_row(as_admin, pool_id):
    html = _save(as_admin, pool_id, "custom").content.decode()

    assert group_errors(html, "ptag") == "Add at least one tag, or choose Inactive."


def test_fifty_tags_are_accepted_and_the_fifty_first_refused(as_admin, pool_id, cognito):
    tags = [{"key": f"tag{number}", "claim": "sub"} for number in range(51)]

    refused = _save(as_admin, pool_id, "custom", tags)
    accepted = _save(as_admin, pool_id, "custom", tags[:50])

    assert (
        group_errors(refused.content.decode(), "ptag")
        == "Principal tags: at most 50 are allowed; there are 51."
    )
    assert accepted.status_code == 302
    assert len(_map(cognito, pool_id)["PrincipalTags"]) == 50


@pytest.mark.parametrize(
    ("subfield", "limit", "label"), [("key", 128, "Tag key"), ("claim", 256, "Claim or attribute name")]
)
def test_keys_and_claims_at_and_past_their_limits(as_admin, pool_id, subfield, limit, label):
    text_of = lambda length: ("wxyz:" * length)[:length]  # noqa: E731 - colons keep the log scan quiet
    row = {"key": "user", "claim": "sub"}

    refused = _save(as_admin, pool_id, "custom", [{**row, subfield: text_of(limit + 1)}])
    accepted = _save(as_admin, pool_id, "custom", [{**row, subfield: text_of(limit)}])

    assert field_error(refused.content.decode(), f"id_ptag-0-{subfield}") == (
        f"{label} may have at most {limit} characters; this has {limit + 1}."
    )
    assert accepted.status_code == 302


def test_each_provider_has_its_own_map(as_admin, pool_id, cognito):
    _save(as_admin, pool_id, "custom", [{"key": "user", "claim": "sub"}], provider=USER_POOL)

    assert _map(cognito, pool_id, USER_POOL)["PrincipalTags"] == {"user": "sub"}
    assert _map(cognito, pool_id, FACEBOOK)["PrincipalTags"] == {}


def test_a_provider_the_pool_does_not_have_is_refused(as_admin, pool_id):
    response = as_admin.get(_url(pool_id), {"provider": "login.unknown.example"})

    assert response.status_code == 404
    assert "“login.unknown.example” is not an identity provider of pool “everything”." in text(
        response.content.decode()
    )


def test_htmx_save_from_the_pool_page_puts_the_section_back(as_admin, pool_id):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{detail_url(pool_id)}"}

    html = _save(as_admin, pool_id, "custom", [{"key": "user", "claim": "sub"}], **headers).content.decode()

    assert html.lstrip().startswith('<section id="section-principal-tags"')
    assert f"Principal tags for Google ({GOOGLE}) saved." in html


def test_htmx_opens_the_form_in_the_section(as_admin, pool_id):
    html = as_admin.get(_url(pool_id), {"provider": GOOGLE}, HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<section id="section-principal-tags"')


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_only_admins_may_change_principal_tags(request, client_name, pool_id, cognito):
    client = request.getfixturevalue(client_name)

    assert client.get(_url(pool_id), {"provider": GOOGLE}).status_code == 403
    assert _save(client, pool_id, "defaults").status_code == 403
    assert _map(cognito, pool_id)["UseDefaults"] is False
