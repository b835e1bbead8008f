"""A registration's life against the API (referral-rules R7, §3.5.4, S8.3, S8.4, R10.6; scenarios of §12.9):
re-sign, resign, tier change, manual roll-off and check-mark restoration — each a named action on the version the
caller saw, written with its activity and audit entries."""

from __future__ import annotations

from datetime import date

from api_harness import Hall
from factories import audit_actions
from regkit import act, charge_mark, ok, path, people, queue_ids, reg, refused, register, settings_change

from chalicelib.core.api import REGISTRY
from chalicelib.referral import store as repo


def test_AS_079_R7_4_a_web_re_sign_on_the_due_date_late_in_the_evening(hall: Hall) -> None:
    """GIVEN M01 registered Mon 2026-03-02 (due 2026-04-01) WHEN M01 re-signs on the web Wed 2026-04-01 at 22:10
    (already 04-02 in UTC) THEN accepted, due 2026-05-01, a confirmation number, the APN unchanged."""
    [m01] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m01)
    hall.at(2026, 4, 1, 22, 10)
    got = ok(act(hall, m01, r["id"], "re-sign", "member"))
    after = got["registration"]
    assert (after["re_sign_due_date"], after["grace_end_date"], after["apn"]) == (
        "2026-05-01", "2026-05-04", r["apn"])
    assert got["confirmation"]["number"].startswith("RS20260401-")
    assert after["last_re_sign_at"] == "2026-04-02T05:10:00Z"
    entry = repo.book_log(hall.store, "WIRE_SEA")[-1]
    assert (entry.action, entry.channel, entry.processor, entry.confirmation) == (
        "RE_SIGN", "web", "MEMBER VIA WEB", got["confirmation"]["number"])
    assert audit_actions(hall.store, "registration", r["id"])[0] == "UPDATE"


def test_R7_3_grace_is_inclusive_and_then_the_re_sign_is_refused(hall: Hall) -> None:
    """AS-080's re-signs: GIVEN M02 and M03 due 2026-04-01 (grace end Sat 04-04) WHEN M02 re-signs Sat 04-04
    23:59 THEN accepted (due 05-04); WHEN M03 tries at 04-05 00:10 THEN GRACE_EXPIRED. Early re-signs are
    accepted any time; a RESIGNED registration is NOT_REGISTERED."""
    m02, m03 = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    r02, r03 = register(hall, m02)["id"], register(hall, m03)["id"]
    hall.at(2026, 3, 3, 9, 0)
    early = ok(act(hall, m02, r02, "re-sign", "member"))["registration"]
    assert early["re_sign_due_date"] == "2026-04-02"
    hall.at(2026, 4, 4, 23, 59)
    ok(act(hall, m02, r02, "re-sign", "member"))
    hall.at(2026, 4, 5, 0, 10)
    refused(act(hall, m03, r03, "re-sign", "member"), 409, "GRACE_EXPIRED")
    assert reg(hall, m02, r02).re_sign_due_date == date(2026, 5, 4)
    ok(act(hall, m02, r02, "resign", "member"))
    refused(act(hall, m02, r02, "re-sign", "member"), 409, "NOT_REGISTERED")


def test_R7_2_staff_enter_fax_and_counter_re_signs_with_the_received_time(hall: Hall) -> None:
    """A fax received Sat 04-04 23:50 and entered Mon 04-06 is timely (judged on its received time, which is the
    re-sign's instant: due 05-04), while a counter re-sign of another registration on 04-06 is late; staff may
    not enter a 'web' re-sign, a member's is always the web; WHEN the local drops web re-signs THEN the member's
    web re-sign is CHANNEL_NOT_ALLOWED."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    ra, rb = register(hall, a)["id"], register(hall, b, "WIRE_BREM")["id"]
    hall.at(2026, 4, 6, 9, 0)
    got = ok(act(hall, a, ra, "re-sign", "staff", channel="fax", received_at="2026-04-04T23:50:00-07:00"))
    assert got["registration"]["re_sign_due_date"] == "2026-05-04"
    assert repo.book_log(hall.store, "WIRE_SEA")[-1].channel == "fax"
    refused(act(hall, a, ra, "re-sign", "staff", channel="web"), 400, "VALIDATION_ERROR")
    refused(act(hall, a, ra, "re-sign", "staff", channel="fax", received_at="2026-04-07T09:00:00-07:00"), 400,
            "VALIDATION_ERROR")
    refused(act(hall, a, ra, "re-sign", "member", channel="fax"), 400, "VALIDATION_ERROR")
    hall.at(2026, 4, 6, 9, 1)
    ok(act(hall, a, ra, "re-sign", "member"))  # a member's re-sign is always the web
    assert repo.book_log(hall.store, "WIRE_SEA")[-1].channel == "web"
    ok(settings_change(hall, local={"re_sign_channels": ["in_person", "fax", "email"]}))
    refused(act(hall, a, ra, "re-sign", "member"), 409, "CHANNEL_NOT_ALLOWED")
    refused(act(hall, b, rb, "re-sign", "dispatcher", channel="in_person"), 409, "GRACE_EXPIRED")


def test_R7_1_due_and_grace_follow_the_books_settings_in_force(hall: Hall) -> None:
    """R7.1: due = local date of the re-sign + re_sign_days, grace end = due + grace_period_days, calendar days —
    with TECHNICIAN's settings changed to 14 and 2 days, a re-sign on 03-10 is due 03-24, grace to 03-26."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m, "TECHNICIAN")
    hall.at(2026, 3, 9, 9, 0)
    ok(settings_change(hall, books={"TECHNICIAN": {"re_sign_days": 14, "grace_period_days": 2}}))
    hall.at(2026, 3, 10, 23, 30)
    after = ok(act(hall, m, r["id"], "re-sign", "member"))["registration"]
    assert (after["re_sign_due_date"], after["grace_end_date"]) == ("2026-03-24", "2026-03-26")


