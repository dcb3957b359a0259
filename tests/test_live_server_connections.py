"""Server threads the tests start hold no database connection between requests.

pytest-django's live server answers each browser connection in a thread of its own, and
Chromium keeps connections alive across tests: with a connection age above zero, each such
thread kept a database session open until the browser went away, racing the end of the test
session — PostgreSQL then refused to drop the test database ("being accessed by other users").
"""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.db.backends.signals import connection_created
from django.test import Client


@pytest.mark.django_db(transaction=True)
def test_a_kept_alive_connection_to_the_live_server_holds_no_database_session(live_server, viewer):
    opened = []

    def record(sender, connection, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            opened.append(connection)

    browser = Client()
    browser.force_login(viewer)
    address = urlsplit(live_server.url)
    kept_alive = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection_created.connect(record)
    try:
        kept_alive.request("GET", "/", headers={"Cookie": f"sessionid={browser.cookies['sessionid'].value}"})
        answer = kept_alive.getresponse()
        answer.read()

        assert answer.status == 200
        assert opened, "the page read the session from the database"
        # The socket is still open, so the server's thread lives on; its database connection
        # must not. (It closes as the response ends: allow that moment to pass.)
        deadline = time.monotonic() + 5
        while any(wrapper.connection is not None for wrapper in opened) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(wrapper.connection is None for wrapper in opened)
    finally:
        connection_created.disconnect(record)
        kept_alive.close()


def test_tests_keep_no_connection_past_a_request():
    assert all(connections.settings[alias]["CONN_MAX_AGE"] == 0 for alias in connections)
