"""Rule-set versions against the API (referral-rules S9, Appendix A, R2.2; AS-031): officers change local and
per-book settings from an effective instant (future-dated allowed, audited, append-only); every activity entry and
decision records the version in force; a change is previewed before it takes effect — the book's queue and each
member's treatment under the proposal beside the current settings, and the last 30 days' what-if."""

from __future__ import annotations

from datetime import date

from api_harness import Hall
from factories import audit_actions, ctx_for
from regkit import act, charge_mark, employer, ok, people, refused, register, settings_change

from chalicelib.members import service as members
from chalicelib.members.domain import StatusAction
from chalicelib.referral import store as repo
from chalicelib.referral.domain.registration import Action
from chalicelib.referral.service import changes, context


def test_S9_a_future_dated_change_takes_effect_then_and_every_entry_records_its_version(hall: Hall) -> None:
    """GIVEN an officer's change on 03-02 effective 2026-04-01 (TECHNICIAN re-sign every 45 days) THEN GET /settings
    shows rules-1 in force and rules-2 scheduled; the change is audited with old and new values. Activity entries and
    dispatch decisions before 04-01 record rules-1; from 04-01 they record rules-2 and a re-sign uses 45 days.
    Dispatchers read the settings but may not change them; office staff may not read them."""
    a, b = people(hall, 2)
    e1 = employer(hall)
    hall.at(2026, 3, 2, 10, 0)
    ra = register(hall, a, "TECHNICIAN")["id"]
    changed = ok(settings_change(hall, effective_from="2026-04-01T00:00:00-07:00",
                                 books={"TECHNICIAN": {"re_sign_days": 45}}))
    assert (changed["version"], changed["effective_from"], changed["created_by"]) == (
        "rules-2", "2026-04-01T00:00:00-07:00", "officer-1")
    view = ok(hall.get("/settings", "dispatcher"))
    assert view["current"]["version"] == "rules-1" and [v["version"] for v in view["scheduled"]] == ["rules-2"]
    assert next(x for x in view["books"] if x["code"] == "TECHNICIAN")["re_sign_days"] == 30
    refused(settings_change(hall, role="dispatcher", local={"sheet_alternates": 6}), 403, "FORBIDDEN")
    refused(hall.get("/settings", "staff"), 403, "FORBIDDEN")
    assert audit_actions(hall.store, "rule_set", "rules-2") == ["CREATE"]
    hall.at(2026, 3, 2, 11, 0)
    q = ok(hall.post("/labor-requests", "dispatcher", {
        "employer_id": e1, "book_code": "TECHNICIAN", "requested_start_date": "2026-03-03", "job_class": "TECH",
        "wage_rate": "55.00"}), 201)
    hall.at(2026, 3, 31, 9, 0)
    ok(act(hall, a, ra, "re-sign", "member"))
    hall.at(2026, 4, 1, 9, 0)
    assert ok(hall.get("/settings", "dispatcher"))["current"]["version"] == "rules-2"
    after = ok(act(hall, a, ra, "re-sign", "member"))["registration"]
    assert after["re_sign_due_date"] == "2026-05-16"
    hall.at(2026, 4, 1, 9, 5)
    rb = register(hall, b, "TECHNICIAN")["id"]
    versions = [(e.action, e.occurred_at.date().isoformat(), e.rule_set_version)
                for e in repo.book_log(hall.store, "TECHNICIAN")]
    assert versions == [("REGISTER", "2026-03-02", "rules-1"), ("RE_SIGN", "2026-03-31", "rules-1"),
                        ("RE_SIGN", "2026-04-01", "rules-2"), ("REGISTER", "2026-04-01", "rules-2")]
    assert q["rule_set_version"] == "rules-1"
    hall.at(2026, 4, 1, 9, 30)
    ok(hall.post("/rounds/TECHNICIAN/2026-04-01/open", "dispatcher"))
    q2 = ok(hall.post("/labor-requests", "dispatcher", {
        "employer_id": e1, "book_code": "TECHNICIAN", "requested_start_date": "2026-04-01", "job_class": "TECH",
        "wage_rate": "55.00", "emergency": True}), 201)
    made = ok(hall.post(f"/rounds/TECHNICIAN/2026-04-01/requests/{q2['id']}/dispatch", "dispatcher",
                        {"registration_id": ra}), 201)
    assert made["decision"]["rule_set_version"] == "rules-2" and made["dispatch"]["rule_set_version"] == "rules-2"
    assert rb


