"""What the board and the portal read against the API (referral-rules §5.1, §3.2.4, R2.5, §10.1): books with tier
counts, a book's queue with derived positions (pages, a tier, a search, those not in the queue), a member's
registrations with live positions (their own only), the activity log, and the queue rebuilt as of a past instant."""

from __future__ import annotations


from api_harness import Hall
from factories import ctx_for
from regkit import act, employer, ok, people, queue_ids, refused, register

from chalicelib.members import service as members
from chalicelib.referral.domain import seed_catalogue


def test_R2_5_books_in_morning_order_with_counts_for_every_tier(hall: Hall) -> None:
    """R2.5, §3.2.4: the books come in morning_sort_order, each with tiers 1–4 even at zero: STOCKMAN with 1 in tier
    1 and 2 in tier 3 (one exempt today), one DISPATCHED on WIRE SEATTLE counted as live but not registered."""
    ms = people(hall, 5)
    e1 = employer(hall)
    hall.at(2026, 3, 2, 10, 5)
    register(hall, ms[0], "STOCKMAN")
    r1 = register(hall, ms[1], "STOCKMAN", tier=3)["id"]
    register(hall, ms[2], "STOCKMAN", tier=3)
    ok(hall.post(f"/members/{ms[1]}/exemptions", "dispatcher", {"registration_ids": [r1], "reason": "medical"}), 201)
    sea = register(hall, ms[3])["id"]
    register(hall, ms[4])
    hall.at(2026, 3, 2, 11, 0)
    q = ok(hall.post("/labor-requests", "dispatcher", {
        "employer_id": e1, "book_code": "WIRE_SEA", "requested_start_date": "2026-03-03", "job_class": "JRY WIRE",
        "wage_rate": "61.25", "signatory_acknowledgement": "contract on file"}), 201)
    hall.at(2026, 3, 3, 8, 30)
    ok(hall.post("/rounds/WIRE_SEA/2026-03-03/open", "dispatcher"))
    ok(hall.post(f"/rounds/WIRE_SEA/2026-03-03/requests/{q['id']}/dispatch", "dispatcher",
                 {"registration_id": sea}), 201)
    items = ok(hall.get("/books", "staff"))["items"]
    assert [b["code"] for b in items] == [b.code for b in sorted(seed_catalogue(), key=lambda b: b.morning_sort_order)]
    by = {b["code"]: b["counts"] for b in items}
    stock = by["STOCKMAN"]
    assert [(t["tier"], t["label"], t["registered"], t["exempt"]) for t in stock["tiers"]] == [
        (1, "Book 1", 1, 0), (2, "Book 2", 0, 0), (3, "Book 3", 2, 1), (4, "Book 4", 0, 0)]
    assert (stock["registered"], stock["exempt"], stock["live"]) == (3, 1, 3)
    wire = by["WIRE_SEA"]
    assert (wire["registered"], wire["dispatched"], wire["live"]) == (1, 1, 2)
    assert [t["live"] for t in by["MARINE"]["tiers"]] == [0, 0, 0, 0]
    refused(hall.get("/books", "member", member_id=ms[0]), 403, "FORBIDDEN")


