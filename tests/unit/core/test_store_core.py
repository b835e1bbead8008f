"""The store core's own rules: codecs found by convention, reserved attribute names, exact values, the
local's calendar on the context."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.core.store.attrs import from_item, to_item
from chalicelib.core.store.codec import ItemCodec
from chalicelib.core.store.memory import MemoryStore
from factories import ctx_for

ROOT = Path(__file__).resolve().parents[3]


def test_GIVEN_a_record_whose_store_module_nobody_imported_WHEN_written_THEN_its_codec_is_found() -> None:
    """Folders are the architecture: a record of chalicelib.<module>.domain has its codec in
    chalicelib.<module>.store, imported on first use (a fresh interpreter proves nothing preloaded it)."""
    code = ("from chalicelib.referral.domain import seed_catalogue\n"
            "from chalicelib.core.store.codec import codec_for\n"
            "print(type(codec_for(seed_catalogue()[0])).__name__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "BookCodec"


@dataclass
class _Clashing:
    id: str
    SK: str
    version: int = 1


class _ClashingCodec(ItemCodec[_Clashing]):
    entity = "clash"
    record_type = _Clashing

    def keys(self, r: _Clashing) -> dict[str, str]:
        return {"PK": f"CLASH#{r.id}", "SK": "X"}


def test_GIVEN_a_record_with_a_table_key_name_WHEN_encoded_THEN_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        _ClashingCodec().item(_Clashing(id="1", SK="mine"), 1)


def test_GIVEN_values_WHEN_mapped_to_attributes_THEN_exact_and_floats_refused() -> None:
    item = {"cents": 17850, "rate": Decimal("0.0425"), "apn": "45880.40", "ok": True, "gone": None,
            "nested": {"list": [1, "a", None]}}
    back = from_item(to_item(item))
    assert back == {"cents": 17850, "rate": Decimal("0.0425"), "apn": "45880.40", "ok": True,
                    "nested": {"list": [1, "a", None]}}
    assert isinstance(back["cents"], int)
    with pytest.raises(TypeError):
        to_item({"rate": 0.0425})


def test_GIVEN_a_utc_instant_WHEN_the_context_says_today_THEN_it_is_the_locals_date() -> None:
    ctx = ctx_for(MemoryStore(), "staff")
    ctx.clock = lambda: datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 21:00 on 03-01 in Los Angeles
    assert ctx.today() == date(2026, 3, 1)


def test_GIVEN_the_token_key_WHEN_cursors_are_signed_THEN_the_key_is_derived_from_it_not_equal_to_it() -> None:
    from chalicelib.core import app_secrets

    app_secrets.reset()
    key = app_secrets.cursor_key()
    assert len(key) == 32 and key != app_secrets.token_key() and key == app_secrets.cursor_key()


def test_GIVEN_a_batch_WHEN_committed_THEN_one_transaction_with_a_client_request_token() -> None:
    """The token makes the SDK's retry of a commit that timed out idempotent: DynamoDB answers the retry
    with the first attempt's outcome instead of a refused condition (a false 409)."""
    from chalicelib.core.store.dynamo import DynamoStore
    from factories import audit, member

    calls: list[dict[str, object]] = []

    class _Client:
        def transact_write_items(self, **kwargs: object) -> dict[str, object]:
            calls.append(kwargs)
            return {}

    store = DynamoStore("unioncore-test", "us-west-2", "http://127.0.0.1:9")
    store.client = _Client()
    for _ in range(2):
        batch = store.batch()
        m = member()
        batch.put(m)
        batch.audit(audit(m.id))
        batch.commit()
    tokens = [c["ClientRequestToken"] for c in calls]
    assert len(calls) == 2 and all(isinstance(t, str) and 1 <= len(t) <= 36 for t in tokens)
    assert tokens[0] != tokens[1]  # one per commit, reused only by the SDK's own retries of that call