def test_S9_settings_that_cannot_work_are_refused_naming_each_field(hall: Hall) -> None:
    """Validation is the rule set's own (pydantic): each wrong value is a 400 naming its path; nothing is stored."""
    hall.at(2026, 3, 2, 10, 0)
    err = refused(settings_change(
        hall,
        local={"re_sign_channels": ["web", "pigeon"], "time_zone": "Mars/Olympus", "sheet_alternates": -1,
               "no_such_setting": 1},
        books={"WIRE_SEA": {"re_sign_days": 0, "referral_start_time": "8:30"}, "NOPE": {"re_sign_days": 30},
               "TRADESHOW": {"colour": "red"}},
        packs={"PLA": {"time_zone": "UTC"}, "XYZ": {}, "CWA": {"blackout_days": -2}},
    ), 400, "VALIDATION_ERROR")
    names = sorted(f["name"] for f in err["fields"])
    assert names == sorted([
        "local.no_such_setting", "local.re_sign_channels", "local.time_zone", "local.sheet_alternates",
        "books.WIRE_SEA.re_sign_days", "books.WIRE_SEA.referral_start_time", "books.NOPE",
        "books.TRADESHOW.colour", "packs.PLA.time_zone", "packs.XYZ", "packs.CWA.blackout_days"])
    refused(settings_change(hall, effective_from="2026-03-01T00:00:00-08:00", local={"sheet_alternates": 6}), 400,
            "VALIDATION_ERROR")
    refused(settings_change(hall, local={"sheet_alternates": 5}), 400, "VALIDATION_ERROR")  # no change at all
    refused(hall.put("/settings", "officer", {"local": {"sheet_alternates": 6}}), 400, "VALIDATION_ERROR")  # reason
    assert repo.rule_sets(hall.store) == []


def test_S9_versions_are_append_only_and_each_is_complete(hall: Hall) -> None:
    """With rules-2 scheduled for 04-01, a change effective 03-15 is 409 LATER_VERSION_SCHEDULED (it would be lost
    on 04-01); one effective 04-02 becomes rules-3 and keeps rules-2's change; packs carry their own version."""
    hall.at(2026, 3, 2, 10, 0)
    ok(settings_change(hall, effective_from="2026-04-01T00:00:00", local={"blackout_days": 21}))
    refused(settings_change(hall, effective_from="2026-03-15T00:00:00", local={"sheet_alternates": 7}), 409,
            "LATER_VERSION_SCHEDULED")
    third = ok(settings_change(hall, effective_from="2026-04-02T00:00:00", local={"sheet_alternates": 7},
                               packs={"PLA": {"blackout_days": 30}}))
    assert (third["version"], third["local"]["blackout_days"], third["local"]["sheet_alternates"]) == (
        "rules-3", 21, 7)
    assert third["packs"] == [{"agreement_type": "PLA", "overrides": {"blackout_days": 30}, "version": "PLA-rules-3"}]
    stored = {v.version: v for v in repo.rule_sets(hall.store)}
    assert sorted(stored) == ["rules-1", "rules-2", "rules-3"] and stored["rules-1"].effective_from is None
    rules = context.rules_at(hall.store, stored["rules-3"].effective_from)  # type: ignore[arg-type]
    assert rules.for_agreement(rules.packs[0].agreement_type).blackout_days == 30