def test_5_1_the_queue_a_page_at_a_time_with_positions_derived(hall: Hall) -> None:
    """§5.1: the first page holds 100 rows, positions 1..100; the next page goes on at 101; one tier's page starts
    at that tier's first position; a name or card-number search shows the members' real positions; DISPATCHED
    or PENDING rows have no position. Each row: tier, APN text, name, marks, exemption, re-sign due, restorations."""
    ms = people(hall, 104)
    ids = []
    for n, m in enumerate(ms):  # two days: a day's APN sequence stops at .99 (§4.3.3)
        hall.at(2026, 3, 2 if n < 60 else 3, 10, 5)
        ids.append(register(hall, m, "TRADESHOW", tier=2 if n >= 100 else 1)["id"])
    first = ok(hall.get("/books/TRADESHOW/queue", "staff"))
    assert [r["position"] for r in first["items"]] == list(range(1, 101)) and first["next_cursor"]
    row = first["items"][0]
    assert (row["registration_id"], row["apn"], row["tier"], row["name"], row["check_marks"],
            row["exempt"], row["re_sign_due_date"], row["counted_restorations"]) == (
        ids[0], "46083.01", 1, "M01, JANE", 0, None, "2026-04-01", 0)
    assert first["items"][60]["apn"] == "46084.01"
    rest = ok(hall.get("/books/TRADESHOW/queue", "staff", query={"cursor": first["next_cursor"]}))
    assert [(r["position"], r["registration_id"]) for r in rest["items"]] == list(zip(range(101, 105), ids[100:],
                                                                                        strict=True))
    tier2 = ok(hall.get("/books/TRADESHOW/queue", "staff", query={"tier": 2, "limit": 2}))
    assert [r["position"] for r in tier2["items"]] == [101, 102]
    more = ok(hall.get("/books/TRADESHOW/queue", "staff", query={"tier": 2, "limit": 2,
                                                                  "cursor": tier2["next_cursor"]}))
    assert [r["position"] for r in more["items"]] == [103, 104] and more["next_cursor"] is None
    card = members.get(ctx_for(hall.store, "staff"), ms[41]).member_number
    assert [(r["position"], r["member_id"]) for r in ok(hall.get("/books/TRADESHOW/queue", "staff",
                                                                  query={"q": card}))["items"]] == [(42, ms[41])]
    named = ok(hall.get("/books/TRADESHOW/queue", "staff", query={"q": "m10"}))["items"]
    assert [r["position"] for r in named] == [10, 100, 101, 102, 103, 104]  # M10, M100 … M104
    hall.at(2026, 3, 3, 10, 6)
    ok(act(hall, ms[2], ids[2], "roll-off", reason="confirmed working out of the area"))
    assert ok(hall.get("/books/TRADESHOW/queue", "staff", query={"limit": 3}))["items"][2]["registration_id"] == ids[3]
    off = ok(hall.get("/books/TRADESHOW/queue", "staff", query={"status": "PENDING_REREGISTRATION"}))["items"]
    assert off == []
    refused(hall.get("/books/TRADESHOW/queue", "staff", query={"status": "ROLLED_OFF"}), 400, "VALIDATION_ERROR")
    refused(hall.get("/books/NOPE/queue", "staff"), 404, "NOT_FOUND")


def test_AP_04_a_member_sees_their_own_registrations_with_live_positions_only(hall: Hall) -> None:
    """A member's view: each REGISTERED book with its live position (a COUNT, so it moves when someone ahead leaves),
    re-sign dates, whether they can re-sign on the web; closed rows after the live ones; held intakes listed. Another
    member gets 403 (and the attempt is audited); staff read it; organizers do not."""
    a, b, c = people(hall, 3)
    hall.at(2026, 3, 2, 10, 5)
    register(hall, b)
    ra = register(hall, a)["id"]
    register(hall, a, "WIRE_BREM")
    hall.at(2026, 3, 2, 10, 6)
    techn = register(hall, a, "TECHNICIAN")["id"]
    ok(act(hall, a, techn, "resign", "member"))
    hall.at(2026, 3, 7, 11, 0)  # Saturday: an e-mail intake waits for Monday's gate
    ok(hall.post("/intakes", "staff", {"member_id": a, "book_code": "TRADESHOW", "tier": 1}), 201)
    mine = ok(hall.get(f"/members/{a}/registrations", "member", member_id=a))
    assert [(x["book_code"], x["status"], x["position"], x["can_re_sign_on_web"]) for x in mine["items"]] == [
        ("WIRE_SEA", "REGISTERED", 2, True), ("WIRE_BREM", "REGISTERED", 1, True), ("TECHNICIAN", "RESIGNED", None,
                                                                                    False)]
    assert [(i["book_code"], i["status"]) for i in mine["intakes"]] == [("TRADESHOW", "RECEIVED")]
    ahead = next(r for r in queue_ids(hall, "WIRE_SEA") if r != ra)
    ok(act(hall, b, ahead, "resign", "member"))
    again = ok(hall.get(f"/members/{a}/registrations", "staff"))["items"]
    assert again[0]["position"] == 1
    refused(hall.get(f"/members/{a}/registrations", "member", member_id=c), 403, "FORBIDDEN")
    refused(hall.get(f"/members/{a}/registrations", "organizer"), 403, "FORBIDDEN")
    hall.at(2026, 4, 5, 9, 0)
    late = ok(hall.get(f"/members/{a}/registrations", "member", member_id=a))["items"][0]
    assert (late["can_re_sign"], late["grace_end_date"]) == (False, "2026-04-04")


