"""Editing a pool's settings: a full replace (UpdateIdentityPool) reviewed as a diff, applied
only on confirm, and never over someone else's change made meanwhile."""

from __future__ import annotations

import re

import pytest

from console.audit.models import AuditEvent
from tests.cognito import DEVELOPER, FACEBOOK, GOOGLE, GOOGLE_CLIENT, OIDC_ARN, SAML_ARN, USER_POOL
from tests.pools.helpers import detail_url, edit_url, field_error, hidden, pool_form, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

SAME = {
    "allow_unauthenticated": True,
    "facebook": "1234567890",
    "google": GOOGLE_CLIENT,
    "oidc": [{"arn": OIDC_ARN}],
    "saml": [{"arn": SAML_ARN}],
    "user_pools": [{"provider_name": USER_POOL, "client_id": "appclient1"}],
}


@pytest.fixture
def pool_id(make_pool):
    # full_pool_settings, plus tags, which the settings form does not show.
    return make_pool("everything", IdentityPoolTags={"team": "shop"})


def _open(client, pool_id) -> str:
    """GET the form; the sealed base it started from."""
    return hidden(client.get(edit_url(pool_id)).content.decode(), "base")


def _review(client, pool_id, base: str, **fields):
    return client.post(
        edit_url(pool_id), {**pool_form(**{"name": "everything", **SAME, **fields}), "base": base}
    )


def _save(client, pool_id, review_html: str, **headers):
    data = {"step": "save", "base": hidden(review_html, "base"), "proposal": hidden(review_html, "proposal")}
    return client.post(edit_url(pool_id), data, **headers)


def _edit(client, pool_id, **fields):
    """Open, change, review and save."""
    review = _review(client, pool_id, _open(client, pool_id), **fields).content.decode()
    return _save(client, pool_id, review)


def test_the_form_starts_from_the_pool_as_it_is(as_admin, pool_id):
    html = as_admin.get(edit_url(pool_id)).content.decode()

    assert 'name="name" value="everything"' in html
    assert 'name="facebook" value="1234567890"' in html
    assert f'name="oidc-0-arn" value="{OIDC_ARN}"' in html
    assert f'name="userpool-0-provider_name" value="{USER_POOL}"' in html
    assert re.search(r'<input type="radio" name="allow_classic_flow" value=""[^>]*checked', html)
    assert html.count("<h1>") == 1


def test_the_developer_provider_name_is_read_only_once_set_and_says_why(as_admin, pool_id):
    html = as_admin.get(edit_url(pool_id)).content.decode()

    assert re.search(
        rf'<input type="text" name="developer_provider_name" value="{DEVELOPER}"[^>]*disabled', html
    )
    assert "does not let a developer provider name change or be removed once it is set" in html


def test_saving_shows_the_differences_field_by_field_and_changes_nothing_yet(as_admin, pool_id, cognito):
    response = _review(
        as_admin, pool_id, _open(as_admin, pool_id), name="everything v2", facebook="", amazon="amzn1.app"
    )

    html = response.content.decode()
    page = text(html)
    assert "Review your changes" in page
    assert "Pool name everything everything v2" in page
    assert f"Login provider {FACEBOOK} (Facebook) 1234567890 (none)" in page
    assert "Login provider www.amazon.com (Login with Amazon) (none) amzn1.app" in page
    assert "Guest access" not in page  # unchanged fields are not listed
    assert (
        '<button type="submit" name="step" value="save" class="button primary">Save changes</button>' in html
    )
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "everything"


def test_confirming_replaces_the_pool_and_keeps_what_the_form_does_not_show(as_admin, pool_id, cognito):
    response = _edit(as_admin, pool_id, name="everything v2", facebook="", saml=[])

    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert response.status_code == 302
    assert response.url == detail_url(pool_id)
    assert pool["IdentityPoolName"] == "everything v2"
    assert pool["SupportedLoginProviders"] == {GOOGLE: GOOGLE_CLIENT}
    assert "SamlProviderARNs" not in pool
    # Not on the form, sent back as they were: a full replace loses nothing by omission.
    assert pool["IdentityPoolTags"] == {"team": "shop"}
    assert pool["DeveloperProviderName"] == DEVELOPER
    assert pool["OpenIdConnectProviderARNs"] == [OIDC_ARN]
    assert "AllowClassicFlow" not in pool


@pytest.mark.parametrize(
    ("start", "posted", "stored"), [(None, "off", False), (True, "", None), (False, "on", True)]
)
def test_classic_flow_moves_between_its_three_states(as_admin, make_pool, cognito, start, posted, stored):
    overrides = {} if start is None else {"AllowClassicFlow": start}
    pool_id = make_pool("classic", **overrides)

    _edit(as_admin, pool_id, name="classic", allow_classic_flow=posted)

    assert cognito.describe_identity_pool(IdentityPoolId=pool_id).get("AllowClassicFlow") == stored


def test_the_developer_provider_name_posted_anyway_is_ignored(as_admin, pool_id, cognito):
    _edit(as_admin, pool_id, name="renamed", developer_provider_name="login.other.app")

    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert pool["IdentityPoolName"] == "renamed"
    assert pool["DeveloperProviderName"] == DEVELOPER


