"""Regions and offices (referral-rules R1, §2.3): which office serves a book, and whether an in-person action
falls inside that office's hours.

Regions and offices are data (settings `offices` and `region_office`): a book with no region is
jurisdiction-wide and served by `jurisdiction_office`. In-person actions recorded outside the office's hours are
not blocked — the staff user acknowledges a warning, and the acknowledgement is recorded (§2.3).
"""

from __future__ import annotations

from datetime import datetime, time

from pydantic import ConfigDict, Field, model_validator

from chalicelib.core.model import DomainModel
from chalicelib.referral.domain.calendar import Calendar

REGIONS = ("Seattle", "Bremerton", "Port Angeles")  # R1.1
OUTSIDE_OFFICE_HOURS = "OUTSIDE_OFFICE_HOURS"


class Office(DomainModel):
    """R1.2: an office and its hours on working days (local wall clock, minute-inclusive at the close)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_it_closes(self) -> Office:
        if self.opens >= self.closes:
            raise ValueError("an office opens before it closes")
        return self


DEFAULT_OFFICES = (
    Office(name="Kent", opens=time(8, 0), closes=time(17, 0)),
    Office(name="Bremerton", opens=time(8, 0), closes=time(15, 0)),
)
DEFAULT_REGION_OFFICE = (("Seattle", "Kent"), ("Bremerton", "Bremerton"), ("Port Angeles", "Bremerton"))
DEFAULT_JURISDICTION_OFFICE = "Kent"


def office_for(
    region: str | None,
    offices: tuple[Office, ...],
    region_office: tuple[tuple[str, str], ...],
    jurisdiction_office: str,
) -> Office:
    """The office serving a book of `region` (None: jurisdiction-wide, R1.1)."""
    name = dict(region_office).get(region, jurisdiction_office) if region else jurisdiction_office
    by_name = {o.name: o for o in offices}
    return by_name[name]


def is_open(office: Office, at: datetime, cal: Calendar) -> bool:
    """R1.2 + §2.1.3: open on working days from `opens` (HH:MM:00) until `closes` inclusive of its minute
    (17:00:59 is still 17:00); closed on weekends and holidays (R1.3)."""
    local = cal.local(at)
    if not cal.is_working_day(local.date()):
        return False
    minute = local.time().replace(second=0, microsecond=0, tzinfo=None)
    return office.opens <= minute <= office.closes