def test_R7_4_a_re_sign_changes_neither_apn_tier_nor_position_nor_anyone_else(hall: Hall) -> None:
    """The member at position 2 re-signs: APN, tier and position stay; the registrations around are not written."""
    ms = people(hall, 3)
    hall.at(2026, 3, 2, 10, 5)
    ids = [register(hall, m)["id"] for m in ms]
    others = [reg(hall, ms[i], ids[i]).version for i in (0, 2)]
    hall.at(2026, 3, 20, 10, 0)
    ok(act(hall, ms[1], ids[1], "re-sign", "member"))
    assert queue_ids(hall, "WIRE_SEA") == ids
    assert [reg(hall, ms[i], ids[i]).version for i in (0, 2)] == others
    mine = ok(hall.get(f"/members/{ms[1]}/registrations", "member", member_id=ms[1]))["items"][0]
    assert (mine["position"], mine["tier"], mine["apn"]) == (2, 1, "46083.02")


def test_R7_3_a_stale_form_is_a_conflict_not_a_second_re_sign(hall: Hall) -> None:
    """Two re-signs from the same view: the second carries an old version and gets 409 CONCURRENT_UPDATE with the
    registration as it is now; one activity entry."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m)
    hall.at(2026, 3, 20, 10, 0)
    body = {"version": r["version"]}
    ok(hall.post(path(m, r["id"], "re-sign"), "member", body, member_id=m))
    again = refused(hall.post(path(m, r["id"], "re-sign"), "member", body, member_id=m), 409, "CONCURRENT_UPDATE")
    assert again["current"]["version"] == r["version"] + 1
    assert [e.action for e in repo.book_log(hall.store, "WIRE_SEA")].count("RE_SIGN") == 1


def test_8_1_resign_member_or_dispatcher_only_this_book(hall: Hall) -> None:
    """§8.1: a member resigns their own registration on the web; a dispatcher may too; office staff may not
    (403); another member may not (403). RESIGNED is terminal and the member's other books are untouched; a new
    registration later gets a new APN (§4.3.6)."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    sea, brem = register(hall, a)["id"], register(hall, a, "WIRE_BREM")["id"]
    other = register(hall, b, "WIRE_BREM")["id"]
    refused(act(hall, a, sea, "resign", "staff"), 403, "FORBIDDEN")
    refused(hall.post(path(a, sea, "resign"), "member", {"version": 1}, member_id=b), 403, "FORBIDDEN")
    done = ok(act(hall, a, sea, "resign", "member", reason="moving out of state"))["registration"]
    assert (done["status"], done["status_reason"]) == ("RESIGNED", "RESIGNED")
    assert reg(hall, a, brem).status.value == "REGISTERED" and queue_ids(hall, "WIRE_BREM") == [brem, other]
    refused(act(hall, a, sea, "resign", "dispatcher"), 409, "NOT_REGISTERED")
    hall.at(2026, 3, 3, 10, 0)
    again = register(hall, a)
    assert again["apn"] == "46084.01" and again["id"] != sea
    ok(act(hall, b, other, "resign", "dispatcher"))


