"""Time, the working-day calendar and local wall-clock rules (referral-rules §2, R1).

Every rule time is a local wall-clock time in the local's zone, across daylight-saving changes (§2.1.1), and
deadlines are minute-inclusive (§2.1.3): "by 15:00" is met by 15:00:59 and missed at 15:01:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EXCEL_EPOCH = date(1899, 12, 30)  # Excel serial 1 = 1899-12-31 (the 1900 leap-year quirk folded in)
DEFAULT_ZONE = "America/Los_Angeles"
# §2.2.2: the seed the local confirms at onboarding.
SEED_HOLIDAYS_2026 = (
    date(2026, 1, 1),
    date(2026, 5, 25),
    date(2026, 7, 3),
    date(2026, 9, 7),
    date(2026, 11, 26),
    date(2026, 11, 27),
    date(2026, 12, 25),
)


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def excel_serial(day: date) -> int:
    """§4.3.1: days since 1899-12-30 (45880 = 2025-08-11, 46083 = 2026-03-02)."""
    return (day - EXCEL_EPOCH).days


def from_excel_serial(serial: int) -> date:
    return EXCEL_EPOCH + timedelta(days=serial)


@dataclass(frozen=True)
class Calendar:
    """The local's zone and holiday list (the effective-dated list in force, §2.2)."""

    zone: ZoneInfo
    holidays: frozenset[date]

    @classmethod
    def of(cls, zone: str = DEFAULT_ZONE, holidays: Iterable[date] = SEED_HOLIDAYS_2026) -> Calendar:
        return cls(ZoneInfo(zone), frozenset(holidays))

    # -- working days (R1.3: weekends AND holidays)
    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """§2.2.4: the first working day strictly after `day`."""
        d = day + timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def previous_working_day(self, day: date) -> date:
        """§2.2.4: the last working day strictly before `day`."""
        d = day - timedelta(days=1)
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def last_working_day_on_or_before(self, day: date) -> date:
        return day if self.is_working_day(day) else self.previous_working_day(day)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in first..last inclusive (0 when last < first)."""
        count, d = 0, first
        while d <= last:
            count += self.is_working_day(d)
            d += timedelta(days=1)
        return count

    # -- instants and local wall-clock times
    def local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("instants carry their offset")
        return instant.astimezone(self.zone)

    def local_date(self, instant: datetime) -> date:
        return self.local(instant).date()

    def at(self, day: date, wall: time) -> datetime:
        """The instant of local wall time `wall` on `day` (start of the minute)."""
        return datetime.combine(day, wall, tzinfo=self.zone)

    def by(self, instant: datetime, day: date, wall: time) -> bool:
        """§2.1.3: `instant` is "by HH:MM on day": its local time truncated to the minute is ≤ HH:MM that day."""
        loc = self.local(instant)
        if loc.date() != day:
            return loc.date() < day
        return loc.replace(second=0, microsecond=0).time() <= wall

    def from_(self, instant: datetime, day: date, wall: time) -> bool:
        """§2.1.3: a window "from HH:MM" opens at HH:MM:00 on `day`."""
        return self.local(instant) >= self.at(day, wall)
