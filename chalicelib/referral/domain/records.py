"""The referral engine's stored records besides registrations and requests: dispatches, rounds, a member's
referral state (open dispatch, blackouts, bidding infractions), bids, check marks, intakes and the activity log.
Pure data; the codecs that store them are in referral/store.py."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from chalicelib.core.model import DomainModel
from chalicelib.referral.domain.bids import BidStatus
from chalicelib.referral.domain.decisions import GENESIS
from chalicelib.referral.domain.rules import BlackoutScope


class DispatchStatus(StrEnum):
    DISPATCHED = "DISPATCHED"
    CHECKED_IN = "CHECKED_IN"
    WORKING = "WORKING"
    NO_SHOW = "NO_SHOW"
    REJECTED = "REJECTED"
    TERMINATED = "TERMINATED"
    VOIDED = "VOIDED"


OPEN_DISPATCH = frozenset({DispatchStatus.DISPATCHED, DispatchStatus.CHECKED_IN, DispatchStatus.WORKING})


class Method(StrEnum):
    MORNING_REFERRAL = "morning_referral"
    INTERNET_BID = "internet_bid"
    EMAIL_BID = "email_bid"
    BY_NAME = "by_name"
    EMERGENCY = "emergency"


class Dispatch(DomainModel):
    """S2: one referral of a member to a request, with what it copied at that moment (S2.3)."""

    id: str
    number: str
    request_id: str
    request_number: str
    registration_id: str
    member_id: str
    employer_id: str
    employer_name: str
    book_code: str
    tier: int
    apn: str
    queue_position: int | None
    method: Method
    referral_date: date
    start_date: date
    start_time: str | None = None
    job_class: str | None = None
    worksite_name: str | None = None
    report_to: str | None = None
    wage_rate: str | None = None
    contract_code: str | None = None
    agreement_type: str
    short_call: bool = False
    by_name: bool = False
    under_scale: bool = False
    check_in_required: bool = False
    check_in_deadline: datetime | None = None
    status: DispatchStatus = DispatchStatus.DISPATCHED
    out_of_order_reason: str | None = None
    decision_id: str
    employment_id: str
    dispatched_at: datetime
    dispatched_by: str
    terminated: dict[str, Any] | None = None  # S5: raw reason, last day, days, classification …
    voided: dict[str, Any] | None = None  # S8.1: when, by whom, why
    flags: list[str] = Field(default_factory=list)  # e.g. OVERDUE_SHORT_CALL (R9.8)
    rule_set_version: str
    created_at: str
    updated_at: str
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPATCH


class RoundStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    # S3.5 under way: the sheet is closed to dispatch; each request's marks are being charged (resumable).
    COMPLETING = "COMPLETING"
    COMPLETED = "COMPLETED"


class Round(DomainModel):
    """S3.1: one per (book, referral date). It also heads the book-day chain of decision records (§10.3.3):
    every decision written for the round moves `chain_sequence`/`chain_head` under the round's version, so two
    dispatchers acting on one book at once are serialised (the second sees the new queue and retries)."""

    book_code: str
    referral_date: date
    status: RoundStatus = RoundStatus.NOT_STARTED
    opened_at: datetime | None = None
    opened_by: str | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    sealed_hash: str | None = None  # S3.5: the chain head when the round completed (its ROUND_COMPLETED record)
    summary: dict[str, Any] | None = None  # requests, marks charged / suppressed, roll-offs (daily summary)
    chain_sequence: int = 0
    chain_head: str = GENESIS
    bidding_outage: str | None = None  # R8.12: who declared it and why
    created_at: str
    updated_at: str
    version: int = 1


class BlackoutRecord(DomainModel):
    employer_id: str
    employer_name: str | None = None
    start: date
    first_eligible: date
    scope: BlackoutScope
    reason: str  # QUIT | DISCHARGED | NO_SHOW | BID_REJECT_QUIT


class ReferralState(DomainModel):
    """One per member: what spans all of the member's books. `open_dispatch_id` is the open-dispatch marker
    (S2.2, invariant: at most one open dispatch per member), set and cleared with a version condition."""

    member_id: str
    open_dispatch_id: str | None = None
    blackouts: list[BlackoutRecord] = Field(default_factory=list)
    bid_infractions: list[date] = Field(default_factory=list)
    bidding_suspended_until: date | None = None
    certifications: list[str] = Field(default_factory=list)
    created_at: str
    updated_at: str
    version: int = 1


class Bid(DomainModel):
    """R8, §8.3."""

    request_id: str
    member_id: str
    registration_id: str
    method: str  # internet_bid | email_bid
    entered_by: str
    bid_at: datetime
    status: BidStatus = BidStatus.PENDING
    queue_position_at_bid: int | None = None
    status_reason: str | None = None
    receipt: str | None = None
    created_at: str
    updated_at: str
    version: int = 1


class CheckMark(DomainModel):
    """R10: one charge on one registration (count kept on the registration), restorable (R10.6)."""

    id: str
    registration_id: str
    member_id: str
    book_code: str
    request_id: str
    decision_id: str
    day: date
    status: str = "CHARGED"  # CHARGED | RESTORED
    restored_by: str | None = None
    restore_reason: str | None = None
    created_at: str
    updated_at: str
    version: int = 1


class IntakeStatus(StrEnum):
    RECEIVED = "RECEIVED"
    PROCESSED = "PROCESSED"
    REFUSED = "REFUSED"


class Intake(DomainModel):
    """§4.5: a registration request, held until the wire gate opens on a working day."""

    id: str
    member_id: str
    book_code: str
    tier: int
    channel: str
    received_at: datetime
    entered_by: str
    status: IntakeStatus = IntakeStatus.RECEIVED
    registration_id: str | None = None
    refusal: str | None = None
    office_hours_note: str | None = None  # §2.3: recorded outside office hours, acknowledged
    created_at: str
    updated_at: str
    version: int = 1


class ActivityEntry(DomainModel):
    """§10.1: the domain log, append-only, written in the transaction of the change it describes. Replaying a
    book's entries up to an instant rebuilds its queue as of that instant."""

    id: str
    book_code: str
    registration_id: str | None = None
    member_id: str
    action: str
    occurred_at: datetime
    previous_status: str | None = None
    new_status: str | None = None
    previous_apn: str | None = None
    new_apn: str | None = None
    tier: int | None = None
    registered_at: datetime | None = None
    request_id: str | None = None
    dispatch_id: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    actor_id: str
    processor: str  # SYSTEM | MEMBER VIA WEB | staff display name | IMPORT
    channel: str | None = None
    run_id: str | None = None
    rule_set_version: str
    correlation_id: str | None = None
    confirmation: str | None = None  # R5.7, R7.4: the number the member is given for a registration or re-sign
    # The registration's version this entry wrote: orders one registration's entries even when two containers'
    # clocks disagree by a few milliseconds (the queue rebuilt as of an instant must not pick the older one).
    registration_version: int | None = None


class DayCounter(DomainModel):
    """A daily number sequence written inside the transaction that uses the number (S2.4 dispatch numbers):
    the number is never reissued and never skipped by a failed write."""

    name: str
    value: int = 0
    created_at: str
    updated_at: str
    version: int = 1