def test_a_review_without_changes_says_there_is_nothing_to_save(as_admin, pool_id):
    html = _review(as_admin, pool_id, _open(as_admin, pool_id)).content.decode()

    assert "Nothing to save: the form matches the pool's settings as they are now." in text(html)
    assert 'value="save"' not in html


def test_back_to_the_form_keeps_the_changes(as_admin, pool_id):
    review = _review(as_admin, pool_id, _open(as_admin, pool_id), name="everything v2").content.decode()

    html = as_admin.post(
        edit_url(pool_id),
        {"step": "back", "base": hidden(review, "base"), "proposal": hidden(review, "proposal")},
    ).content.decode()

    assert 'name="name" value="everything v2"' in html
    assert 'name="facebook" value="1234567890"' in html


def test_limits_are_checked_before_the_review(as_admin, pool_id):
    html = _review(as_admin, pool_id, _open(as_admin, pool_id), name="x" * 129).content.decode()

    assert field_error(html, "id_name") == "Pool name may have at most 128 characters; this has 129."
    assert "Review your changes" not in html


def test_updating_is_audited_with_before_and_after(as_admin, pool_id):
    _edit(as_admin, pool_id, name="everything v2")

    event = AuditEvent.objects.get(operation="UpdateIdentityPool")
    assert event.outcome == "success"
    assert event.before == {"IdentityPoolName": "everything"}
    assert event.after == {"IdentityPoolName": "everything v2"}


def test_the_services_refusal_on_save_comes_back_beside_the_field(as_admin, pool_id, cognito):
    bad = "arn:aws:iam::12345:oidc-provider/login.example.org"
    review = _review(as_admin, pool_id, _open(as_admin, pool_id), oidc=[{"arn": bad}]).content.decode()

    html = _save(as_admin, pool_id, review).content.decode()

    assert field_error(html, "id_oidc-0-arn") == f"Invalid OpenIdConnectProviderARNs value: '{bad}'."
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["OpenIdConnectProviderARNs"] == [OIDC_ARN]


# --- concurrent edits -------------------------------------------------------------------------


def _someone_else_renames(cognito, pool_id, name: str, **changes) -> None:
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    pool.pop("ResponseMetadata")
    cognito.update_identity_pool(**{**pool, "IdentityPoolName": name, **changes})


def test_a_change_made_after_the_form_was_opened_is_shown_instead_of_overwritten(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id)
    _someone_else_renames(cognito, pool_id, "renamed elsewhere")

    html = _review(as_admin, pool_id, base, facebook="999").content.decode()

    page = text(html)
    assert "The pool changed while you were editing" in page
    assert (
        "What changed meanwhile Field When you opened the form Now Pool name everything renamed elsewhere"
        in page
    )
    assert (
        f"Your changes Field When you opened the form Yours Login provider {FACEBOOK} (Facebook) 1234567890 999"
        in page
    )
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "renamed elsewhere"


def test_a_change_made_between_review_and_save_is_caught_too(as_admin, pool_id, cognito):
    review = _review(as_admin, pool_id, _open(as_admin, pool_id), facebook="999").content.decode()
    _someone_else_renames(cognito, pool_id, "renamed elsewhere")

    html = _save(as_admin, pool_id, review).content.decode()

    assert "The pool changed while you were editing" in html
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert pool["IdentityPoolName"] == "renamed elsewhere"
    assert pool["SupportedLoginProviders"][FACEBOOK] == "1234567890"


def test_re_applying_puts_my_changes_over_the_new_version_after_a_new_review(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id)
    _someone_else_renames(cognito, pool_id, "renamed elsewhere")
    conflict = _review(as_admin, pool_id, base, facebook="999").content.decode()

    review = as_admin.post(
        edit_url(pool_id),
        {"step": "reapply", "base": hidden(conflict, "base"), "proposal": hidden(conflict, "proposal")},
    ).content.decode()
    _save(as_admin, pool_id, review)

    assert "Review your changes" in review
    assert "Pool name" not in text(review)  # their rename is kept, not undone
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert pool["IdentityPoolName"] == "renamed elsewhere"
    assert pool["SupportedLoginProviders"][FACEBOOK] == "999"


def test_a_field_both_changed_is_flagged_and_mine_wins_only_when_re_applied(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id)
    _someone_else_renames(cognito, pool_id, "theirs")
    conflict = _review(as_admin, pool_id, base, name="mine").content.decode()

    review = as_admin.post(
        edit_url(pool_id),
        {"step": "reapply", "base": hidden(conflict, "base"), "proposal": hidden(conflict, "proposal")},
    ).content.decode()

    assert "You both changed: Pool name." in text(conflict)
    assert "Pool name also changed by someone else; your value wins theirs mine" in text(review)


def test_discarding_starts_again_from_the_pool_as_it_is_now(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id)
    _someone_else_renames(cognito, pool_id, "renamed elsewhere")
    conflict = _review(as_admin, pool_id, base, name="mine").content.decode()

    assert f'href="{edit_url(pool_id)}"' in conflict and "Discard my changes and start again" in conflict
    assert 'name="name" value="renamed elsewhere"' in as_admin.get(edit_url(pool_id)).content.decode()


