"""Typed confirmation with a reason: DestructiveConfirmForm and the shared _confirm.html fragment."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from console.accounts import permissions
from console.safeguards.forms import DestructiveConfirmForm
from tests.pools.helpers import field_error
from tests.security_urls import DANGER_TEXT

DANGER = "/test/danger/"


def _form(confirmation: str, reason: str = "TICKET-42", expected: str = "DELETE 1234 IDENTITIES"):
    return DestructiveConfirmForm({"confirmation": confirmation, "reason": reason}, expected_text=expected)


def test_the_exact_text_and_a_reason_are_accepted():
    form = _form("DELETE 1234 IDENTITIES", "Customer asked to erase their data (SUP-981)")

    assert form.is_valid()
    assert form.cleaned_data == {
        "confirmation": "DELETE 1234 IDENTITIES",
        "reason": "Customer asked to erase their data (SUP-981)",
    }


def test_spaces_around_the_text_are_forgiven():
    assert _form("  DELETE 1234 IDENTITIES \n").is_valid()


@pytest.mark.parametrize(
    "typed", ["delete 1234 identities", "DELETE 1235 IDENTITIES", "DELETE  1234 IDENTITIES", "DELETE", ""]
)
def test_anything_else_is_refused_and_says_what_to_type(typed):
    form = _form(typed)

    assert not form.is_valid()
    assert form.errors["confirmation"] in (
        ["That does not match. Type “DELETE 1234 IDENTITIES” exactly, capitals included."],
        ["Type the confirmation text to go on."],
    )


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reason_is_required(reason):
    form = _form("DELETE 1234 IDENTITIES", reason)

    assert form.errors["reason"] == ["Say why: a ticket id or a sentence. It is kept in the audit trail."]


def test_a_reason_is_at_most_500_characters():
    assert _form("DELETE 1234 IDENTITIES", "x" * 500).is_valid()
    assert _form("DELETE 1234 IDENTITIES", "x" * 501).errors["reason"] == [
        "Keep the reason under 500 characters (it has 501)."
    ]


def test_an_empty_expected_text_is_a_programming_error():
    with pytest.raises(ValueError, match="expected_text"):
        DestructiveConfirmForm(expected_text=" ")


def test_a_pool_name_works_as_the_expected_text():
    assert _form("partner.portal@eu", expected="partner.portal@eu").is_valid()


def _render(form) -> str:
    context = {
        "form": form,
        "changes": ["Pool “<b>shop</b>” will be deleted."],
        "button_label": "Delete pool",
        "cancel_url": "/pools/x/",
        "hidden": [("identity", 'a"b')],
        "csrf_token": "token-for-the-test",
    }
    return render_to_string("_confirm.html", context)


def test_the_fragment_says_what_will_change_and_what_to_type():
    html = _render(DestructiveConfirmForm(expected_text="shop <prod>"))

    assert "<li>Pool “&lt;b&gt;shop&lt;/b&gt;” will be deleted.</li>" in html
    assert '<code class="expected">shop &lt;prod&gt;</code>' in html
    assert '<input type="hidden" name="identity" value="a&quot;b">' in html
    assert '<button type="submit" class="button danger">Delete pool</button>' in html
    assert '<a class="button" href="/pools/x/">Cancel</a>' in html
    assert 'name="csrfmiddlewaretoken" value="token-for-the-test"' in html


def test_every_field_has_a_label_tied_to_it_and_the_first_is_focused():
    html = _render(DestructiveConfirmForm(expected_text="shop"))

    for field_id in ("id_confirmation", "id_reason"):
        assert f'<label for="{field_id}">' in html
        assert f'id="{field_id}"' in html
    assert re.search(r'<input type="text"[^>]*\bautofocus\b[^>]*id="id_confirmation"', html)
    assert '<p class="field-hint" id="id_reason_helptext">A ticket id or a sentence.' in html
    assert re.search(r'<textarea[^>]*aria-describedby="id_reason_helptext"[^>]*id="id_reason"', html)
    assert "aria-invalid" not in html


def test_errors_are_shown_next_to_their_field_and_announced_to_screen_readers():
    html = _render(_form("delete", "", expected="shop"))

    assert field_error(html, "id_confirmation").startswith("That does not match.")
    assert re.search(
        r'<input[^>]*aria-invalid="true" aria-describedby="id_confirmation_error"[^>]*id="id_confirmation"',
        html,
    )
    assert field_error(html, "id_reason").startswith("Say why")
    assert re.search(
        r'<textarea[^>]*aria-invalid="true" aria-describedby="id_reason_helptext id_reason_error"[^>]*id="id_reason"',
        html,
    )
    assert 'value="delete"' in html  # what was typed stays, to be corrected


@pytest.mark.django_db
@pytest.mark.urls("tests.security_urls")
class TestOnAPage:
    @pytest.fixture(autouse=True)
    def danger_is_for_pool_editors(self, monkeypatch):
        monkeypatch.setitem(permissions.MATRIX, "test-danger", {"GET": "edit_pools", "POST": "edit_pools"})

    def test_the_page_shows_the_fragment_in_the_console_layout(self, as_admin):
        html = as_admin.get(DANGER).content.decode()

        assert 'class="topbar"' in html
        assert f'<code class="expected">{DANGER_TEXT}</code>' in html

    def test_a_wrong_text_re_renders_the_form_with_status_200_and_does_nothing(self, as_admin):
        response = as_admin.post(DANGER, {"confirmation": "DELETE 3", "reason": "SUP-1"})

        html = response.content.decode()
        assert response.status_code == 200
        assert "That does not match." in html
        assert "deleted;" not in html
        assert re.search(r">\s*SUP-1</textarea>", html)

    def test_the_right_text_and_a_reason_do_the_action(self, as_admin):
        response = as_admin.post(DANGER, {"confirmation": DANGER_TEXT, "reason": "SUP-1"})

        assert response.content == b"deleted; reason: SUP-1"
