"""Labor requests (referral-rules S1, R3, R4, R9, R11, §8.2): when a request is referred, whether it charges
check marks, when members may bid on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from chalicelib.core.model import DomainModel
from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.rules import AgreementType, LocalRules

MARKET_RECOVERY = "MARKET RECOVERY"


class RequestStatus(StrEnum):
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


OPEN_STATUSES = frozenset({RequestStatus.OPEN, RequestStatus.PARTIALLY_FILLED})


class NoMarkReason(StrEnum):
    SHORT_CALL = "short_call"
    EARLY_START = "early_start"
    SPECIALTY = "specialty"
    MOU_JOBSITE = "mou_jobsite"
    UNDER_SCALE = "under_scale"
    VARIOUS_LOCATION = "various_location"


# R11: flags only a dispatcher sets (the automatic ones are computed).
DISPATCHER_FLAGS = frozenset(
    {NoMarkReason.SPECIALTY, NoMarkReason.MOU_JOBSITE, NoMarkReason.UNDER_SCALE, NoMarkReason.VARIOUS_LOCATION}
)
_SUGGEST = {
    "specialty": NoMarkReason.SPECIALTY,
    "mou": NoMarkReason.MOU_JOBSITE,
    "under scale": NoMarkReason.UNDER_SCALE,
    "market recovery": NoMarkReason.UNDER_SCALE,
    "various": NoMarkReason.VARIOUS_LOCATION,
}


@dataclass(frozen=True)
class Schedule:
    """R3.1–R3.3 for one request."""

    referral_date: date
    earliest_referral_date: date
    effective_start_date: date
    start_shifted: bool  # R3.2: the employer contact is told
    bidding_opens_at: datetime
    bidding_closes_at: datetime


def earliest_referral_date(received_at: datetime, cal: Calendar, cutoff: time) -> date:
    """R3.1: P = d if d is a working day and t ≤ cutoff (minute-inclusive), else next_working_day(d);
    earliest referral date = next_working_day(P)."""
    d = cal.local_date(received_at)
    p = d if cal.is_working_day(d) and cal.by(received_at, d, cutoff) else cal.next_working_day(d)
    return cal.next_working_day(p)


def schedule(
    received_at: datetime,
    requested_start: date,
    cal: Calendar,
    rules: LocalRules,
    *,
    emergency: bool = False,
    referral_date: date | None = None,
) -> Schedule:
    """R3.1–R3.4, R3.6. `referral_date` is a dispatcher's later date (R3.6): earlier than the earliest is refused
    (`BEFORE_CUTOFF_DATE`) except for emergencies, whose referral date is the day received."""
    from chalicelib.referral.domain.registration import Refused

    earliest = earliest_referral_date(received_at, cal, rules.request_cutoff_time)
    if emergency:
        ref = cal.local_date(received_at)
        earliest = ref
    else:
        ref = max(earliest, cal.last_working_day_on_or_before(requested_start))
        if referral_date is not None:
            if referral_date < earliest:
                raise Refused(
                    "BEFORE_CUTOFF_DATE",
                    "The referral date is before the first one the cutoff allows.",
                    "referral_date",
                )
            if not cal.is_working_day(referral_date):
                raise Refused("NOT_A_WORKING_DAY", "Referral dates are working days.", "referral_date")
            ref = referral_date
    effective = max(requested_start, ref)
    opens = cal.at(cal.previous_working_day(ref), rules.bidding_open_time)
    closes = cal.at(ref, rules.bidding_close_time)
    return Schedule(ref, earliest, effective, effective != requested_start, opens, closes)


def is_short_call(estimated_working_days: int | None, rules: LocalRules) -> bool:
    """R9.1: estimated duration ≤ short_call_max_working_days (default 10)."""
    return estimated_working_days is not None and estimated_working_days <= rules.short_call_max_working_days


def no_mark_reasons(
    *,
    short_call: bool,
    start_time: time | None,
    contract_code: str | None,
    dispatcher_flags: frozenset[NoMarkReason],
    rules: LocalRules,
) -> frozenset[NoMarkReason]:
    """R11: every applying reason; `generates_check_mark` is false when there is at least one."""
    reasons = set(dispatcher_flags & DISPATCHER_FLAGS)
    if short_call:
        reasons.add(NoMarkReason.SHORT_CALL)
    if start_time is not None and start_time < rules.early_start_before:
        reasons.add(NoMarkReason.EARLY_START)  # 06:00 itself charges (AS-037)
    if contract_code == MARKET_RECOVERY:
        reasons.add(NoMarkReason.UNDER_SCALE)
    return frozenset(reasons)


def suggested_flags(requirement_text: str) -> frozenset[NoMarkReason]:
    """R11: keywords suggest flags; only an explicit dispatcher flag counts."""
    text = (requirement_text or "").lower()
    return frozenset(flag for word, flag in _SUGGEST.items() if word in text)


def request_number(received_local_date: date, counter: int) -> str:
    """R3.7: REQyyyymmdd-NNNN (received local date + daily counter from 0001)."""
    return f"REQ{received_local_date:%Y%m%d}-{counter:04d}"


def dispatch_number(referral_date: date, counter: int) -> str:
    """S2.4: DSPyyyymmdd-NNNN (referral date + daily counter)."""
    return f"DSP{referral_date:%Y%m%d}-{counter:04d}"


def status_after_fill(requested: int, dispatched: int) -> RequestStatus:
    """S1.3."""
    if dispatched <= 0:
        return RequestStatus.OPEN
    return RequestStatus.FILLED if dispatched >= requested else RequestStatus.PARTIALLY_FILLED


class RequestAction(StrEnum):
    """Named actions that change a labor request's status (§8.2)."""

    FILL = "FILL"  # a dispatch (S1.3)
    REOPEN = "REOPEN"  # a dispatch rejected, no-show or voided before the start (S1.4)
    EDIT = "EDIT"  # S1.2 (positions may change, so the status follows the counts)
    MOVE_REFERRAL_DATE = "MOVE_REFERRAL_DATE"  # R3.6
    CANCEL = "CANCEL"  # employer cancels, reason required
    EXPIRE = "EXPIRE"  # N5: effective start date passed