def test_3_5_4_a_tier_change_closes_the_row_and_opens_its_successor(hall: Hall) -> None:
    """§3.5.4, §3.5: GIVEN M on WIRE SEATTLE tier 2 with a mark and re-sign dates, qualified tier 2 WHEN a dispatcher
    moves it to tier 1 THEN TIER_NOT_QUALIFIED until the qualification says 1; then the old row is CLOSED
    (TIER_CHANGE) and the new one REGISTERED on tier 1 with the same APN (CARRIED), registered_at, re-sign dates,
    marks and restorations, linked both ways; the live key moved (a second registration is ALREADY_REGISTERED);
    position is now among tier 1. Office staff may not (403); the reason is required."""
    first, m = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    top = register(hall, first)["id"]
    r = register(hall, m, tier=2)
    charge_mark(hall, m, r["id"], date(2026, 3, 3))
    hall.at(2026, 3, 4, 10, 0)
    refused(act(hall, m, r["id"], "tier-change", "staff", tier=1, reason="passed the tier 1 exam"), 403,
            "FORBIDDEN")
    refused(act(hall, m, r["id"], "tier-change", tier=1, reason="exam"), 400, "REASON_TOO_SHORT")
    refused(act(hall, m, r["id"], "tier-change", tier=2, reason="passed the tier 1 exam"), 400, "VALIDATION_ERROR")
    refused(act(hall, m, r["id"], "tier-change", tier=1, reason="passed the tier 1 exam"), 409, "TIER_NOT_QUALIFIED")
    q = repo.qualification(hall.store, m, "WIRE_SEA")
    assert q is not None
    ok(hall.put(f"/members/{m}/qualifications/WIRE_SEA", "dispatcher",
                {"tier": 1, "qualified_on": "2026-03-04", "reason": "passed the tier 1 exam", "version": q.version}))
    assert reg(hall, m, r["id"]).tier == 2  # §3.5.4: a new qualification moves no registration by itself
    got = ok(act(hall, m, r["id"], "tier-change", tier=1, reason="passed the tier 1 exam"))
    new, old = got["registration"], got["predecessor"]
    assert (old["status"], old["status_reason"], old["successor_id"]) == ("CLOSED", "TIER_CHANGE", new["id"])
    assert (new["status"], new["tier"], new["apn"], new["apn_source"], new["predecessor_id"]) == (
        "REGISTERED", 1, r["apn"], "CARRIED", r["id"])
    same = ("registered_at", "last_re_sign_at", "re_sign_due_date", "grace_end_date", "counted_restorations")
    assert all(new[k] == r[k] for k in same) and new["check_mark_count"] == 1
    assert queue_ids(hall, "WIRE_SEA") == [top, new["id"]]
    assert hall.store.owner_of(repo.live_registration_key(m, "WIRE_SEA")) == new["id"]
    refused(hall.post(f"/members/{m}/registrations", "dispatcher", {"book_code": "WIRE_SEA", "tier": 1}), 409,
            "ALREADY_REGISTERED")
    log = [(e.registration_id, e.action, e.new_status, e.tier) for e in repo.book_log(hall.store, "WIRE_SEA")][-2:]
    assert sorted(log, key=lambda x: x[0] == new["id"]) == [(r["id"], "TIER_CHANGE", "CLOSED", 2),
                                                           (new["id"], "TIER_CHANGE", "REGISTERED", 1)]
    ok(act(hall, m, new["id"], "resign", "member"))  # the successor holds the key and releases it
    assert hall.store.owner_of(repo.live_registration_key(m, "WIRE_SEA")) is None


def test_S8_3_a_manual_roll_off_needs_a_dispatcher_and_a_reason(hall: Hall) -> None:
    """S8.3 (and AS-022 on the board): a dispatcher rolls position 2 off with a reason of 10+ characters: ROLLED_OFF,
    reason MANUAL, the reason in the activity log; position 3 is shown at 2 and its version is unchanged. A short
    reason is REASON_TOO_SHORT (nothing written); office staff and members get 403."""
    ms = people(hall, 3)
    hall.at(2026, 3, 2, 10, 5)
    ids = [register(hall, m)["id"] for m in ms]
    refused(act(hall, ms[1], ids[1], "roll-off", "staff", reason="asked to be removed today"), 403, "FORBIDDEN")
    refused(act(hall, ms[1], ids[1], "roll-off", "member", reason="asked to be removed today"), 403, "FORBIDDEN")
    refused(act(hall, ms[1], ids[1], "roll-off", reason="removed"), 400, "REASON_TOO_SHORT")
    assert reg(hall, ms[1], ids[1]).version == 1
    hall.at(2026, 3, 2, 10, 6)
    done = ok(act(hall, ms[1], ids[1], "roll-off", reason="working out of jurisdiction, confirmed"))["registration"]
    assert (done["status"], done["status_reason"]) == ("ROLLED_OFF", "MANUAL")
    entry = repo.book_log(hall.store, "WIRE_SEA")[-1]
    assert (entry.action, entry.reason_code, entry.reason) == ("ROLL_OFF", "MANUAL",
                                                               "working out of jurisdiction, confirmed")
    rows = ok(hall.get("/books/WIRE_SEA/queue", "staff"))["items"]
    assert [(x["position"], x["registration_id"], x["version"]) for x in rows] == [(1, ids[0], 1), (2, ids[2], 1)]
    assert audit_actions(hall.store, "registration", ids[1])[0] == "UPDATE"


