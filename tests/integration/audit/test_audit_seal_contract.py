"""Audit seal storage (docs/audit.md): one contract, two implementations, real thread races.

Each test gets an empty table: a seal chain is table-wide, so the shared contract table would mix chains.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.audit.domain import GENESIS, Seal, make_seal
from chalicelib.audit import integrity as audit_integrity
from chalicelib.core.store.memory import MemoryStore
from chalicelib.core.store import Store
from factories import audit
from chalicelib.audit import store as audit_repo

DAY = date(2025, 6, 1)
NOW = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)


def _empty_table_like(endpoint: str, source: str) -> str:
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-west-2")
    desc = ddb.describe_table(TableName=source)["Table"]
    name = f"unioncore-seal-{uuid.uuid4().hex[:10]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=desc["AttributeDefinitions"],
        KeySchema=desc["KeySchema"],
        GlobalSecondaryIndexes=[{"IndexName": g["IndexName"], "KeySchema": g["KeySchema"],
                                 "Projection": g["Projection"]} for g in desc["GlobalSecondaryIndexes"]])
    return name


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    from chalicelib.core.store.dynamo import DynamoStore

    res = request.getfixturevalue("provisioned")
    endpoint = request.getfixturevalue("moto_endpoint")
    return DynamoStore(_empty_table_like(endpoint, res.table_name), "us-west-2", endpoint)


def seal_of(day: date, prev: str, n: int, tag: str = "") -> Seal:
    at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
    return make_seal(day, prev, [audit(f"{tag}{i}", at=at + timedelta(seconds=i)) for i in range(n)],
                     NOW.isoformat())


def test_seal_round_trip_first_latest_and_between(store: Store) -> None:
    """GIVEN three chained seals WHEN read back THEN equal, ordered, and the chain ends are found."""
    assert audit_repo.first_seal(store) is None and audit_repo.latest_seal(store) is None
    s1 = seal_of(DAY, GENESIS, 3)
    s2 = seal_of(DAY + timedelta(days=1), s1.hash, 0)
    s3 = seal_of(DAY + timedelta(days=2), s2.hash, 2)
    for s in (s2, s1, s3):
        assert audit_repo.put_seal(store, s) is True
    assert audit_repo.get_seal(store, DAY) == s1 and audit_repo.get_seal(store, DAY - timedelta(days=1)) is None
    assert audit_repo.first_seal(store) == s1 and audit_repo.latest_seal(store) == s3
    assert audit_repo.seals_between(store, DAY + timedelta(days=1), DAY + timedelta(days=5)) == [s2, s3]
    assert audit_repo.seals_between(store, DAY - timedelta(days=5), DAY - timedelta(days=1)) == []


def test_large_seal_spans_several_parts_and_reads_back_in_order(store: Store) -> None:
    """GIVEN a day with more entries than one part holds WHEN sealed THEN every row comes back in order."""
    big = seal_of(DAY, GENESIS, 5200)
    assert audit_repo.put_seal(store, big) is True
    assert audit_repo.get_seal(store, DAY) == big


def test_second_seal_of_a_day_is_refused_and_the_first_kept(store: Store) -> None:
    """GIVEN a sealed day WHEN a different seal of that day is put THEN False and the first one stays."""
    first = seal_of(DAY, GENESIS, 2, "a")
    other = seal_of(DAY, GENESIS, 3, "b")
    assert audit_repo.put_seal(store, first) is True
    assert audit_repo.put_seal(store, other) is False
    assert audit_repo.get_seal(store, DAY) == first


def _race(n: int, work: Any) -> list[Any]:
    gate = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


def test_two_racing_runs_with_different_seals_leave_exactly_one(store: Store) -> None:
    """GIVEN two job runs that computed different seals for one day WHEN both put at once (two threads)
    THEN exactly one put wins and the stored seal is entirely the winner's (no mix of parts)."""
    for round_ in range(5):
        day = DAY + timedelta(days=round_)
        seals = [seal_of(day, GENESIS, 2600, "a"), seal_of(day, GENESIS, 2601, "b")]
        won = _race(2, lambda i, seals=seals: audit_repo.put_seal(store, seals[i]))
        assert sorted(won) == [False, True], round_
        assert audit_repo.get_seal(store, day) == seals[won.index(True)]


def test_two_racing_seal_jobs_write_one_seal_and_both_report_it(store: Store) -> None:
    """GIVEN a day's entries WHEN two threads run the sealing use case at once THEN one writes, both
    return the same seal, and the chain verifies."""
    for round_ in range(3):
        day = DAY + timedelta(days=round_)
        for i in range(4):
            store.create(audit(f"race{i}", at=datetime(day.year, day.month, day.day, 9, i, tzinfo=UTC)))
        outcomes = _race(2, lambda i, day=day: audit_integrity.seal_day(store, day, NOW))
        assert sorted(o.written for o in outcomes) == [False, True]
        assert outcomes[0].seal.hash == outcomes[1].seal.hash == audit_repo.get_seal(store, day).hash  # type: ignore[union-attr]
    report = audit_integrity.verify(store, DAY, DAY + timedelta(days=2))
    assert report.ok and [d.entries for d in report.days] == [4, 4, 4]