def test_10_1_a_books_activity_log_newest_first_in_pages(hall: Hall) -> None:
    ms = people(hall, 3)
    for n, m in enumerate(ms):
        hall.at(2026, 3, 2, 10, n)
        register(hall, m, "MARINE")
    page = ok(hall.get("/books/MARINE/activity", "dispatcher", query={"limit": 2}))
    assert [e["member_id"] for e in page["items"]] == [ms[2], ms[1]] and page["next_cursor"]
    rest = ok(hall.get("/books/MARINE/activity", "dispatcher", query={"limit": 2, "cursor": page["next_cursor"]}))
    assert [e["member_id"] for e in rest["items"]] == [ms[0]]
    assert all(e["rule_set_version"] == "rules-1" and e["action"] == "REGISTER" for e in page["items"])
    refused(hall.get("/books/MARINE/activity", "member", member_id=ms[0]), 403, "FORBIDDEN")


def _snapshot(hall: Hall, book: str, **query: str) -> list[tuple[int, str, int, str, str]]:
    rows = ok(hall.get(f"/books/{book}/queue", "staff", query={"limit": 500, **query}))["items"]
    return [(r["position"], r["registration_id"], r["tier"], r["apn"], r["member_id"]) for r in rows]


def test_10_1_the_queue_rebuilt_as_of_yesterday_1600_equals_the_queue_saved_then(hall: Hall) -> None:
    """§10.1 (issue 8 §1): GIVEN a day of registrations, re-signs, a tier change, an exemption, a roll-off and a
    resign on WIRE SEATTLE, and the queue saved at 16:00 WHEN the next day brings more of every kind THEN the queue
    rebuilt from the activity log as of yesterday 16:00 equals the saved one, and as of now equals the live one."""
    ms = people(hall, 9)
    ids = {}
    for n, m in enumerate(ms[:6]):
        hall.at(2026, 3, 2, 10, n)
        ids[m] = register(hall, m, tier=2 if n in (1, 4) else 1)["id"]
    hall.at(2026, 3, 2, 11, 0)
    ok(act(hall, ms[0], ids[ms[0]], "re-sign", "member"))
    hall.at(2026, 3, 2, 11, 30)
    q = ok(hall.put(f"/members/{ms[4]}/qualifications/WIRE_SEA", "dispatcher",
                    {"tier": 1, "qualified_on": "2026-03-02", "reason": "tier 1 by seniority", "version": 1}))
    assert q["tier"] == 1
    ids[ms[4]] = ok(act(hall, ms[4], ids[ms[4]], "tier-change", tier=1, reason="tier 1 by seniority"))[
        "registration"]["id"]
    hall.at(2026, 3, 2, 12, 0)
    ok(hall.post(f"/members/{ms[3]}/exemptions", "dispatcher", {"registration_ids": [ids[ms[3]]],
                                                                 "reason": "jury_duty", "end": "2026-03-20"}), 201)
    hall.at(2026, 3, 2, 13, 0)
    ok(act(hall, ms[2], ids[ms[2]], "roll-off", reason="confirmed working out of the area"))
    hall.at(2026, 3, 2, 14, 0)
    ok(act(hall, ms[5], ids[ms[5]], "resign", "member"))
    hall.at(2026, 3, 2, 16, 0)
    saved = _snapshot(hall, "WIRE_SEA")
    assert len(saved) == 4
    hall.at(2026, 3, 3, 9, 0)
    for n, m in enumerate(ms[6:]):
        hall.at(2026, 3, 3, 9, n)
        ids[m] = register(hall, m)["id"]
    hall.at(2026, 3, 3, 10, 0)
    ok(act(hall, ms[1], ids[ms[1]], "roll-off", reason="three marks reviewed and confirmed"))
    hall.at(2026, 3, 3, 10, 30)
    ok(act(hall, ms[0], ids[ms[0]], "resign", "dispatcher"))
    hall.at(2026, 3, 3, 11, 0)
    ok(act(hall, ms[6], ids[ms[6]], "re-sign", "member"))
    hall.at(2026, 3, 3, 15, 0)
    live = _snapshot(hall, "WIRE_SEA")
    assert live != saved
    rebuilt = _snapshot(hall, "WIRE_SEA", as_of="2026-03-02T16:00:00")
    assert rebuilt == saved
    assert _snapshot(hall, "WIRE_SEA", as_of="2026-03-03T15:00:00-08:00") == live
    assert _snapshot(hall, "WIRE_SEA", as_of="2026-03-02T13:59:00", tier="1") == [
        r for r in _snapshot(hall, "WIRE_SEA", as_of="2026-03-02T13:59:00") if r[2] == 1]
    refused(hall.get("/books/WIRE_SEA/queue", "staff", query={"as_of": "2026-03-04T10:00:00"}), 400,
            "VALIDATION_ERROR")
    refused(hall.get("/books/WIRE_SEA/queue", "staff", query={"as_of": "yesterday"}), 400, "VALIDATION_ERROR")
