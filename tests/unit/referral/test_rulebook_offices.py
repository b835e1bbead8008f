"""R1 — offices, regions, calendar: regions and offices are data, each book's office follows its region, an
in-person action outside the office's hours needs the staff user's acknowledgement (§2.3), every rule time is local
and minute-inclusive (§2.1)."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from api_harness import Hall
from factories import ctx_for, member_create
from pydantic import ValidationError
from rulebook import CAL, RULES, local

from chalicelib.members import service as members
from chalicelib.referral import store as repo
from chalicelib.referral.domain import seed_catalogue
from chalicelib.referral.domain.offices import REGIONS, Office, is_open
from chalicelib.referral.domain.requests import schedule
from chalicelib.referral.domain.rules import LocalRules

BOOKS = {b.code: b for b in seed_catalogue()}


def test_R1_1_the_regions_and_a_book_without_one_is_jurisdiction_wide() -> None:
    """GIVEN the seed catalogue THEN the WIRE books carry the three regions and every other book none (served by
    the jurisdiction office, Kent)."""
    assert REGIONS == ("Seattle", "Bremerton", "Port Angeles")
    assert (BOOKS["WIRE_SEA"].region, BOOKS["WIRE_BREM"].region, BOOKS["WIRE_PA"].region) == REGIONS
    assert {b.region for c, b in BOOKS.items() if not c.startswith("WIRE_")} <= {None, "Seattle"}
    assert RULES.office_for(None).name == "Kent"
    assert [RULES.office_for(r).name for r in REGIONS] == ["Kent", "Bremerton", "Bremerton"]


def test_R1_1_a_region_served_by_another_office_is_a_setting() -> None:
    """GIVEN `region_office` sends Port Angeles to Kent THEN WIRE PT ANGELES is served from Kent; an unknown office
    or region is refused naming the setting."""
    moved = LocalRules(region_office=(("Seattle", "Kent"), ("Bremerton", "Bremerton"), ("Port Angeles", "Kent")))
    assert moved.office_for("Port Angeles").name == "Kent"
    with pytest.raises(ValidationError, match="unknown office"):
        LocalRules(region_office=(("Seattle", "Tacoma"),))
    with pytest.raises(ValidationError, match="region_office"):
        LocalRules(region_office=(("Olympia", "Kent"),))


def test_R1_2_office_hours_are_data_on_working_days_only() -> None:
    """GIVEN Kent 08:00–17:00 and Bremerton 08:00–15:00 THEN each is open within its hours (the closing minute
    included), closed outside them, on weekends and on holidays."""
    kent, bremerton = RULES.office_for("Seattle"), RULES.office_for("Bremerton")
    assert (kent.opens, kent.closes, bremerton.closes) == (time(8, 0), time(17, 0), time(15, 0))
    tue = (2026, 3, 3)
    assert is_open(kent, local(*tue, 8, 0), CAL) and is_open(kent, local(*tue, 17, 0, 59), CAL)
    assert not is_open(kent, local(*tue, 7, 59, 59), CAL) and not is_open(kent, local(*tue, 17, 1), CAL)
    assert is_open(bremerton, local(*tue, 15, 0), CAL) and not is_open(bremerton, local(*tue, 15, 1), CAL)
    assert not is_open(kent, local(2026, 3, 7, 10, 0), CAL)  # Saturday
    assert not is_open(kent, local(2026, 5, 25, 10, 0), CAL)  # Memorial Day
    with pytest.raises(ValidationError, match="opens before it closes"):
        Office(name="Night", opens=time(17, 0), closes=time(8, 0))
    late = LocalRules(offices=(Office(name="Kent", opens=time(7, 0), closes=time(18, 0)),
                               Office(name="Bremerton", opens=time(8, 0), closes=time(15, 0))))
    assert is_open(late.office_for(None), local(*tue, 17, 30), late.calendar)


def test_R1_4_rule_times_are_local_to_the_time_zone_setting_and_minute_inclusive() -> None:
    """GIVEN the 15:00 cutoff WHEN the local's zone is Los Angeles THEN 15:00:59 there meets it and 15:01 does not;
    WHEN the zone is New York THEN the same instant (18:00:59 in New York) misses it — every rule time is the
    local's wall clock, across daylight saving (DST starts Sun 2026-03-08)."""
    start = date(2026, 3, 10)
    assert schedule(local(2026, 3, 9, 15, 0, 59), start, CAL, RULES).referral_date == date(2026, 3, 10)
    assert schedule(local(2026, 3, 9, 15, 1), start, CAL, RULES).referral_date == date(2026, 3, 11)
    east = LocalRules(time_zone="America/New_York")
    ny = local(2026, 3, 9, 15, 0, 59).astimezone(ZoneInfo("America/New_York"))
    assert ny.hour == 18
    assert schedule(ny, start, east.calendar, east).referral_date == date(2026, 3, 11)
    # The same local 15:00:59 before and after the DST change is on time both days.
    for day in (date(2026, 3, 6), date(2026, 3, 9)):
        received = local(day.year, day.month, day.day, 15, 0, 59)
        assert schedule(received, date(2026, 3, 31), CAL, RULES).earliest_referral_date == CAL.next_working_day(day)
    with pytest.raises(ValidationError, match="time zone"):
        LocalRules(time_zone="Mars/Olympus")


