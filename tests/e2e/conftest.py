from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
import requests


@pytest.fixture(scope="session")
def http() -> requests.Session:
    return requests.Session()


@pytest.fixture(scope="session")
def token_for(live_runtime: SimpleNamespace, http: requests.Session) -> Callable[[str], str]:
    cache: dict[str, str] = {}

    def get(role: str) -> str:
        if role not in cache:
            cache[role] = live_runtime.login(*live_runtime.logins[role])["access_token"]
        return cache[role]

    # Sign every role in before any test runs: the lockout test locks one account on purpose.
    for role in live_runtime.logins:
        get(role)
    return get


@pytest.fixture(scope="session")
def call(live_runtime: SimpleNamespace, http: requests.Session, token_for: Callable[[str], str]):  # type: ignore[no-untyped-def]
    def do(method: str, path: str, role: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        headers = kwargs.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {token_for(role)}"
        return http.request(method, f"{live_runtime.api}{path}", headers=headers, timeout=30, **kwargs)

    return do
