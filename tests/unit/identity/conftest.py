from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core import app_secrets
from chalicelib.core.settings import reset_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings and secrets as this process's environment says now: an earlier suite may have cached them
    under another stage (chalice's test client runs the app with the `dev` stage's variables)."""
    reset_settings()
    app_secrets.reset()
    yield
    reset_settings()
    app_secrets.reset()