_LIVE_REQUEST = frozenset({RequestStatus.OPEN, RequestStatus.PARTIALLY_FILLED})
_DISPATCHED_ON = frozenset({RequestStatus.PARTIALLY_FILLED, RequestStatus.FILLED})

# §8.2 as data: the statuses an action may start from and the status it leads to; None = by the counts (S1.3:
# none dispatched → OPEN, fewer than requested → PARTIALLY_FILLED, all → FILLED). CANCELLED and EXPIRED are
# terminal: no action starts from them.
REQUEST_TRANSITIONS: dict[RequestAction, tuple[frozenset[RequestStatus], RequestStatus | None]] = {
    RequestAction.FILL: (_LIVE_REQUEST, None),
    RequestAction.REOPEN: (_DISPATCHED_ON, None),
    RequestAction.EDIT: (_LIVE_REQUEST | {RequestStatus.FILLED}, None),
    RequestAction.MOVE_REFERRAL_DATE: (_LIVE_REQUEST, None),
    RequestAction.CANCEL: (_LIVE_REQUEST | {RequestStatus.FILLED}, RequestStatus.CANCELLED),
    RequestAction.EXPIRE: (_LIVE_REQUEST, RequestStatus.EXPIRED),
}


def request_next_status(
    current: RequestStatus, action: RequestAction, *, requested: int, dispatched: int
) -> RequestStatus:
    """§8.2: the status `action` leads to, given the counts after it (`dispatched` already includes the change);
    `Refused(REQUEST_NOT_OPEN)` when the action may not start from `current`."""
    from chalicelib.referral.domain.registration import Refused

    allowed_from, target = REQUEST_TRANSITIONS[action]
    if current not in allowed_from:
        raise Refused(
            "REQUEST_NOT_OPEN",
            f"A {current.value.lower()} request cannot {action.value.lower().replace('_', ' ')}.",
            "status",
        )
    if target is not None:
        return target
    if dispatched > requested or dispatched < 0:
        raise Refused("POSITIONS_EXCEEDED", "More dispatched than requested.", "positions_requested")
    return status_after_fill(requested, dispatched)


