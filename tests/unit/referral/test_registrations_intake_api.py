"""Registration and the wire gate against the API (referral-rules R5, §4.5, R2.4; scenarios of §12.1): a
registration request is an intake, processed at once while the day's gate is open, held otherwise and processed
in received order when the gate opens."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from api_harness import Hall
from factories import ctx_for
from regkit import (
    complete_round,
    employer,
    imported,
    ok,
    people,
    refused,
    register,
    settings_change,
    wire_requests,
)

from chalicelib.audit import store as audit_repo
from chalicelib.members import service as members
from chalicelib.members.domain import StatusAction
from chalicelib.referral import store as repo

LA = ZoneInfo("America/Los_Angeles")


def at(y: int, m: int, d: int, hh: int, mm: int) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LA)


def intake(hall: Hall, member_id: str, book: str, received: datetime, tier: int = 1, role: str = "staff",
           channel: str = "email") -> dict:
    body = {"member_id": member_id, "book_code": book, "tier": tier, "channel": channel,
            "received_at": received.isoformat()}
    return ok(hall.post("/intakes", role, body), 201)


def process(hall: Hall) -> dict:
    return ok(hall.post("/intakes/process", "dispatcher"))


def test_AS_001_R5_6_R5_7_a_first_registration_after_the_gate_opened(hall: Hall) -> None:
    """GIVEN no 46083 APN on WIRE SEATTLE and the gate of Mon 2026-03-02 opening at 08:47 (the last WIRE round
    completed then) WHEN M01 (qualified tier 1) registers in person at 10:05 THEN REGISTERED, tier 1, APN
    46083.01, 0 marks, 0 restorations, re-sign due 2026-04-01, grace end 2026-04-04, and a confirmation."""
    [m01] = people(hall, 1)
    e1 = employer(hall)
    hall.at(2026, 2, 27, 10, 0)
    wire_requests(hall, e1, date(2026, 3, 2))
    hall.at(2026, 3, 2, 8, 45)
    for book, minute in (("WIRE_SEA", 40), ("WIRE_BREM", 44), ("WIRE_PA", 47)):
        complete_round(hall, book, date(2026, 3, 2), at(2026, 3, 2, 8, minute))
    gate = ok(hall.get("/intakes", "staff"))["gate"]
    assert gate["opens_at"] == "2026-03-02T08:47:00-08:00" and gate["how"] == "ROUNDS_COMPLETED"
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m01)
    assert (r["status"], r["tier"], r["apn"], r["check_mark_count"], r["counted_restorations"]) == (
        "REGISTERED", 1, "46083.01", 0, 0)
    assert (r["re_sign_due_date"], r["grace_end_date"]) == ("2026-04-01", "2026-04-04")
    assert r["last_re_sign_at"] == r["registered_at"]
    [entry] = [e for e in repo.book_log(hall.store, "WIRE_SEA") if e.registration_id == r["id"]]
    assert entry.action == "REGISTER" and entry.confirmation and entry.confirmation.startswith("REG20260302-")
    mine = ok(hall.get(f"/members/{m01}/registrations", "member", member_id=m01))["items"]
    assert [(x["apn"], x["position"], x["confirmation"]) for x in mine] == [("46083.01", 1, entry.confirmation)]


def test_R5_7_the_confirmation_names_the_book_tier_apn_and_due_date(hall: Hall) -> None:
    """GIVEN the gate open WHEN staff log an e-mail registration THEN the answer carries the confirmation: number,
    book, tier, APN, re-sign due date — the number on the registration's activity entry too."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 11, 0)
    got = intake(hall, m, "TRADESHOW", at(2026, 3, 2, 10, 58))
    c = got["confirmation"]
    assert got["status"] == "PROCESSED" and got["intake"]["status"] == "PROCESSED"
    assert (c["book_code"], c["book_name"], c["tier"], c["apn"], c["re_sign_due_date"]) == (
        "TRADESHOW", "TRADESHOW", 1, "46083.01", "2026-04-01")
    assert got["intake"]["registration_id"] == got["registration"]["id"]
    [entry] = repo.book_log(hall.store, "TRADESHOW")
    assert entry.confirmation == c["number"] and entry.channel == "email"


