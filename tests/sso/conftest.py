"""Single sign-on tests: the real test provider (tests/sso_provider.py) and a person's browser at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client

from tests.sso_provider import ProviderBrowser, local_path, oidc_provider, sso  # noqa: F401 - fixtures


@pytest.fixture
def at_provider(sso) -> Iterator[ProviderBrowser]:  # noqa: F811 - the imported fixture
    browser = ProviderBrowser(sso.issuer)
    yield browser
    browser.close()


@pytest.fixture
def sign_in(client: Client, at_provider: ProviderBrowser) -> Callable[..., object]:
    """sign_in("ada-admin"): the console's "Sign in with" link, the provider, and back; the callback's answer."""

    def run(login: str | None, start: str = "/oidc/authenticate/", http: Client | None = None):
        http = http or client
        to_provider = http.get(start)
        assert to_provider.status_code == 302, to_provider.content[:500]
        back = at_provider.visit(to_provider["Location"], login)
        return http.get(local_path(back))

    return run
