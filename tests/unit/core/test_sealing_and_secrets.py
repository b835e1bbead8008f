"""Sealed values (core/sealing.py), the API's secrets (core/app_secrets.py) and their settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core import app_secrets, sealing
from chalicelib.core.errors import AppError
from chalicelib.core.settings import reset_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    reset_settings()
    app_secrets.reset()
    yield
    reset_settings()
    app_secrets.reset()


def test_given_a_sealed_value_when_moved_tampered_or_opened_with_another_key_then_it_does_not_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = sealing.seal({"access_token": "a"}, "TICKET#MFASETUP#1")
    assert sealing.open_sealed(sealed, "TICKET#MFASETUP#1") == {"access_token": "a"}
    with pytest.raises(sealing.BrokenSeal):
        sealing.open_sealed(sealed, "TICKET#MFASETUP#2")  # copied into another item
    with pytest.raises(sealing.BrokenSeal):
        sealing.open_sealed(sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1], "TICKET#MFASETUP#1")
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", "another key")
    reset_settings()
    app_secrets.reset()
    with pytest.raises(sealing.BrokenSeal):
        sealing.open_sealed(sealed, "TICKET#MFASETUP#1")


def test_given_a_deployed_stage_then_plain_secrets_are_refused_and_a_missing_key_is_a_503(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from chalicelib.core.settings import Settings

    monkeypatch.setenv("UNIONCORE_STAGE", "prod")
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", "plain")
    with pytest.raises(ValidationError):
        Settings.from_env()
    monkeypatch.delenv("TOKEN_ENCRYPTION_KEY")
    reset_settings()
    app_secrets.reset()
    with pytest.raises(AppError) as err:
        app_secrets.token_key()
    assert err.value.status == 503


def test_secret_hash_is_what_cognito_checks() -> None:
    from moto.cognitoidp.utils import check_secret_hash

    proof = app_secrets.secret_hash("sub-123", "client-1", "s3cret")
    assert check_secret_hash("s3cret", "client-1", "sub-123", proof)
