"""Exemptions against the API (referral-rules R14, R7.8; AS-085, AS-086): per book, one action for several books,
Business Manager approval past the limit, ending and revoking with the re-sign date that follows, and R14.6's
under-scale exemptions for the dispatch code to call."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from api_harness import Hall
from factories import audit_actions, ctx_for
from regkit import act, ok, path, people, queue_ids, reg, refused, register, settings_change

from chalicelib.referral import store as repo
from chalicelib.referral.domain.checkmarks import Outcome, Walked, charges
from chalicelib.referral.domain.eligibility import MemberFacts, RequestFacts, Skip, skip_reason
from chalicelib.referral.domain.lifecycle import failed_re_sign_roll_offs
from chalicelib.referral.domain.records import Dispatch, Method
from chalicelib.referral.domain.rules import LocalRules, ResignScope
from chalicelib.referral.service import exemptions


def exempt(hall: Hall, member_id: str, registration_ids: list[str], role: str = "dispatcher", **body: Any):  # type: ignore[no-untyped-def]
    return hall.post(f"/members/{member_id}/exemptions", role,
                     {"registration_ids": registration_ids, "reason": "medical", **body})


def test_R14_1_reasons_and_other_needs_an_officer(hall: Hall) -> None:
    """R14.1: the eight reasons; `other` needs an officer (a dispatcher gets 403); an unknown reason is a 400
    naming the field."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m)["id"]
    refused(exempt(hall, m, [r], reason="vacation"), 400, "VALIDATION_ERROR")
    refused(exempt(hall, m, [r], reason="other"), 403, "FORBIDDEN")
    for role in ("staff", "member"):
        refused(exempt(hall, m, [r], role=role), 403, "FORBIDDEN")
    got = ok(exempt(hall, m, [r], role="officer", reason="other", note="local union business trip"), 201)
    assert [x["exemption"]["reason"] for x in got["items"]] == ["other"]


def test_R14_2_one_action_several_books_each_its_own(hall: Hall) -> None:
    """R14.2: one staff action exempts M06 on WIRE SEATTLE and WIRE BREMERTON — one exemption each, own ids, one
    activity entry each — and TRADESHOW, not named, is untouched."""
    [m06] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    sea, brem, show = (register(hall, m06, b)["id"] for b in ("WIRE_SEA", "WIRE_BREM", "TRADESHOW"))
    hall.at(2026, 3, 3, 9, 0)
    got = ok(exempt(hall, m06, [sea, brem], end="2026-05-31"), 201)["items"]
    assert [x["registration"]["id"] for x in got] == [sea, brem]
    assert len({x["exemption"]["id"] for x in got}) == 2
    assert all((x["exemption"]["start"], x["exemption"]["end"]) == ("2026-03-03", "2026-05-31") for x in got)
    for book in ("WIRE_SEA", "WIRE_BREM"):
        assert [e.action for e in repo.book_log(hall.store, book)] == ["REGISTER", "EXEMPT_START"]
    assert reg(hall, m06, show).exemptions == []


def test_AS_086_exempt_on_wire_seattle_only_is_eligible_and_chargeable_on_tradeshow(hall: Hall) -> None:
    """GIVEN M06 exempt (medical) on WIRE SEATTLE only THEN M06 is skipped EXEMPT there, and on TRADESHOW is still an
    eligible candidate who can be charged a mark."""
    [m06] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    sea, show = register(hall, m06)["id"], register(hall, m06, "TRADESHOW")["id"]
    hall.at(2026, 3, 3, 9, 0)
    ok(exempt(hall, m06, [sea], end="2026-05-31"), 201)
    facts = MemberFacts(member_id=m06, member_status="active", has_open_dispatch=False)
    request = RequestFacts(employer_id="e1", referral_date=date(2026, 3, 4))
    now = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    rules = LocalRules()
    on = {r.book_code: r for r in repo.live_of(hall.store, m06)}
    assert skip_reason(on["WIRE_SEA"], facts, request, rules, now, date(2026, 3, 4)) is Skip.EXEMPT
    assert skip_reason(on["TRADESHOW"], facts, request, rules, now, date(2026, 3, 4)) is None
    walked = [Walked(show, m06, 1, Outcome.PASSED, False)]
    charged = charges(walked, generates_marks=True, by_name=False, emergency=False, emergency_charges=False,
                      unfilled=1, already_charged_today=frozenset())
    assert [c.registration_id for c in charged] == [show]
    rows = ok(hall.get("/books/TRADESHOW/queue", "staff"))["items"]
    assert [(x["registration_id"], x["exempt"]) for x in rows] == [(show, None)]


