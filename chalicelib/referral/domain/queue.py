"""Queue order (referral-rules §5.1, invariant) and positions: derived at read time, never stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from chalicelib.referral.domain.records import ActivityEntry
from chalicelib.referral.domain.registration import Registration, RegStatus


def queue_order(registrations: Iterable[Registration]) -> list[Registration]:
    """§5.1: every REGISTERED registration of the book, by tier, APN (exact), registered_at, member id.
    Exempt registrations stay in line (flagged; skipped only when candidates are chosen)."""
    live = [r for r in registrations if r.status is RegStatus.REGISTERED]
    return sorted(live, key=lambda r: (r.tier, r.apn, r.registered_at, r.member_id))


@dataclass(frozen=True)
class Place:
    position: int  # 1-based
    registration: Registration
    exempt: bool


def positions(queue: list[Registration], on: date) -> list[Place]:
    return [Place(n, r, r.exemption_on(on) is not None) for n, r in enumerate(queue, start=1)]


def position_of(queue: list[Registration], registration_id: str) -> int | None:
    return next((n for n, r in enumerate(queue, start=1) if r.id == registration_id), None)


def tier_counts(queue: list[Registration], max_tiers: int = 4) -> dict[int, int]:
    """§3.2.4: every tier 1–4 appears, zeros included."""
    counts = dict.fromkeys(range(1, max(4, max_tiers) + 1), 0)
    for r in queue:
        counts[r.tier] += 1
    return counts


@dataclass(frozen=True)
class QueueRow:
    """A queue entry rebuilt from the activity log (enough to order it and show it)."""

    registration_id: str
    member_id: str
    tier: int
    apn: Decimal
    registered_at: datetime

    @property
    def key(self) -> tuple[int, Decimal, datetime, str]:
        return (self.tier, self.apn, self.registered_at, self.member_id)


def rebuild(entries: Iterable[ActivityEntry], until: datetime) -> list[QueueRow]:
    """§10.1: a book's queue as of `until`, replayed from its activity entries (in occurrence order): each
    registration's last entry at or before `until` says whether it was REGISTERED and at which tier and APN."""
    last: dict[str, ActivityEntry] = {}
    for e in sorted(entries, key=lambda e: (e.occurred_at, e.id)):
        if e.registration_id is None or e.occurred_at > until or e.new_status is None:
            continue
        before = last.get(e.registration_id)
        if before is not None and _newer(before, e):
            continue  # one registration's entries go by the version they wrote, whatever the clocks said
        last[e.registration_id] = e
    rows = [
        QueueRow(
            rid, e.member_id, e.tier or 0, Decimal(e.new_apn or e.previous_apn or "0"), e.registered_at or e.occurred_at
        )
        for rid, e in last.items()
        if e.new_status == RegStatus.REGISTERED.value
    ]
    return sorted(rows, key=lambda r: r.key)


def _newer(a: ActivityEntry, b: ActivityEntry) -> bool:
    return (
        a.registration_version is not None
        and b.registration_version is not None
        and (a.registration_version > b.registration_version)
    )
