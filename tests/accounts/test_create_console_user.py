"""`manage.py create_console_user`: creating console users and changing their role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from console.accounts.roles import role_of

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-lantern-orbit-42"


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_console_user", *args, stdout=out)
    return out.getvalue()


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _typed_passwords(monkeypatch, *answers: str) -> None:
    replies = iter(answers)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(replies))


def test_a_password_from_the_environment_creates_a_user_with_that_role(monkeypatch):
    monkeypatch.setenv("NEW_USER_PASSWORD", GOOD_PASSWORD)

    output = _run("dana", "--role", "support", "--password-env", "NEW_USER_PASSWORD")

    user = _user("dana")
    assert user.check_password(GOOD_PASSWORD)
    assert role_of(user) == "support"
    assert not user.is_staff
    assert "Created console user 'dana' with role support" in output


def test_the_password_can_be_typed_twice_at_the_prompt(monkeypatch):
    _typed_passwords(monkeypatch, GOOD_PASSWORD, GOOD_PASSWORD)

    _run("erin", "--role", "viewer")

    user = _user("erin")
    assert user.check_password(GOOD_PASSWORD)
    assert role_of(user) == "viewer"


def test_two_different_typed_passwords_are_refused(monkeypatch):
    _typed_passwords(monkeypatch, GOOD_PASSWORD, GOOD_PASSWORD + "x")

    with pytest.raises(CommandError, match="differ"):
        _run("erin", "--role", "viewer")

    assert not get_user_model().objects.filter(username="erin").exists()


def test_an_empty_typed_password_is_refused(monkeypatch):
    _typed_passwords(monkeypatch, "", "")

    with pytest.raises(CommandError, match="empty"):
        _run("erin", "--role", "viewer")


def test_running_it_again_changes_the_role_and_the_password(monkeypatch, viewer):
    monkeypatch.setenv("NEW_PASSWORD", GOOD_PASSWORD)

    output = _run(viewer.username, "--role", "admin", "--password-env", "NEW_PASSWORD")

    user = _user(viewer.username)
    assert list(user.groups.values_list("name", flat=True)) == ["admin"]
    assert role_of(user) == "admin"
    assert user.check_password(GOOD_PASSWORD)
    assert "Updated console user" in output


def test_a_superuser_moved_to_viewer_is_only_a_viewer(monkeypatch, django_user_model):
    django_user_model.objects.create_superuser("root-ish", password=GOOD_PASSWORD)
    monkeypatch.setenv("NEW_PASSWORD", GOOD_PASSWORD)

    _run("root-ish", "--role", "viewer", "--password-env", "NEW_PASSWORD")

    user = _user("root-ish")
    assert role_of(user) == "viewer"
    assert not user.has_perm("accounts.edit_pools")


def test_an_unknown_role_is_refused(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", GOOD_PASSWORD)

    with pytest.raises(CommandError, match="invalid choice: 'root'"):
        _run("frank", "--role", "root", "--password-env", "NEW_PASSWORD")

    assert not get_user_model().objects.filter(username="frank").exists()


def test_a_missing_environment_variable_is_refused(monkeypatch):
    monkeypatch.delenv("NO_SUCH_PASSWORD_VAR", raising=False)

    with pytest.raises(CommandError, match="NO_SUCH_PASSWORD_VAR is not set"):
        _run("gina", "--role", "viewer", "--password-env", "NO_SUCH_PASSWORD_VAR")

    assert not get_user_model().objects.filter(username="gina").exists()


@pytest.mark.parametrize("weak", ["short1", "password123"])
def test_a_weak_password_is_refused_and_changes_nothing(monkeypatch, viewer, weak):
    monkeypatch.setenv("NEW_PASSWORD", weak)
    before = _user(viewer.username).password

    with pytest.raises(CommandError, match="Password refused"):
        _run(viewer.username, "--role", "admin", "--password-env", "NEW_PASSWORD")

    user = _user(viewer.username)
    assert user.password == before
    assert role_of(user) == "viewer"


def test_a_weak_password_creates_no_user(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "password123")

    with pytest.raises(CommandError, match="Password refused"):
        _run("hank", "--role", "viewer", "--password-env", "NEW_PASSWORD")

    assert not get_user_model().objects.filter(username="hank").exists()