def test_AS_031_R2_2_a_moved_slot_applies_from_its_effective_date(hall: Hall) -> None:
    """GIVEN the local moves TRADESHOW to 09:00 effective 2026-04-01 THEN the books of 04-01 list TRADESHOW at 09:00,
    still after LT FXT MAINT, and its round opens at 09:00 that day; the books of 03-31 (a reprint) still show 09:30
    and a 09:00 opening on 03-31 is ROUND_TOO_EARLY."""
    hall.at(2026, 3, 20, 10, 0)
    ok(settings_change(hall, effective_from="2026-04-01T00:00:00",
                       books={"TRADESHOW": {"referral_start_time": "09:00"}}))
    on_first = ok(hall.get("/books", "dispatcher", query={"on": "2026-04-01"}))["items"]
    on_eve = ok(hall.get("/books", "dispatcher", query={"on": "2026-03-31"}))["items"]
    slot = {b["code"]: b["referral_start_time"] for b in on_first}
    assert slot["TRADESHOW"] == "09:00"
    assert {b["code"]: b["referral_start_time"] for b in on_eve}["TRADESHOW"] == "09:30"
    codes = [b["code"] for b in on_first]
    assert codes.index("LT_FXT_MAINT") + 1 == codes.index("TRADESHOW")
    hall.at(2026, 3, 31, 9, 0)
    refused(hall.post("/rounds/TRADESHOW/2026-03-31/open", "dispatcher"), 409, "ROUND_TOO_EARLY")
    hall.at(2026, 4, 1, 9, 0)
    assert ok(hall.post("/rounds/TRADESHOW/2026-04-01/open", "dispatcher"))["status"] == "IN_PROGRESS"


def test_S9_preview_shows_the_queue_and_each_members_treatment_beside_the_current(hall: Hall) -> None:
    """GIVEN WIRE SEATTLE with a suspended member, a member at 2 marks and others WHEN an officer previews statuses
    active+suspended, a mark limit of 3 and 45-day re-signs THEN each row shows position, the current and proposed
    treatment and what differs — the suspended member becomes ELIGIBLE, the 2-mark member no longer rolls off at the
    next mark, everyone's re-sign due moves — and nothing is written (no version, the settings unchanged).
    Dispatchers may not preview."""
    ms = people(hall, 4)
    hall.at(2026, 3, 2, 10, 0)
    ids = [register(hall, m)["id"] for m in ms]
    charge_mark(hall, ms[2], ids[2], date(2026, 3, 3))
    charge_mark(hall, ms[2], ids[2], date(2026, 3, 4))
    officer = ctx_for(hall.store, "officer")
    members.change_status(officer, ms[1], StatusAction.SUSPEND, "suspended by the board", 1)
    hall.at(2026, 3, 5, 9, 0)
    body = {"book_code": "WIRE_SEA", "effective_from": "2026-03-10T00:00:00",
            "local": {"referral_member_statuses": ["active", "suspended"]},
            "books": {"WIRE_SEA": {"max_check_marks": 3, "re_sign_days": 45}}}
    refused(hall.post("/settings/preview", "dispatcher", body), 403, "FORBIDDEN")
    got = ok(hall.post("/settings/preview", "officer", body))
    assert (got["current_version"], got["proposed"]["version"]) == ("rules-1", "rules-2")
    assert got["book_changes"] == [{"book_code": "WIRE_SEA", "changes": {
        "max_check_marks": {"current": 2, "proposed": 3}, "re_sign_days": {"current": 30, "proposed": 45}}}]
    assert got["local_changes"] == {"referral_member_statuses": {"current": ["active"],
                                                                 "proposed": ["active", "suspended"]}}
    rows = got["queue"]
    assert [r["position"] for r in rows] == [1, 2, 3, 4] and [r["registration_id"] for r in rows] == ids
    assert (rows[1]["current"]["candidate"], rows[1]["proposed"]["candidate"]) == ("MEMBER_NOT_ACTIVE", "ELIGIBLE")
    assert (rows[2]["current"]["next_mark_rolls_off"], rows[2]["proposed"]["next_mark_rolls_off"]) == (True, False)
    assert (rows[0]["current"]["due_if_re_signed"], rows[0]["proposed"]["due_if_re_signed"]) == (
        "2026-04-09", "2026-04-24")
    assert rows[3]["differs"] == ["due_if_re_signed", "grace_if_re_signed"]
    assert got["summary"]["treated_differently"] == 4 and got["summary"]["by_aspect"]["candidate"] == 1
    assert repo.rule_sets(hall.store) == [] and ok(hall.get("/settings", "officer"))["scheduled"] == []


