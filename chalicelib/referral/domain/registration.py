"""Registrations (referral-rules §4, §8.1): a member on one book at one tier with one APN.

The state machine is data (`TRANSITIONS`): every action names the statuses it may start from, the status it
leads to and the roles that may take it — tested for every action × status × role, like the member status table.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from chalicelib.core.model import DomainModel
from chalicelib.core.roles import Role
from chalicelib.referral.domain.apn import format_apn, queue_sort_key


class RegStatus(StrEnum):
    REGISTERED = "REGISTERED"
    DISPATCHED = "DISPATCHED"
    PENDING_REREGISTRATION = "PENDING_REREGISTRATION"
    ROLLED_OFF = "ROLLED_OFF"
    RESIGNED = "RESIGNED"
    CLOSED = "CLOSED"


LIVE = frozenset({RegStatus.REGISTERED, RegStatus.DISPATCHED, RegStatus.PENDING_REREGISTRATION})


class ApnSource(StrEnum):
    GENERATED = "GENERATED"
    IMPORTED = "IMPORTED"
    CARRIED = "CARRIED"


class RollOffReason(StrEnum):
    CHECK_MARKS = "CHECK_MARKS"
    FAILED_RE_SIGN = "FAILED_RE_SIGN"
    QUIT = "QUIT"
    DISCHARGED = "DISCHARGED"
    NO_SHOW = "NO_SHOW"
    BID_REJECT_QUIT = "BID_REJECT_QUIT"
    MISSED_REREGISTRATION = "MISSED_REREGISTRATION"
    EXPIRED_MAX_DAYS = "EXPIRED_MAX_DAYS"
    MEMBER_STATUS_CHANGE = "MEMBER_STATUS_CHANGE"
    MANUAL = "MANUAL"


class Action(StrEnum):
    """Named actions that change a registration's status (§8.1). Nothing edits status directly (S8.4)."""

    DISPATCH = "DISPATCH"
    TERMINATE_PENDING = "TERMINATE_PENDING"  # S6 rows 2-7
    TERMINATE_CLOSED = "TERMINATE_CLOSED"  # S6 row 8
    TERMINATE_PENALTY = "TERMINATE_PENALTY"  # S6 rows 1/1b on the dispatching registration
    RESTORE = "RESTORE"  # on-time re-registration, restore outcome (R6.3)
    REREGISTER_NEW_APN = "REREGISTER_NEW_APN"  # on-time re-registration, new-APN outcome: old row closes
    VOID_DISPATCH = "VOID_DISPATCH"  # S8.1
    ROLL_OFF = "ROLL_OFF"  # system roll-offs (marks, re-sign, quit on another book, missed re-registration …)
    MANUAL_ROLL_OFF = "MANUAL_ROLL_OFF"  # S8.3
    RESIGN = "RESIGN"  # voluntary withdrawal from the book
    TIER_CHANGE = "TIER_CHANGE"  # §3.5.4: old row closes, successor opens
    REINSTATE = "REINSTATE"  # S8.2


_DISPATCHERS = frozenset({Role.ADMIN, Role.OFFICER, Role.DISPATCHER})

TRANSITIONS: dict[Action, tuple[frozenset[RegStatus], RegStatus, frozenset[Role]]] = {
    Action.DISPATCH: (frozenset({RegStatus.REGISTERED}), RegStatus.DISPATCHED, _DISPATCHERS),
    Action.TERMINATE_PENDING: (frozenset({RegStatus.DISPATCHED}), RegStatus.PENDING_REREGISTRATION, _DISPATCHERS),
    Action.TERMINATE_CLOSED: (frozenset({RegStatus.DISPATCHED}), RegStatus.CLOSED, _DISPATCHERS),
    Action.TERMINATE_PENALTY: (frozenset({RegStatus.DISPATCHED}), RegStatus.ROLLED_OFF, _DISPATCHERS),
    Action.RESTORE: (frozenset({RegStatus.PENDING_REREGISTRATION}), RegStatus.REGISTERED, _DISPATCHERS | {Role.STAFF}),
    Action.REREGISTER_NEW_APN: (
        frozenset({RegStatus.PENDING_REREGISTRATION}),
        RegStatus.CLOSED,
        _DISPATCHERS | {Role.STAFF},
    ),
    Action.VOID_DISPATCH: (frozenset({RegStatus.DISPATCHED}), RegStatus.REGISTERED, _DISPATCHERS),
    Action.ROLL_OFF: (frozenset(LIVE), RegStatus.ROLLED_OFF, _DISPATCHERS),
    Action.MANUAL_ROLL_OFF: (frozenset({RegStatus.REGISTERED}), RegStatus.ROLLED_OFF, _DISPATCHERS),
    # §8.1 "member (web) or dispatcher"; modules §17 gives office staff no resign.
    Action.RESIGN: (frozenset({RegStatus.REGISTERED}), RegStatus.RESIGNED, _DISPATCHERS | {Role.MEMBER}),
    Action.TIER_CHANGE: (frozenset({RegStatus.REGISTERED}), RegStatus.CLOSED, _DISPATCHERS),
    Action.REINSTATE: (frozenset({RegStatus.ROLLED_OFF}), RegStatus.REGISTERED, frozenset({Role.ADMIN, Role.OFFICER})),
}