def test_an_altered_base_restarts_the_form_from_the_pool(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id).replace("everything", "something")

    html = _review(as_admin, pool_id, base, name="mine").content.decode()

    assert "The form had expired or was altered on the way" in html
    assert 'name="name" value="everything"' in html
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "everything"


# --- htmx: the settings section edited in place -----------------------------------------------


def _from_pool_page(pool_id) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{detail_url(pool_id)}"}


def test_htmx_opens_the_form_in_the_settings_section(as_admin, pool_id):
    html = as_admin.get(edit_url(pool_id), **_from_pool_page(pool_id)).content.decode()

    assert "<html" not in html
    assert html.lstrip().startswith('<section id="section-settings"')
    assert 'hx-target="#section-settings"' in html
    assert f'hx-get="{detail_url(pool_id)}?section=settings"' in html  # Cancel puts the section back


def test_htmx_review_and_save_stay_in_the_section(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id)
    data = {**pool_form(**{"name": "everything v2", **SAME}), "base": base}

    review = as_admin.post(edit_url(pool_id), data, **_from_pool_page(pool_id)).content.decode()
    saved = _save(as_admin, pool_id, review, **_from_pool_page(pool_id)).content.decode()

    assert review.lstrip().startswith('<section id="section-settings"') and "Review your changes" in review
    assert saved.lstrip().startswith('<section id="section-settings"')
    assert "Settings of “everything v2” saved." in saved
    assert "Edit settings" in saved
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "everything v2"


def test_htmx_save_of_a_new_name_sends_the_heading_breadcrumb_and_title_again(as_admin, pool_id):
    base = _open(as_admin, pool_id)
    data = {**pool_form(**{"name": "everything v2", **SAME}), "base": base}
    review = as_admin.post(edit_url(pool_id), data, **_from_pool_page(pool_id)).content.decode()

    saved = _save(as_admin, pool_id, review, **_from_pool_page(pool_id)).content.decode()

    # Out-of-band swaps put the new name in the page's <h1> and breadcrumb; htmx sets the
    # document's title from a <title> at the top level of the answer.
    assert '<h1 id="pool-heading" hx-swap-oob="true">everything v2</h1>' in saved
    assert re.search(
        r'<nav class="breadcrumb" id="pool-breadcrumb"[^>]*hx-swap-oob="true">.*everything v2', saved
    )
    assert "<title>everything v2 · Cognito Identity Console</title>" in saved


def test_the_pool_page_names_the_pool_in_its_breadcrumb_heading_and_title(as_admin, pool_id):
    html = as_admin.get(detail_url(pool_id)).content.decode()

    assert '<h1 id="pool-heading">everything</h1>' in html
    assert re.search(
        r'<nav class="breadcrumb" id="pool-breadcrumb" aria-label="Breadcrumb">.*<li aria-current="page">everything</li>',
        html,
    )
    assert "<title>everything · Cognito Identity Console</title>" in html
    assert "hx-swap-oob" not in html


def test_htmx_errors_stay_in_the_section(as_admin, pool_id):
    data = {**pool_form(**{"name": "", **SAME}), "base": _open(as_admin, pool_id)}

    html = as_admin.post(edit_url(pool_id), data, **_from_pool_page(pool_id)).content.decode()

    assert html.lstrip().startswith('<section id="section-settings"')
    assert field_error(html, "id_name") == "Pool name is required."


def test_htmx_save_from_the_edit_page_itself_goes_to_the_pool_page(as_admin, pool_id):
    review = _review(as_admin, pool_id, _open(as_admin, pool_id), name="everything v2").content.decode()

    response = _save(
        as_admin,
        pool_id,
        review,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{edit_url(pool_id)}",
    )

    assert response["HX-Redirect"] == detail_url(pool_id)


def test_htmx_row_actions_keep_what_was_typed(as_admin, pool_id):
    data = {**pool_form(**{"name": "typed", **SAME}), "base": _open(as_admin, pool_id), "row": "add:other"}

    html = as_admin.post(edit_url(pool_id), data, **_from_pool_page(pool_id)).content.decode()

    assert 'name="name" value="typed"' in html
    assert re.search(r'name="other-0-key"[^>]*autofocus', html)


# --- who may, and which pool ------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_only_admins_may_edit(request, client_name, pool_id, cognito):
    client = request.getfixturevalue(client_name)

    assert client.get(edit_url(pool_id)).status_code == 403
    assert client.post(edit_url(pool_id), pool_form(name="hijacked")).status_code == 403
    assert cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"] == "everything"


def test_a_pool_that_does_not_exist_is_a_404_with_the_services_message(as_admin, region):
    response = as_admin.get(edit_url(f"{region}:00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert "ResourceNotFoundException" in response.content.decode()


def test_a_pool_in_a_region_the_console_does_not_know_is_refused(as_admin):
    response = as_admin.get(edit_url("ap-south-1:00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert "Region “ap-south-1” is not one of this console" in response.content.decode()
