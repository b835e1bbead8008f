"""Applicant priority numbers (referral-rules §4.3, §4.4): exact decimals with 2 places, never floats.

An APN's integer part is the Excel serial of the local date it was assigned; its fraction is the same-day
sequence .01 … .99 per book. APNs are not unique (§4.2.3). They are stored and sent as text ("45880.41").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from chalicelib.referral.domain.calendar import excel_serial

_APN = re.compile(r"^(\d{1,6})(?:\.(\d{1,2}))?$")
MAX_SEQUENCE = 99


class ApnError(ValueError):
    """Text that is not an APN (§4.4.2); the message says why."""


def parse_apn(text: str) -> Decimal:
    """§4.4.2: `^\\d{1,6}(\\.\\d{1,2})?$`, padded to 2 places ("45880.4" → 45880.40); anything else refused.
    Never goes through a float."""
    value = (text or "").strip()
    m = _APN.match(value)
    if not m:
        if not value:
            raise ApnError("empty")
        if re.match(r"^\d{1,6}\.\d{3,}$", value):
            raise ApnError("more than 2 decimal places")
        raise ApnError("not a number of the form NNNNN.NN")
    whole, fraction = m.group(1), (m.group(2) or "").ljust(2, "0")
    return Decimal(f"{int(whole)}.{fraction}")


def format_apn(apn: Decimal) -> str:
    """§4.4.4: always NNNNN.NN."""
    return f"{apn.quantize(Decimal('0.01')):f}"


def apn_date_serial(apn: Decimal) -> int:
    return int(apn)


def apn_sequence(apn: Decimal) -> int:
    return int((apn - int(apn)) * 100)


@dataclass(frozen=True)
class NewApn:
    apn: Decimal
    overflow: bool  # §4.3.3: capped at .99 — ordering falls to registered_at; an alert is logged


def next_apn(day: date, apns_on_book: Iterable[Decimal]) -> NewApn:
    """§4.3.2: seq = 1 + max(hundredths of every APN on this book — any tier, any status, imported or
    generated — whose integer part is today's serial), capped at .99 (§4.3.3)."""
    serial = excel_serial(day)
    same_day = [apn_sequence(a) for a in apns_on_book if apn_date_serial(a) == serial]
    seq = max(same_day, default=0) + 1
    if seq > MAX_SEQUENCE:
        return NewApn(Decimal(f"{serial}.99"), True)
    return NewApn(Decimal(f"{serial}.{seq:02d}"), False)


def apn_from_sequence(day: date, seq: int) -> NewApn:
    """The APN for an atomically allocated same-day sequence number (the per-book-per-day counter, §4.3.4)."""
    serial = excel_serial(day)
    if seq > MAX_SEQUENCE:
        return NewApn(Decimal(f"{serial}.99"), True)
    return NewApn(Decimal(f"{serial}.{seq:02d}"), False)


def queue_sort_key(tier: int, apn: Decimal, registered_at: datetime, member_id: str) -> str:
    """§4.4.5: a lexically sortable key whose order equals queue order (§5.1): tier, APN (integer part
    zero-padded to 6, 2-digit fraction), registered_at as fixed-width UTC, member id."""
    from datetime import UTC

    whole = int(apn)
    frac = apn_sequence(apn)
    at = registered_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{tier}#{whole:06d}.{frac:02d}#{at}#{member_id}"