def test_AS_059_R10_6_a_dispatcher_restores_one_mark_with_a_reason(hall: Hall) -> None:
    """GIVEN M33 with 2 marks WHEN a dispatcher restores one with "hospital record provided" THEN the count is 1,
    the mark RESTORED (who, why), a CHECK_MARK_RESTORED activity is written; "sick" is REASON_TOO_SHORT; a restored
    mark cannot be restored again; staff get 403; a rolled-off registration is corrected by reinstatement."""
    [m33] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m33)["id"]
    first = charge_mark(hall, m33, r, date(2026, 3, 3))
    charge_mark(hall, m33, r, date(2026, 3, 10))
    hall.at(2026, 3, 11, 9, 0)
    mark = f"check-marks/{first.id}/restore"
    refused(act(hall, m33, r, mark, reason="sick"), 400, "REASON_TOO_SHORT")
    refused(act(hall, m33, r, mark, "staff", reason="hospital record provided"), 403, "FORBIDDEN")
    got = ok(act(hall, m33, r, mark, reason="hospital record provided"))
    assert got["registration"]["check_mark_count"] == 1
    assert (got["check_mark"]["status"], got["check_mark"]["restore_reason"], got["check_mark"]["restored_by"]) == (
        "RESTORED", "hospital record provided", "dispatcher-1")
    marks = {x.id: x.status for x in repo.marks_of(hall.store, m33, r)}
    assert list(marks.values()).count("RESTORED") == 1 and len(marks) == 2
    entry = repo.book_log(hall.store, "WIRE_SEA")[-1]
    assert (entry.action, entry.reason) == ("CHECK_MARK_RESTORED", "hospital record provided")
    refused(act(hall, m33, r, mark, reason="hospital record provided"), 409, "MARK_ALREADY_RESTORED")


def test_R10_6_marks_follow_a_tier_change_and_a_rolled_off_row_is_not_restored(hall: Hall) -> None:
    """R10.6 with §3.5.4: a mark charged before a tier change is restored on the successor (the count came along);
    once the registration is rolled off its marks are corrected by reinstatement, not restoration
    (NOT_REGISTERED)."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m, tier=2)["id"]
    mark = charge_mark(hall, m, r, date(2026, 3, 3))
    charge_mark(hall, m, r, date(2026, 3, 4))
    hall.at(2026, 3, 5, 9, 0)
    q = repo.qualification(hall.store, m, "WIRE_SEA")
    assert q is not None
    ok(hall.put(f"/members/{m}/qualifications/WIRE_SEA", "dispatcher",
                {"tier": 1, "qualified_on": "2026-03-05", "reason": "passed the tier 1 exam", "version": q.version}))
    new = ok(act(hall, m, r, "tier-change", tier=1, reason="passed the tier 1 exam"))["registration"]["id"]
    hall.at(2026, 3, 5, 9, 1)
    got = ok(act(hall, m, new, f"check-marks/{mark.id}/restore", reason="request was under scale, no mark due"))
    assert got["registration"]["check_mark_count"] == 1 and got["check_mark"]["registration_id"] == r
    hall.at(2026, 3, 5, 9, 2)
    ok(act(hall, m, new, "roll-off", reason="left the jurisdiction for good"))
    second = next(x for x in repo.marks_of(hall.store, m, r) if x.status == "CHARGED")
    refused(act(hall, m, new, f"check-marks/{second.id}/restore", reason="hospital record provided"), 409,
            "NOT_REGISTERED")


def test_S8_4_no_route_edits_a_registration_directly(hall: Hall) -> None:
    """S8.4: apn, tier, registered_at, counts and status change only through named actions: every route on a
    registration is a POST of an action (or an exemption's own route), none PUT or PATCH the registration, and a
    body naming a protected field is refused naming it."""
    reg_routes = [(m, p) for (m, p) in REGISTRY if p.startswith("/members/{member_id}/registrations/{registration_id}")]
    assert reg_routes, "the registration actions are declared"
    for method, p in reg_routes:
        assert method == "POST" or "/exemptions/" in p, (method, p)
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m)
    for field, value in (("apn", "40000.01"), ("tier", 1), ("status", "REGISTERED"), ("check_mark_count", 0)):
        body = {"version": r["version"], field: value}
        err = refused(hall.post(path(m, r["id"], "re-sign"), "member", body, member_id=m), 400, "VALIDATION_ERROR")
        assert [f["name"] for f in err["fields"]] == [field]
    assert reg(hall, m, r["id"]).apn_text == "46083.01"