# S1.2: after bidding opens (or once anyone is dispatched) only these may change — and positions may grow.
ALWAYS_EDITABLE = frozenset({"comments", "report_to", "contact"})
# Fields that identify the request (its number, book and employer) never change: cancel and re-create.
NEVER_EDITABLE = frozenset({"employer_id", "book_code", "received_at", "emergency", "named_member_id"})


def edit_problem(request: LaborRequest, changes: dict[str, object], at: datetime) -> tuple[str, str, str] | None:
    """S1.2: (code, field, message) of the first change the rules refuse, or None.

    While OPEN with nobody dispatched and before bidding opens, every field may change. After that only
    comments, report-to, contact details and an increase of positions; anything else needs cancel and
    re-create. Positions never go below those already dispatched, and a by-name request has exactly one (R13.1).
    """
    locked = at >= request.bidding_opens_at or request.status is not RequestStatus.OPEN
    for name, value in changes.items():
        if name in NEVER_EDITABLE:
            return "EDIT_LOCKED", name, "This field identifies the request: cancel it and enter a new one."
        if name == "positions_requested":
            new = int(value)  # type: ignore[call-overload]
            if request.by_name and new != 1:
                return "BY_NAME_ONE_POSITION", name, "A by-name request has one position per named member (R13.1)."
            if new < request.positions_dispatched:
                return (
                    "POSITIONS_BELOW_DISPATCHED",
                    name,
                    f"{request.positions_dispatched} already dispatched: positions cannot go below that.",
                )
            if locked and new < request.positions_requested:
                return "EDIT_LOCKED", name, "After bidding opens positions may only be increased (S1.2)."
            continue
        if locked and name not in ALWAYS_EDITABLE:
            return "EDIT_LOCKED", name, "After bidding opens this field cannot change: cancel and re-create (S1.2)."
    return None


class LaborRequest(DomainModel):
    """S1.1 (the fields the rules read, plus what the board shows)."""

    id: str
    number: str
    employer_id: str
    employer_name: str
    book_code: str
    agreement_type: AgreementType = AgreementType.STANDARD
    contract_code: str | None = None
    job_class: str | None = None
    worksite_name: str | None = None
    worksite_address: str | None = None
    worksite_city: str | None = None
    worksite_region: str | None = None
    report_to: str | None = None
    contact: str | None = None  # the employer's contact for this request (name, phone)
    received_at: datetime
    received_note: str | None = None  # R3.5: why received_at is more than 15 minutes before entry
    received_via: str = "phone"
    entered_at: datetime
    entered_by: str
    referral_date: date
    earliest_referral_date: date
    requested_start_date: date
    effective_start_date: date
    start_time: time | None = None
    positions_requested: int = Field(ge=1, le=200)
    positions_dispatched: int = 0
    wage_rate: str | None = None  # exact decimal text
    estimated_duration_working_days: int | None = None
    short_call: bool = False
    by_name: bool = False
    named_member_id: str | None = None
    foreperson: bool = False
    emergency: bool = False
    requirements: list[str] = Field(default_factory=list)
    required_certifications: list[str] = Field(default_factory=list)
    requirement_text: str | None = None
    comments: str | None = None
    no_mark_reasons: list[NoMarkReason] = Field(default_factory=list)
    bidding_enabled: bool = True
    bidding_opens_at: datetime
    bidding_closes_at: datetime
    status: RequestStatus = RequestStatus.OPEN
    cancel_reason: str | None = None
    signatory_acknowledgement: str | None = None
    # S3.3: each walked candidate's recorded outcome on this request (registration id -> §5.3 outcome).
    outcomes: dict[str, str] = Field(default_factory=dict)
    rule_set_version: str
    created_at: str
    updated_at: str
    version: int = 1

    @property
    def generates_check_mark(self) -> bool:
        return not self.no_mark_reasons

    @property
    def positions_remaining(self) -> int:
        return max(0, self.positions_requested - self.positions_dispatched)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def wage(self) -> Decimal | None:
        return Decimal(self.wage_rate) if self.wage_rate else None