class Refused(Exception):
    """A rule refused the action; `code` is the rulebook's error code (Appendix B)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def next_status(current: RegStatus, action: Action, roles: frozenset[Role], *, system: bool = False) -> RegStatus:
    """The status `action` leads to from `current` — or `Refused` (FORBIDDEN / NOT_REGISTERED / INVALID_TRANSITION)."""
    allowed_from, target, actors = TRANSITIONS[action]
    if not system and not (roles & actors):
        raise Refused("FORBIDDEN", f"Your role may not {action.value.lower().replace('_', ' ')}.")
    if current not in allowed_from:
        code = (
            "NOT_REGISTERED"
            if RegStatus.REGISTERED in allowed_from and len(allowed_from) == 1
            else "INVALID_TRANSITION"
        )
        raise Refused(code, f"A {current.value.lower()} registration cannot {action.value.lower().replace('_', ' ')}.")
    return target


class Exemption(DomainModel):
    """R14: a dated excuse on one registration (one book): no marks, no re-sign roll-off, skipped, position kept."""

    id: str
    reason: str
    start: date
    end: date  # inclusive
    status: str = "ACTIVE"  # ACTIVE | ENDED | REVOKED
    approved_by: str | None = None
    dispatch_id: str | None = None  # R14.6: created by an under-scale dispatch

    def covers(self, day: date) -> bool:
        return self.status == "ACTIVE" and self.start <= day <= self.end


class Registration(DomainModel):
    """§4.1. `apn` is an exact Decimal, serialised as text."""

    id: str
    member_id: str
    book_code: str
    tier: int = Field(ge=1, le=4)
    apn: Decimal
    apn_source: ApnSource = ApnSource.GENERATED
    registered_at: datetime
    channel: str
    status: RegStatus = RegStatus.REGISTERED
    status_reason: str | None = None
    status_changed_at: datetime | None = None
    last_re_sign_at: datetime
    re_sign_due_date: date
    grace_end_date: date
    check_mark_count: int = 0
    last_check_mark_date: date | None = None
    counted_restorations: int = 0
    rereg_deadline_at: datetime | None = None
    rereg_outcome: str | None = None  # RESTORE | NEW_APN while PENDING_REREGISTRATION
    predecessor_id: str | None = None
    successor_id: str | None = None
    open_dispatch_id: str | None = None  # the dispatch this registration is DISPATCHED to
    exemptions: list[Exemption] = Field(default_factory=list)
    created_at: str
    updated_at: str
    version: int = 1

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def queue_key(self) -> str:
        return queue_sort_key(self.tier, self.apn, self.registered_at, self.member_id)

    def exemption_on(self, day: date) -> Exemption | None:
        return next((e for e in self.exemptions if e.covers(day)), None)

    @property
    def apn_text(self) -> str:
        return format_apn(self.apn)


def re_sign_dates(last_re_sign_local: date, re_sign_days: int, grace_days: int) -> tuple[date, date]:
    """R7.1: due = date of the last re-sign + re_sign_days; grace end = due + grace_period_days (calendar)."""
    due = last_re_sign_local + timedelta(days=re_sign_days)
    return due, due + timedelta(days=grace_days)