def test_AS_012_an_intake_before_the_wire_rounds_complete_waits_for_the_last_one(hall: Hall) -> None:
    """GIVEN Tue 2026-03-03 with the WIRE rounds not completed WHEN M08's e-mail registration for TRADESHOW is
    logged with received_at 08:10 THEN it is held without an APN; WHEN the last WIRE round completes at 08:52
    THEN it is processed at 08:52 and M08 gets an APN of integer part 46084."""
    [m08] = people(hall, 1)
    e1 = employer(hall)
    hall.at(2026, 3, 2, 11, 0)
    wire_requests(hall, e1, date(2026, 3, 3))
    hall.at(2026, 3, 3, 8, 12)
    got = intake(hall, m08, "TRADESHOW", at(2026, 3, 3, 8, 10))
    assert got["status"] == "HELD" and got["registration"] is None and got["gate"]["open"] is False
    assert repo.live_of(hall.store, m08) == []
    hall.at(2026, 3, 3, 8, 50)
    complete_round(hall, "WIRE_SEA", date(2026, 3, 3), at(2026, 3, 3, 8, 41))
    complete_round(hall, "WIRE_BREM", date(2026, 3, 3), at(2026, 3, 3, 8, 46))
    assert process(hall)["processed"] == [] and repo.live_of(hall.store, m08) == []
    hall.at(2026, 3, 3, 8, 52)
    assert hall.post("/rounds/WIRE_PA/2026-03-03/open", "dispatcher").status == 200
    finished = hall.post("/rounds/WIRE_PA/2026-03-03/complete", "dispatcher")
    assert finished.status == 200, finished.json
    assert finished.json["held_intakes"] == {"processed": 1, "refused": 0}
    # Completing the last WIRE round opened the gate and processed the held intake at that minute.
    [reg] = repo.live_of(hall.store, m08)
    assert reg.apn_text.startswith("46084.") and reg.registered_at == at(2026, 3, 3, 8, 52)
    done = process(hall)
    assert done["gate"]["opens_at"] == "2026-03-03T08:52:00-08:00"
    assert done["processed"] == []  # idempotent: nothing is processed twice


def test_AS_013_a_saturday_intake_is_processed_at_mondays_gate(hall: Hall) -> None:
    """GIVEN an e-mail intake received Sat 2026-03-07 11:00 THEN nothing processes it over the weekend, and it is
    processed on Mon 2026-03-09 when the gate opens (08:30, empty WIRE sheets) with APN integer part 46090."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 7, 11, 5)
    assert intake(hall, m, "TECHNICIAN", at(2026, 3, 7, 11, 0))["status"] == "HELD"
    hall.at(2026, 3, 8, 12, 0)
    assert process(hall)["gate"]["how"] == "NOT_A_WORKING_DAY" and repo.live_of(hall.store, m) == []
    hall.at(2026, 3, 9, 8, 29)
    assert process(hall)["processed"] == []
    hall.at(2026, 3, 9, 8, 30)
    [item] = process(hall)["processed"]
    assert item["registration"]["apn"] == "46090.01"


def test_AS_014_R2_4_empty_wire_sheets_open_the_gate_at_0830_and_held_intakes_go_in_received_order(
        hall: Hall) -> None:
    """GIVEN no WIRE request on the sheet for Wed 2026-03-04 THEN the WIRE rounds count as completed at 08:30 and
    the intakes held since the previous day are processed then in received_at order — not in the order they
    were logged."""
    a, b, c = people(hall, 3)
    hall.at(2026, 3, 4, 7, 0)
    intake(hall, a, "TRADESHOW", at(2026, 3, 4, 6, 55))
    hall.at(2026, 3, 4, 7, 40)
    intake(hall, b, "TRADESHOW", at(2026, 3, 3, 22, 0))  # last night's e-mail, logged this morning
    hall.at(2026, 3, 4, 8, 30)
    done = process(hall)
    assert done["gate"]["opens_at"] == "2026-03-04T08:30:00-08:00" and done["gate"]["how"] == "ROUNDS_COMPLETED"
    assert [(i["intake"]["member_id"], i["registration"]["apn"]) for i in done["processed"]] == [
        (b, "46085.01"), (a, "46085.02")]
    # Once open, a new registration goes at once, after them.
    assert register(hall, c, "TRADESHOW")["apn"] == "46085.03"


def test_AS_015_the_gate_opens_at_the_fallback_time_and_says_so(hall: Hall) -> None:
    """GIVEN the WIRE rounds of Thu 2026-03-05 still in progress at 10:00 THEN the gate opens at 10:00, the held
    intakes are processed, and the opening is logged WIRE_GATE_FALLBACK."""
    [m] = people(hall, 1)
    e1 = employer(hall)
    hall.at(2026, 3, 4, 11, 0)
    wire_requests(hall, e1, date(2026, 3, 5))
    hall.at(2026, 3, 5, 9, 0)
    intake(hall, m, "SOUND_COMM", at(2026, 3, 5, 8, 55))
    hall.at(2026, 3, 5, 9, 59)
    assert process(hall)["processed"] == []
    hall.at(2026, 3, 5, 10, 0)
    done = process(hall)
    assert (done["gate"]["how"], done["gate"]["opens_at"]) == ("WIRE_GATE_FALLBACK", "2026-03-05T10:00:00-08:00")
    assert len(done["processed"]) == 1
    record = repo.wire_gate(hall.store, date(2026, 3, 5))
    assert record is not None and record.how == "WIRE_GATE_FALLBACK"
    logged = audit_repo.by_entity(hall.store, "wire_gate", "2026-03-05", 10, None).items
    assert [e.extra.get("event") for e in logged] == ["WIRE_GATE_FALLBACK"]


def test_R5_5_R2_4_a_held_member_is_not_in_the_0830_queue(hall: Hall) -> None:
    """GIVEN a WIRE round on Tue 2026-03-03's sheet WHEN a dispatcher registers M in person at 08:15 THEN the answer
    is 202 (held, no APN) and M is not in the queue the 08:30 round walks; the first processing after the gate
    opens registers M with that day's APN."""
    [m] = people(hall, 1)
    e1 = employer(hall)
    hall.at(2026, 3, 2, 11, 0)
    wire_requests(hall, e1, date(2026, 3, 3), books=("WIRE_SEA",))
    hall.at(2026, 3, 3, 8, 15)
    r = hall.post(f"/members/{m}/registrations", "dispatcher", {"book_code": "WIRE_SEA", "tier": 1})
    assert r.status == 202 and r.json["status"] == "HELD" and r.json["intake"]["channel"] == "in_person"
    hall.at(2026, 3, 3, 8, 30)
    assert repo.full_queue(hall.store, "WIRE_SEA") == []
    hall.at(2026, 3, 3, 9, 0)
    complete_round(hall, "WIRE_SEA", date(2026, 3, 3), at(2026, 3, 3, 8, 58))
    [item] = process(hall)["processed"]
    assert item["registration"]["apn"] == "46084.01"