def test_R14_2_one_refusing_book_stops_the_whole_action(hall: Hall) -> None:
    """Everything is checked first: with one of the named registrations resigned, the action is NOT_REGISTERED and
    no book gets an exemption; an overlapping grant is EXEMPTION_OVERLAPS, not a second exemption."""
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    sea, brem = register(hall, m)["id"], register(hall, m, "WIRE_BREM")["id"]
    ok(act(hall, m, brem, "resign", "dispatcher"))
    refused(exempt(hall, m, [sea, brem]), 409, "NOT_REGISTERED")
    assert reg(hall, m, sea).exemptions == []
    ok(exempt(hall, m, [sea], start="2026-03-02", end="2026-03-31"), 201)
    refused(exempt(hall, m, [sea], reason="jury_duty", start="2026-03-20", end="2026-03-25"), 409,
            "EXEMPTION_OVERLAPS")
    refused(exempt(hall, m, ["01NOSUCHREGISTRATION0000"]), 404, "NOT_FOUND")


def test_AS_085_R14_3_past_180_days_needs_business_manager_approval_which_is_recorded(hall: Hall) -> None:
    """GIVEN an under_scale exemption starting 2026-03-02 THEN its default end is 2026-08-29; an end of 2026-09-30 is
    BM_APPROVAL_REQUIRED for a dispatcher (who may not approve: 403) until an officer approves it, and the approver
    is recorded."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    ra, rb = register(hall, a)["id"], register(hall, b)["id"]
    default = ok(exempt(hall, a, [ra], reason="under_scale"), 201)["items"][0]["exemption"]
    assert (default["start"], default["end"], default["approved_by"]) == ("2026-03-02", "2026-08-29", None)
    refused(exempt(hall, b, [rb], reason="traveling", end="2026-09-30"), 409, "BM_APPROVAL_REQUIRED")
    refused(exempt(hall, b, [rb], reason="traveling", end="2026-09-30", bm_approved=True), 403, "FORBIDDEN")
    approved = ok(exempt(hall, b, [rb], role="officer", reason="traveling", end="2026-09-30", bm_approved=True),
                  201)["items"][0]["exemption"]
    assert approved["approved_by"] == "officer-1"


def test_R14_3_extending_a_time_limited_exemption_needs_approval_a_medical_one_not(hall: Hall) -> None:
    """R14.3: any extension of an `under_scale` or `traveling` exemption needs Business Manager approval
    (BM_APPROVAL_REQUIRED for a dispatcher; an officer approves and is recorded); a medical one is extended by a
    dispatcher; an 'extension' to an earlier end is refused."""
    a, c = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    ra = register(hall, a)["id"]
    ex = ok(exempt(hall, a, [ra], reason="under_scale", end="2026-04-30"), 201)["items"][0]["exemption"]["id"]
    refused(hall.patch(path(a, ra, f"exemptions/{ex}"), "dispatcher",
                       {"version": reg(hall, a, ra).version, "end": "2026-05-15"}), 409, "BM_APPROVAL_REQUIRED")
    longer = ok(hall.patch(path(a, ra, f"exemptions/{ex}"), "officer",
                           {"version": reg(hall, a, ra).version, "end": "2026-05-15", "bm_approved": True}))
    assert longer["exemption"]["end"] == "2026-05-15" and longer["exemption"]["approved_by"] == "officer-1"
    rc = register(hall, c)["id"]
    xc = ok(exempt(hall, c, [rc], end="2026-04-30"), 201)["items"][0]["exemption"]["id"]
    refused(hall.patch(path(c, rc, f"exemptions/{xc}"), "dispatcher",
                       {"version": reg(hall, c, rc).version, "end": "2026-04-01"}), 400, "VALIDATION_ERROR")
    medical = ok(hall.patch(path(c, rc, f"exemptions/{xc}"), "dispatcher",
                            {"version": reg(hall, c, rc).version, "end": "2026-06-30"}))
    assert medical["exemption"]["end"] == "2026-06-30"


def test_R14_4_exempt_keeps_the_place_flagged_skipped_and_never_rolled_off_for_re_sign(hall: Hall) -> None:
    """R14.4: the exempt member keeps position 1 and is flagged on the board; the candidate walk skips them
    (EXEMPT); past their grace end the re-sign roll-off does not select them."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    ra, rb = register(hall, a)["id"], register(hall, b)["id"]
    ok(exempt(hall, a, [ra], end="2026-05-31"), 201)
    hall.at(2026, 4, 10, 9, 0)
    rows = ok(hall.get("/books/WIRE_SEA/queue", "staff"))["items"]
    assert [(x["position"], x["registration_id"], bool(x["exempt"])) for x in rows] == [(1, ra, True), (2, rb, False)]
    run = date(2026, 4, 10)  # both grace ends (04-04) have passed
    selected = failed_re_sign_roll_offs(repo.full_queue(hall.store, "WIRE_SEA"), run, ResignScope.BOOK)
    assert [r.id for r, _ in selected] == [rb]


