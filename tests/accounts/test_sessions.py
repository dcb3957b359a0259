"""Session expiry: after an hour idle, eight hours after signing in, and when the browser closes."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from console.accounts.sessions import SIGNED_IN_AT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

POOLS = reverse("pools:list")


def _row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path == reverse("login")


def test_the_defaults_are_one_hour_idle_and_eight_hours_in_all():
    assert settings.SESSION_IDLE_TIMEOUT == settings.SESSION_COOKIE_AGE == 3600
    assert settings.SESSION_MAX_AGE == 8 * 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_the_session_cookie_ends_with_the_browser(client, viewer):
    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""


def test_a_session_idle_for_too_long_is_over(as_viewer):
    row = _row(as_viewer)
    row.expire_date = timezone.now() - timedelta(seconds=1)
    row.save()

    assert _sent_to_login(as_viewer.get(POOLS))


def test_every_request_pushes_the_idle_expiry_forward(as_viewer):
    row = _row(as_viewer)
    row.expire_date = timezone.now() + timedelta(seconds=10)
    row.save()

    assert as_viewer.get(POOLS).status_code == 200

    pushed = _row(as_viewer).expire_date
    assert pushed >= timezone.now() + timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 60)


def test_an_active_session_still_ends_eight_hours_after_signing_in(as_viewer):
    session = as_viewer.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_MAX_AGE - 1
    session.save()

    response = as_viewer.get(POOLS)

    assert _sent_to_login(response)
    page = as_viewer.get(response.url).content.decode()
    assert "Your session has ended: please sign in again." in page
    assert SESSION_KEY not in as_viewer.session


def test_a_session_without_a_sign_in_time_is_ended(as_viewer):
    session = as_viewer.session
    del session[SIGNED_IN_AT]
    session.save()

    assert _sent_to_login(as_viewer.get(POOLS))


def test_signing_in_again_starts_a_new_eight_hours(client, viewer):
    before = time.time()

    client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})

    assert client.session[SIGNED_IN_AT] >= before
    assert client.get(POOLS).status_code == 200