def test_R5_1_channels_come_from_the_setting_and_members_cannot_self_register(hall: Hall) -> None:
    """GIVEN the default channels (in person, e-mail) THEN a fax registration is refused CHANNEL_NOT_ALLOWED, a
    member cannot register through the portal (403 on both routes) and office staff log e-mail only; WHEN the
    local adds fax THEN a fax registration is accepted."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 11, 0)
    body = {"member_id": a, "book_code": "TRADESHOW", "tier": 1, "channel": "fax"}
    refused(hall.post("/intakes", "dispatcher", body), 409, "CHANNEL_NOT_ALLOWED")
    refused(hall.post("/intakes", "member", {**body, "channel": "web"}, member_id=a), 403, "FORBIDDEN")
    refused(hall.post(f"/members/{a}/registrations", "member", {"book_code": "TRADESHOW", "tier": 1},
                      member_id=a), 403, "FORBIDDEN")
    refused(hall.post("/intakes", "staff", {**body, "channel": "in_person"}), 403, "FORBIDDEN")
    ok(settings_change(hall, local={"registration_channels": ["in_person", "email", "fax"]}))
    assert ok(hall.post("/intakes", "dispatcher", body), 201)["status"] == "PROCESSED"
    assert register(hall, b, "TRADESHOW", channel="email")["channel"] == "email"


def test_R5_2_one_live_registration_per_book_active_books_active_members(hall: Hall) -> None:
    """A second live registration on a book is ALREADY_REGISTERED (at any tier); a book made inactive by a settings
    version is BOOK_INACTIVE; a suspended member is MEMBER_NOT_ACTIVE — each refused before anything is written."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 11, 0)
    register(hall, a, "TECHNICIAN")
    for tier in (1, 2):  # AS-008: at any tier
        refused(hall.post(f"/members/{a}/registrations", "dispatcher", {"book_code": "TECHNICIAN", "tier": tier}),
                409, "ALREADY_REGISTERED")
    ok(settings_change(hall, books={"MARINE": {"is_active": False}}))
    refused(hall.post(f"/members/{a}/registrations", "dispatcher", {"book_code": "MARINE", "tier": 1}),
            409, "BOOK_INACTIVE")
    officer = ctx_for(hall.store, "officer")
    members.change_status(officer, b, StatusAction.SUSPEND, "suspended by the board", 1)
    refused(hall.post(f"/members/{b}/registrations", "dispatcher", {"book_code": "TECHNICIAN", "tier": 1}),
            409, "MEMBER_NOT_ACTIVE")
    assert [r.member_id for r in repo.full_queue(hall.store, "TECHNICIAN")] == [a]
    assert repo.held_intakes(hall.store) == []