def test_S9_what_if_the_last_30_days_under_the_proposal(hall: Hall) -> None:
    """S9 (SHOULD): the preview lists the book's requests of the last 30 days whose check-mark generation flips
    (a 12-day job becomes a short call at 12) and the re-sign roll-offs that a longer grace would have avoided."""
    a, b = people(hall, 2)
    e1 = employer(hall)
    hall.at(2026, 3, 2, 10, 0)
    ra = register(hall, a, "TECHNICIAN")["id"]
    register(hall, b, "TECHNICIAN")
    hall.at(2026, 3, 10, 10, 0)
    long_job = ok(hall.post("/labor-requests", "dispatcher", {
        "employer_id": e1, "book_code": "TECHNICIAN", "requested_start_date": "2026-03-11", "job_class": "TECH",
        "wage_rate": "55.00", "estimated_duration_working_days": 12}), 201)
    ok(hall.post("/labor-requests", "dispatcher", {
        "employer_id": e1, "book_code": "TECHNICIAN", "requested_start_date": "2026-03-11", "job_class": "TECH",
        "wage_rate": "55.00", "estimated_duration_working_days": 20}), 201)
    hall.at(2026, 3, 1, 10, 0)
    ok(hall.post("/labor-requests", "dispatcher", {  # referred 03-03: more than 30 days before the preview
        "employer_id": e1, "book_code": "TECHNICIAN", "requested_start_date": "2026-03-03", "job_class": "TECH",
        "wage_rate": "55.00", "estimated_duration_working_days": 12}), 201)
    hall.at(2026, 4, 5, 0, 30)  # the nightly run of 04-05 rolls A off (grace ended 04-04), as duty N3 does
    nightly = ctx_for(hall.store, "system", user_id="SYSTEM")
    before = next(r for r in repo.live_of(hall.store, a))
    batch = hall.store.batch()
    changes.stage_transition(nightly, batch, context.rules_at(hall.store, nightly.now()), before, Action.ROLL_OFF,
                             reason_code="FAILED_RE_SIGN")
    batch.commit()
    hall.at(2026, 4, 6, 9, 0)
    got = ok(hall.post("/settings/preview", "officer", {
        "book_code": "TECHNICIAN", "local": {"short_call_max_working_days": 12},
        "books": {"TECHNICIAN": {"grace_period_days": 5}}}))
    what = got["what_if"]
    assert [(r["request_id"], r["generates_check_mark"]) for r in what["requests"]] == [
        (long_job["id"], {"current": True, "proposed": False})]
    assert [(x["registration_id"], x["reason"], x["proposed_grace_end"]) for x in what["roll_offs_avoided"]] == [
        (ra, "FAILED_RE_SIGN", "2026-04-06")]
    shorter = ok(hall.post("/settings/preview", "officer", {"book_code": "TECHNICIAN",
                                                            "books": {"TECHNICIAN": {"grace_period_days": 2}}}))
    assert shorter["what_if"]["roll_offs_avoided"] == [] and shorter["what_if"]["requests"] == []


def test_R2_2_the_morning_order_changes_from_its_effective_date_and_earlier_days_keep_theirs(hall: Hall) -> None:
    """R2.2: `morning_sort_order` is a per-book setting with an effective date — TRADESHOW moved to 65 from 04-01
    prints between STOCKMAN (60) and LT FXT MAINT (70) on the books of 04-01 and after it on those of 03-31; the
    settings view of each day shows the slot and order then in force."""
    hall.at(2026, 3, 20, 10, 0)
    ok(settings_change(hall, effective_from="2026-04-01T00:00:00", books={"TRADESHOW": {"morning_sort_order": 65}}))

    def order(day: str) -> list[str]:
        return [b["code"] for b in ok(hall.get("/books", "staff", query={"on": day}))["items"]]

    assert order("2026-04-01")[4:8] == ["MARINE", "STOCKMAN", "TRADESHOW", "LT_FXT_MAINT"]
    assert order("2026-03-31")[4:8] == ["MARINE", "STOCKMAN", "LT_FXT_MAINT", "TRADESHOW"]
    hall.at(2026, 4, 1, 6, 0)
    books = {b["code"]: b for b in ok(hall.get("/settings", "officer"))["books"]}
    assert books["TRADESHOW"]["morning_sort_order"] == 65 and books["STOCKMAN"]["morning_sort_order"] == 60
