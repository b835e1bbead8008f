"""fast_dynamodb's moto guard: it patches only the moto it was written for, or nothing.

These tests run against stock moto (whatever an earlier test installed is undone first and
restored afterwards) and never start a server.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import moto
import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

from infrastructure.local_runtime import fast_dynamodb
from infrastructure.local_runtime.fast_dynamodb import ALLOW_UNTESTED_MOTO_ENV, UnsupportedMotoError

REQUIREMENTS_DEV = Path(__file__).resolve().parents[3] / "requirements-dev.txt"
PINNED = "5.1.18"
UNTESTED = "5.2.0"


@pytest.fixture
def stock_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Stock moto without the override; afterwards moto and the adapter are as they were."""
    was_installed = fast_dynamodb.is_installed()
    fast_dynamodb.uninstall()
    monkeypatch.delenv(ALLOW_UNTESTED_MOTO_ENV, raising=False)
    yield monkeypatch
    fast_dynamodb.uninstall()
    monkeypatch.undo()  # the real version and functions back before installing again
    if was_installed:
        fast_dynamodb.install()


def moto_state() -> dict[str, Any]:
    """Everything install() could patch, to compare before and after."""
    state: dict[str, Any] = {
        owner.__qualname__: {name: value for name, value in vars(owner).items() if name != "instances_tracked"}
        for owner in (Table, DynamoDBBackend, DynamoHandler, Item, DynamoType)
    }
    state["moto.dynamodb.models.table.copy"] = table_module.copy
    state["tracked items"] = len(Item.instances_tracked)  # type: ignore[attr-defined]
    return state


def assert_nothing_patched(before: dict[str, Any]) -> None:
    assert moto_state() == before
    assert not fast_dynamodb.is_installed()
    assert fast_dynamodb._patches == []
    assert not getattr(Table.query, "__fast_dynamodb__", False)


def test_the_supported_version_is_the_pinned_one() -> None:
    """GIVEN requirements-dev.txt WHEN its moto pin is read THEN the guard supports exactly that
    version, and it is the moto installed here (else the other tests prove nothing)."""
    pin = re.search(r"^moto\[[^\]]*\]==(\S+)$", REQUIREMENTS_DEV.read_text(), re.MULTILINE)
    assert pin is not None
    assert pin.group(1) == PINNED
    assert fast_dynamodb.SUPPORTED_MOTO_VERSIONS == {PINNED}
    assert moto.__version__ == PINNED


def test_the_pinned_moto_installs_without_warning(stock_moto: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN the pinned moto WHEN install() is called THEN moto is patched and nothing is logged."""
    with caplog.at_level(logging.WARNING, logger=fast_dynamodb.__name__):
        fast_dynamodb.install()
    assert fast_dynamodb.is_installed()
    assert getattr(Table.query, "__fast_dynamodb__", False)
    assert caplog.records == []


@pytest.mark.parametrize("override", [None, "", "0", "false"])
def test_an_untested_moto_version_is_refused(stock_moto: pytest.MonkeyPatch, override: str | None) -> None:
    """GIVEN moto reports another version and the override is unset (or not a yes)
    WHEN install() is called
    THEN it raises naming the installed and the supported versions and the override, and patches nothing."""
    stock_moto.setattr(moto, "__version__", UNTESTED)
    if override is not None:
        stock_moto.setenv(ALLOW_UNTESTED_MOTO_ENV, override)
    before = moto_state()

    with pytest.raises(UnsupportedMotoError) as refused:
        fast_dynamodb.install()

    message = str(refused.value)
    assert f"moto {UNTESTED}" in message
    assert PINNED in message
    assert f"{ALLOW_UNTESTED_MOTO_ENV}=1" in message
    assert_nothing_patched(before)


def test_the_override_installs_an_untested_version_loudly(stock_moto: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    """GIVEN moto reports another version and UNIONCORE_ALLOW_UNTESTED_MOTO=1
    WHEN install() is called
    THEN moto is patched and a warning names both versions and the override."""
    stock_moto.setattr(moto, "__version__", UNTESTED)
    stock_moto.setenv(ALLOW_UNTESTED_MOTO_ENV, "1")

    with caplog.at_level(logging.WARNING, logger=fast_dynamodb.__name__):
        fast_dynamodb.install()

    assert fast_dynamodb.is_installed()
    assert getattr(Table.query, "__fast_dynamodb__", False)
    assert getattr(DynamoHandler.call_action, "__fast_dynamodb__", False)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert UNTESTED in warnings[0] and PINNED in warnings[0] and ALLOW_UNTESTED_MOTO_ENV in warnings[0]


@pytest.mark.parametrize("override", [None, "1"])
def test_a_changed_signature_is_refused_even_with_the_override(stock_moto: pytest.MonkeyPatch,
                                                                override: str | None) -> None:
    """GIVEN the pinned moto whose Table.query lost parameters (with or without the override)
    WHEN install() is called
    THEN it raises naming Table.query with the parameters found and expected, and patches nothing."""

    def query(self: Table, hash_key: DynamoType, **filter_kwargs: Any) -> Any:
        raise AssertionError("not called")

    stock_moto.setattr(Table, "query", query)
    if override is not None:
        stock_moto.setenv(ALLOW_UNTESTED_MOTO_ENV, override)
    before = moto_state()

    with pytest.raises(UnsupportedMotoError) as refused:
        fast_dynamodb.install()

    message = str(refused.value)
    assert "Table.query takes (self, hash_key, **filter_kwargs), expected (self, hash_key, range_comparison" in message
    assert f"moto {PINNED}" in message
    assert_nothing_patched(before)


def test_every_missing_or_changed_function_is_named(stock_moto: pytest.MonkeyPatch) -> None:
    """GIVEN the pinned moto without a backend method install() locks, with a renamed parameter in
    one the transaction code calls, and with a __new__ of Item's own
    WHEN install() is called
    THEN it raises naming all three, and patches nothing."""
    stock_moto.delattr(DynamoDBBackend, "export_table")

    def get_keys_value(self: DynamoDBBackend, table: Table, key: dict[str, Any]) -> Any:
        raise AssertionError("not called")

    stock_moto.setattr(DynamoDBBackend, "get_keys_value", get_keys_value)
    stock_moto.setattr(Item, "__new__", staticmethod(lambda cls, *args, **kwargs: object.__new__(cls)))
    before = moto_state()

    with pytest.raises(UnsupportedMotoError) as refused:
        fast_dynamodb.install()

    message = str(refused.value)
    assert "DynamoDBBackend.export_table is missing" in message
    assert "DynamoDBBackend.get_keys_value takes (self, table, key), expected (self, table, keys)" in message
    assert "Item.__new__ is no longer moto's instance-tracking BaseModel.__new__" in message
    assert_nothing_patched(before)


def test_a_failure_while_patching_leaves_moto_unpatched(stock_moto: pytest.MonkeyPatch) -> None:
    """GIVEN a patch that fails half-way through install()
    WHEN install() is called
    THEN the error propagates and the patches already made are undone."""
    before = moto_state()

    def failing_proxy() -> Any:
        raise RuntimeError("boom")

    stock_moto.setattr(fast_dynamodb, "_CopyModuleProxy", failing_proxy)

    with pytest.raises(RuntimeError, match="boom"):
        fast_dynamodb.install()

    assert_nothing_patched(before)
    assert fast_dynamodb._ORIGINALS == {}
