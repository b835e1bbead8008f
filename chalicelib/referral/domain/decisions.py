"""Decision records (referral-rules §10.3): the immutable explanation of a dispatch or a round completion —
who was ahead and why each was passed over — hash-chained per book and referral date so that a later edit of
any record breaks the chain (the day's final hash is printed on the daily summary)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from pydantic import Field

from chalicelib.core.canonical import canonical_json
from chalicelib.core.model import DomainModel

GENESIS = "0" * 64
_TAG = b"unioncore.referral.decision.v1\n"


class CandidateRow(DomainModel):
    position: int
    registration_id: str
    member_id: str
    tier: int
    apn: str
    registered_at: str
    outcome: str | None = None
    skip_reason: str | None = None
    bid: bool = False


class DecisionRecord(DomainModel):
    """One decision. `candidates` runs from position 1 down to the last candidate walked."""

    id: str
    kind: str  # DISPATCH | ROUND_COMPLETED | CHECK_MARKS | BY_NAME | OUTCOME
    book_code: str
    referral_date: date
    request_id: str | None = None
    round_id: str | None = None
    method: str | None = None
    dispatch_id: str | None = None
    selected_registration_id: str | None = None
    rule_set_version: str
    rule_pack_version: str | None = None
    snapshot_at: datetime
    candidates: list[CandidateRow] = Field(default_factory=list)
    charges: list[dict[str, Any]] = Field(default_factory=list)
    out_of_order_override: str | None = None
    by_name: dict[str, Any] | None = None  # anti-collusion confirmation and attestation reference (R13.2)
    summary: dict[str, Any] | None = None  # round completion: t*, unfilled, the round's counts (S3.5, S4)
    actor_id: str
    sequence: int  # place in the book's chain for the referral date (1, 2, …)
    prev_hash: str = GENESIS
    hash: str = ""

    def digest(self) -> str:
        # A record without a summary hashes exactly as records did before the field existed.
        body = self.model_dump(mode="json", exclude={"hash"} | ({"summary"} if self.summary is None else set()))
        return hashlib.sha256(_TAG + canonical_json(body).encode("utf-8")).hexdigest()

    def sealed(self) -> DecisionRecord:
        return self.model_copy(update={"hash": self.digest()})


def verify_chain(records: list[DecisionRecord]) -> list[str]:
    """Problems in one book-day chain (ordered by sequence): edited records and broken links."""
    problems = []
    prev = GENESIS
    for n, r in enumerate(sorted(records, key=lambda r: r.sequence), start=1):
        if r.sequence != n:
            problems.append(f"sequence {n} is missing")
            prev = r.hash
            continue
        if r.prev_hash != prev:
            problems.append(f"record {r.sequence} does not link to the one before")
        if r.digest() != r.hash:
            problems.append(f"record {r.sequence} was changed after it was written")
        prev = r.hash
    return problems
