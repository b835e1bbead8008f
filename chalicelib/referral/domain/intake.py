"""Registration intake and the wire gate (referral-rules §4.5, R5.5, R2.4).

A registration request — in person or by e-mail — is an intake. On a working day the gate opens when the 08:30
rounds of the three WIRE books are complete (a WIRE round with nothing on its sheet completes at its slot); if it
is still closed at `wire_gate_fallback_time` it opens then. Intakes received on a non-working day or before the
gate opens are held and processed, in `received_at` order, when it opens — so a member whose intake was held can
never be dispatched from that morning's WIRE referral. The APN date is the processing date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from pydantic import Field

from chalicelib.core.model import DomainModel
from chalicelib.referral.domain.calendar import Calendar
from chalicelib.referral.domain.records import Intake

# The books whose 08:30 rounds hold the gate (§4.5.2 names "the three WIRE books").
WIRE_GATE_BOOKS = ("WIRE_SEA", "WIRE_BREM", "WIRE_PA")

ROUNDS_COMPLETED = "ROUNDS_COMPLETED"
FALLBACK = "WIRE_GATE_FALLBACK"
CLOSED_DAY = "NOT_A_WORKING_DAY"


@dataclass(frozen=True)
class WireRound:
    """What the gate needs to know about one WIRE book's round on day D."""

    book_code: str
    slot: datetime  # the book's referral start on D
    completed_at: datetime | None  # the round's completion, if it has completed
    sheet_empty: bool  # nothing on its sheet: the round completes by itself at the slot


@dataclass(frozen=True)
class Gate:
    """The gate of one day: when it opens (None: it does not open that day) and why."""

    day: date
    opens_at: datetime | None
    how: str  # ROUNDS_COMPLETED | WIRE_GATE_FALLBACK | NOT_A_WORKING_DAY

    def open_at(self, instant: datetime) -> bool:
        return self.opens_at is not None and instant >= self.opens_at


def gate(day: date, rounds: Iterable[WireRound], cal: Calendar, fallback: time) -> Gate:
    """§4.5.2: the instant the gate opens on `day` as far as is known now. All WIRE rounds complete (or empty at
    their slot) → the last completion, unless the fallback comes first; any round still open → the fallback."""
    if not cal.is_working_day(day):
        return Gate(day, None, CLOSED_DAY)
    fallback_at = cal.at(day, fallback)
    done: list[datetime] = []
    for r in rounds:
        if r.completed_at is not None:
            done.append(r.completed_at)
        elif r.sheet_empty:
            done.append(r.slot)
        else:
            return Gate(day, fallback_at, FALLBACK)
    if not done:  # no WIRE book at all: nothing holds the gate
        return Gate(day, cal.at(day, time(0, 0)), ROUNDS_COMPLETED)
    last = max(done)
    if last > fallback_at:
        return Gate(day, fallback_at, FALLBACK)
    return Gate(day, last, ROUNDS_COMPLETED)


def processing_order(intakes: Iterable[Intake]) -> list[Intake]:
    """§4.5.3: held intakes in `received_at` order (then their id, which is creation order)."""
    return sorted(intakes, key=lambda i: (i.received_at, i.id))


class WireGateRecord(DomainModel):
    """The day the gate opened, written once when held intakes are first processed that day (§4.5.2: the
    fallback opening is logged)."""

    day: date
    opens_at: datetime
    how: str
    observed_at: datetime
    observed_by: str
    processed: int = Field(default=0, ge=0)
    created_at: str
    updated_at: str
    version: int = 1
