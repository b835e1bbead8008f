"""The rulebook's fixture (referral-rules §12.0) for the pure-rule tests: Los Angeles time, the 2026 holidays,
default settings, members m-0001 … m-0040."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.eligibility import MemberFacts
from chalicelib.referral.domain.registration import Registration, RegStatus, re_sign_dates
from chalicelib.referral.domain.rules import LocalRules

LA = ZoneInfo("America/Los_Angeles")
RULES = LocalRules()
CAL = RULES.calendar


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LA)


def member_id(n: int) -> str:
    return f"m-{n:04d}"


def reg(n: int, *, tier: int = 1, apn: str = "46083.01", book: str = "WIRE_SEA", at: datetime | None = None,
        status: RegStatus = RegStatus.REGISTERED, rid: str | None = None, marks: int = 0) -> Registration:
    registered = at or local(2026, 3, 2, 10, 0)
    due, grace = re_sign_dates(registered.date(), 30, 3)
    return Registration(id=rid or f"r-{n:04d}-{book}", member_id=member_id(n), book_code=book, tier=tier,
                        apn=Decimal(apn), registered_at=registered.astimezone(UTC), channel="in_person",
                        status=status, last_re_sign_at=registered.astimezone(UTC), re_sign_due_date=due,
                        grace_end_date=grace, check_mark_count=marks, created_at="t", updated_at="t")


def facts(n: int, **over: object) -> MemberFacts:
    base: dict[str, object] = {"member_id": member_id(n), "member_status": "active", "has_open_dispatch": False}
    base.update(over)
    return MemberFacts(**base)  # type: ignore[arg-type]


__all__ = ["CAL", "RULES", "Calendar", "date", "facts", "local", "member_id", "reg"]