def test_R14_5_R7_8_ending_or_revoking_moves_the_re_sign_date_past_it(hall: Hall) -> None:
    """R14.5: staff end an exemption at the member's request (ENDED, last exempt day yesterday) or revoke it with a
    reason (REVOKED); R7.8: re-sign due = first free day + 7 unless the due date is later, grace after it. Ending
    it again is EXEMPTION_NOT_ACTIVE; a revocation needs a reason of 10+ characters."""
    a, b = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    ra, rb = register(hall, a)["id"], register(hall, b)["id"]  # due 2026-04-01
    hall.at(2026, 3, 20, 9, 0)
    xa = ok(exempt(hall, a, [ra], end="2026-05-31"), 201)["items"][0]["exemption"]["id"]
    xb = ok(exempt(hall, b, [rb], end="2026-05-31"), 201)["items"][0]["exemption"]["id"]
    hall.at(2026, 4, 20, 8, 0)
    done = ok(act(hall, a, ra, f"exemptions/{xa}/end", reason="back from surgery, cleared to work"))
    assert (done["exemption"]["status"], done["exemption"]["end"]) == ("ENDED", "2026-04-19")
    assert (done["registration"]["re_sign_due_date"], done["registration"]["grace_end_date"]) == ("2026-04-27",
                                                                                                  "2026-04-30")
    refused(act(hall, a, ra, f"exemptions/{xa}/end"), 409, "EXEMPTION_NOT_ACTIVE")
    refused(act(hall, b, rb, f"exemptions/{xb}/revoke", reason="working"), 400, "REASON_TOO_SHORT")
    gone = ok(act(hall, b, rb, f"exemptions/{xb}/revoke", reason="seen working non-union on a jobsite"))
    assert gone["exemption"]["status"] == "REVOKED" and gone["registration"]["re_sign_due_date"] == "2026-04-27"
    assert [x.reason_code for x in repo.book_log(hall.store, "WIRE_SEA") if x.action == "EXEMPT_END"] in (
        ["ENDED", "REVOKED"], ["REVOKED", "ENDED"])


def test_R7_8_a_later_due_date_stays_and_an_exemption_that_never_started_moves_nothing(hall: Hall) -> None:
    """R7.8: ending an exemption sets due = first free day + 7 *unless the existing due date is later*: a member who
    re-signed on 04-02 (due 05-02) keeps 05-02 when their exemption ends on 04-20; revoking an exemption before its
    start leaves the due date as it was."""
    a, b, c = people(hall, 3)
    hall.at(2026, 3, 2, 10, 5)
    ra, rb, rc = register(hall, a)["id"], register(hall, b)["id"], register(hall, c)["id"]
    hall.at(2026, 3, 20, 9, 0)
    xa = ok(exempt(hall, a, [ra], end="2026-05-31"), 201)["items"][0]["exemption"]["id"]
    xb = ok(exempt(hall, b, [rb], start="2026-06-01", end="2026-06-30"), 201)["items"][0]["exemption"]["id"]
    xc = ok(exempt(hall, c, [rc], end="2026-04-25"), 201)["items"][0]["exemption"]["id"]
    ok(exempt(hall, c, [rc], reason="jury_duty", start="2026-04-26", end="2026-05-05"), 201)  # a later one
    hall.at(2026, 4, 2, 9, 0)
    ok(act(hall, a, ra, "re-sign", "member"))
    hall.at(2026, 4, 20, 9, 0)
    assert ok(act(hall, a, ra, f"exemptions/{xa}/end"))["registration"]["re_sign_due_date"] == "2026-05-02"
    gone = ok(act(hall, b, rb, f"exemptions/{xb}/revoke", reason="no longer needed, plans changed"))
    assert (gone["exemption"]["end"], gone["registration"]["re_sign_due_date"]) == ("2026-06-30", "2026-04-01")
    ended = ok(act(hall, c, rc, f"exemptions/{xc}/end"))["registration"]
    assert ended["re_sign_due_date"] == "2026-04-27"  # free from today, 04-20, + 7 (jury duty starts 04-26)