def test_R1_2_in_person_outside_office_hours_is_acknowledged_then_recorded(hall: Hall) -> None:
    """GIVEN Bremerton's office closes at 15:00 WHEN a dispatcher records an in-person registration on WIRE
    BREMERTON at 15:30 THEN 409 OUTSIDE_OFFICE_HOURS naming `acknowledge_outside_hours`, nothing written; WHEN
    acknowledged THEN it is registered and the activity entry records the acknowledgement. An e-mail intake at the
    same minute needs none."""
    m1 = members.create(ctx_for(hall.store, "staff"), member_create()).id
    m2 = members.create(ctx_for(hall.store, "staff"), member_create()).id
    hall.at(2026, 3, 3, 15, 30)
    body = {"book_code": "WIRE_BREM", "tier": 1}
    warned = hall.post(f"/members/{m1}/registrations", "dispatcher", body)
    assert warned.status == 409 and warned.error["code"] == "OUTSIDE_OFFICE_HOURS", warned.json
    assert [f["name"] for f in warned.error["fields"]] == ["acknowledge_outside_hours"]
    assert repo.live_of(hall.store, m1) == []
    done = hall.post(f"/members/{m1}/registrations", "dispatcher", {**body, "acknowledge_outside_hours": True})
    assert done.status == 201, done.json
    [entry] = [e for e in repo.book_log(hall.store, "WIRE_BREM") if e.member_id == m1]
    assert entry.reason and "outside Bremerton office hours" in entry.reason
    assert hall.post("/intakes", "staff", {"member_id": m2, "book_code": "WIRE_BREM", "tier": 1}).status == 201


def test_R1_2_an_in_person_re_sign_outside_hours_needs_the_acknowledgement(hall: Hall) -> None:
    """GIVEN a WIRE SEATTLE registration WHEN staff enter an in-person re-sign received Saturday 10:00 THEN
    409 OUTSIDE_OFFICE_HOURS until acknowledged; the acknowledged re-sign is recorded with the note."""
    m = members.create(ctx_for(hall.store, "staff"), member_create()).id
    hall.at(2026, 3, 2, 10, 5)
    reg = hall.post(f"/members/{m}/registrations", "dispatcher", {"book_code": "WIRE_SEA", "tier": 1}).json
    hall.at(2026, 3, 9, 9, 0)
    path = f"/members/{m}/registrations/{reg['id']}/re-sign"
    body = {"version": reg["version"], "channel": "in_person",
            "received_at": local(2026, 3, 7, 10, 0).isoformat()}
    warned = hall.post(path, "dispatcher", body)
    assert warned.status == 409 and warned.error["code"] == "OUTSIDE_OFFICE_HOURS", warned.json
    done = hall.post(path, "dispatcher", {**body, "acknowledge_outside_hours": True})
    assert done.status == 200, done.json
    last = [e for e in repo.book_log(hall.store, "WIRE_SEA") if e.action == "RE_SIGN"]
    assert last and "outside Kent office hours" in (last[-1].reason or "")