def test_R5_3_many_books_at_once_unless_the_local_excludes_a_combination(hall: Hall) -> None:
    """GIVEN no exclusive groups THEN a member holds the three WIRE books, TECHNICIAN and TRADESHOW at once; WHEN
    the local makes TECHNICIAN and UTILITY WORKER exclusive THEN the second is EXCLUSIVE_BOOK_CONFLICT."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 11, 0)
    for book in ("WIRE_SEA", "WIRE_BREM", "WIRE_PA", "TECHNICIAN", "TRADESHOW"):
        register(hall, m, book)
    assert len(repo.live_of(hall.store, m)) == 5
    ok(settings_change(hall, local={"exclusive_book_groups": [["TECHNICIAN", "UTILITY_WORKER"]]}))
    refused(hall.post(f"/members/{m}/registrations", "dispatcher", {"book_code": "UTILITY_WORKER", "tier": 1}),
            409, "EXCLUSIVE_BOOK_CONFLICT")


def test_R5_4_the_tier_is_the_qualified_tier(hall: Hall) -> None:
    """GIVEN M qualified at tier 2 on STOCKMAN THEN a tier-1 registration is TIER_NOT_QUALIFIED and tier 2 is made;
    with no qualification the dispatcher's tier becomes the qualification (§3.5.3)."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 11, 0)
    ok(hall.put(f"/members/{a}/qualifications/STOCKMAN", "dispatcher",
                {"tier": 2, "qualified_on": "2026-01-05", "reason": "journeyman card, tier 2 per bylaws"}))
    refused(hall.post(f"/members/{a}/registrations", "dispatcher", {"book_code": "STOCKMAN", "tier": 1}),
            409, "TIER_NOT_QUALIFIED")
    assert register(hall, a, "STOCKMAN", tier=2)["tier"] == 2
    assert register(hall, b, "STOCKMAN", tier=3)["tier"] == 3
    q = repo.qualification(hall.store, b, "STOCKMAN")
    assert q is not None and q.tier == 3


def test_R5_6_a_new_registration_takes_the_books_re_sign_days_in_force(hall: Hall) -> None:
    """GIVEN TRADESHOW's re_sign_days set to 45 and grace to 5 from 2026-03-02 WHEN M registers that day THEN due =
    today + 45, grace end = due + 5, last re-sign = the processing instant, counts 0."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 30)
    ok(settings_change(hall, books={"TRADESHOW": {"re_sign_days": 45, "grace_period_days": 5}}))
    r = register(hall, m, "TRADESHOW")
    assert (r["re_sign_due_date"], r["grace_end_date"]) == ("2026-04-16", "2026-04-21")
    assert r["last_re_sign_at"] == "2026-03-02T18:30:00Z" and r["check_mark_count"] == 0


def test_AS_009_one_imported_apn_on_four_books_all_live(hall: Hall) -> None:
    """GIVEN an import where M04 has APN 45880.41 on TECHNICIAN, TERO APPR WIRE, TRADESHOW and UTILITY WORKER THEN
    all four registrations are live at once, each shows in its book's queue with APN 45880.41, and M04's view
    lists all four with their positions."""
    [m04] = people(hall, 1)
    when = at(2025, 8, 11, 0, 0)
    books = ("TECHNICIAN", "TERO_APPR_WIRE", "TRADESHOW", "UTILITY_WORKER")
    for book in books:
        imported(hall, m04, book, 1, "45880.41", when)
    hall.at(2026, 3, 2, 11, 0)
    mine = ok(hall.get(f"/members/{m04}/registrations", "staff"))["items"]
    assert sorted((x["book_code"], x["apn"], x["position"], x["status"]) for x in mine) == sorted(
        (b, "45880.41", 1, "REGISTERED") for b in books)
    for book in books:
        rows = ok(hall.get(f"/books/{book}/queue", "staff"))["items"]
        assert [(r["position"], r["apn"], r["member_id"]) for r in rows] == [(1, "45880.41", m04)]