def test_R14_7_creating_extending_ending_and_revoking_each_write_activity_and_audit(hall: Hall) -> None:
    [m] = people(hall, 1)
    hall.at(2026, 3, 2, 10, 5)
    r = register(hall, m)["id"]
    hall.at(2026, 3, 3, 9, 0)
    x = ok(exempt(hall, m, [r], end="2026-04-30"), 201)["items"][0]["exemption"]["id"]
    hall.at(2026, 3, 4, 9, 0)
    ok(hall.patch(path(m, r, f"exemptions/{x}"), "dispatcher", {"version": reg(hall, m, r).version,
                                                                 "end": "2026-05-15"}))
    hall.at(2026, 3, 5, 9, 0)
    ok(act(hall, m, r, f"exemptions/{x}/revoke", reason="member asked in writing to drop it"))
    hall.at(2026, 3, 6, 9, 0)
    y = ok(exempt(hall, m, [r], reason="jury_duty", end="2026-03-20"), 201)["items"][0]["exemption"]["id"]
    hall.at(2026, 3, 9, 9, 0)
    ok(act(hall, m, r, f"exemptions/{y}/end"))
    actions = [e.action for e in repo.book_log(hall.store, "WIRE_SEA") if e.registration_id == r]
    assert actions == ["REGISTER", "EXEMPT_START", "EXEMPT_EXTEND", "EXEMPT_END", "EXEMPT_START", "EXEMPT_END"]
    assert audit_actions(hall.store, "registration", r).count("UPDATE") == 5
    assert all(e.rule_set_version for e in repo.book_log(hall.store, "WIRE_SEA"))


def _dispatch(member_id: str, registration_id: str, *, under_scale: bool) -> Dispatch:
    now = datetime(2026, 3, 3, 16, 40, tzinfo=UTC)
    return Dispatch(id="dsp-1", number="DSP20260303-0001", request_id="req-1", request_number="REQ20260302-0001",
                    registration_id=registration_id, member_id=member_id, employer_id="e3",
                    employer_name="E3 MARKET RECOVERY", book_code="WIRE_SEA", tier=1, apn="46083.01",
                    queue_position=1, method=Method.MORNING_REFERRAL, referral_date=date(2026, 3, 3),
                    start_date=date(2026, 3, 4), agreement_type="STANDARD", under_scale=under_scale,
                    decision_id="d-1", employment_id="j-1", dispatched_at=now, dispatched_by="disp-1",
                    rule_set_version="rules-1", created_at=now.isoformat(), updated_at=now.isoformat())


def test_R14_6_an_under_scale_dispatch_exempts_the_members_other_books(hall: Hall) -> None:
    """R14.6 (AS-070's first half): M40 on the three WIRE books is dispatched from WIRE SEATTLE to an under-scale
    request: `under_scale` exemptions start on Bremerton and Port Angeles on the referral date and end at the
    180-day limit; WIRE SEATTLE (the dispatching row) gets none; running it again adds nothing; a dispatch that is
    not under-scale, or `under_scale_auto_exempt` off, exempts nothing."""
    m40, other = people(hall, 2)
    hall.at(2026, 3, 2, 10, 5)
    sea, brem, pa = (register(hall, m40, b)["id"] for b in ("WIRE_SEA", "WIRE_BREM", "WIRE_PA"))
    o = register(hall, other, "WIRE_BREM")["id"]
    hall.at(2026, 3, 3, 8, 40)
    ctx = ctx_for(hall.store, "dispatcher", user_id="disp-1")
    assert exemptions.exempt_other_books_for_under_scale(ctx, _dispatch(m40, sea, under_scale=False)) == []
    done = exemptions.exempt_other_books_for_under_scale(ctx, _dispatch(m40, sea, under_scale=True))
    assert sorted(done) == sorted([brem, pa])
    for rid in (brem, pa):
        [ex] = reg(hall, m40, rid).exemptions
        assert (ex.reason, ex.start, ex.end, ex.dispatch_id) == ("under_scale", date(2026, 3, 3), date(2026, 8, 30),
                                                                  "dsp-1")
    assert reg(hall, m40, sea).exemptions == [] and reg(hall, other, o).exemptions == []
    assert exemptions.exempt_other_books_for_under_scale(ctx, _dispatch(m40, sea, under_scale=True)) == []
    assert [len(reg(hall, m40, rid).exemptions) for rid in (brem, pa)] == [1, 1]
    hall.at(2026, 3, 3, 9, 0)
    ok(settings_change(hall, local={"under_scale_auto_exempt": False}))
    third = register(hall, m40, "TECHNICIAN")["id"]
    assert exemptions.exempt_other_books_for_under_scale(ctx, _dispatch(m40, sea, under_scale=True)) == []
    assert reg(hall, m40, third).exemptions == [] and queue_ids(hall, "TECHNICIAN") == [third]
