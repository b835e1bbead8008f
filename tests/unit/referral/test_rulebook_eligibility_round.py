"""Eligibility (§5.2), the candidate walk (S3.3) and out-of-order protection (§5.4, R8.7)."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.referral.domain.checkmarks import Outcome
from chalicelib.referral.domain.eligibility import Blackout, RequestFacts, Skip, skip_reason
from chalicelib.referral.domain.queue import queue_order
from chalicelib.referral.domain.registration import Exemption, Refused
from chalicelib.referral.domain.round import select, skip_summary, walk
from chalicelib.referral.domain.rules import BlackoutScope
from rulebook import RULES, facts, local, reg

DAY = date(2026, 3, 3)
AT = local(2026, 3, 3, 8, 30)
REQ = RequestFacts(employer_id="E1", referral_date=DAY)


def _queue(n: int) -> list:  # type: ignore[type-arg]
    return queue_order([reg(i, apn=f"46080.{i:02d}") for i in range(1, n + 1)])


def _walk(q: list, members: dict | None = None, recorded: dict | None = None, bidders=frozenset(), request=REQ):  # type: ignore[no-untyped-def,type-arg]
    facts_by = {r.member_id: facts(int(r.member_id[2:])) for r in q}
    facts_by.update(members or {})
    return walk(q, facts_by, request, recorded or {}, bidders, RULES, AT, DAY)


def test_AS_019_an_exempt_member_keeps_position_1_and_is_skipped() -> None:
    exempt = reg(14, apn="46080.01").model_copy(update={"exemptions": [
        Exemption(id="x", reason="medical", start=date(2026, 3, 1), end=date(2026, 5, 1))]})
    q = queue_order([exempt, reg(15, apn="46080.02")])
    w = _walk(q)
    assert (w.candidates[0].position, w.candidates[0].skip) == (1, Skip.EXEMPT)
    assert w.next_open is not None and w.next_open.member_id == "m-0015"
    assert select(w, q[1].id).out_of_order is False


def test_AS_020_S2_7_an_open_dispatch_elsewhere_skips_the_member() -> None:
    q = _queue(2)
    w = _walk(q, {"m-0001": facts(1, has_open_dispatch=True)})
    assert w.candidates[0].skip is Skip.ALREADY_DISPATCHED and w.candidates[0].outcome is Outcome.SKIPPED


def test_5_2_the_first_failing_condition_names_the_skip() -> None:
    r = reg(1)
    everything = facts(1, member_status="suspended", has_open_dispatch=True)
    assert skip_reason(r, everything, REQ, RULES, AT, DAY) is Skip.MEMBER_NOT_ACTIVE
    suspended = facts(1, bidding_suspended_until=date(2027, 2, 15))
    assert skip_reason(r, suspended, REQ, RULES, AT, DAY) is None  # R8.11: in person is fine
    assert skip_reason(r, suspended, REQ, RULES, AT, DAY, through_bid=True) is Skip.BIDDING_SUSPENDED
    certified = RequestFacts(employer_id="E1", referral_date=DAY, required_certifications=frozenset({"OSHA30"}))
    assert skip_reason(r, facts(1), certified, RULES, AT, DAY) is Skip.REQUIREMENT_NOT_MET
    dues = RULES.model_copy(update={"dispatch_requires_dues_current": True})
    assert skip_reason(r, facts(1, dues_current=False), REQ, dues, AT, DAY) is Skip.DUES_NOT_CURRENT


def test_AS_023_5_4_dispatching_below_open_candidates_is_out_of_order_unless_overridden() -> None:
    q = _queue(6)
    w = _walk(q)
    with pytest.raises(Refused) as err:
        select(w, q[5].id)
    assert err.value.code == "OUT_OF_ORDER"
    with pytest.raises(Refused):
        select(w, q[5].id, override_reason="too short")
    chosen = select(w, q[5].id, override_reason="employer requires bilingual foreperson per MOU")
    assert chosen.out_of_order and chosen.passed_above == ()


def test_S3_3_passing_everyone_above_in_one_action() -> None:
    q = _queue(6)
    chosen = select(_walk(q), q[5].id, pass_above=True)
    assert [c.position for c in chosen.passed_above] == [1, 2, 3, 4, 5] and not chosen.out_of_order


def test_AS_046_a_member_at_the_hall_above_a_bidder_is_dispatched_in_person() -> None:
    q = _queue(5)
    w = _walk(q, recorded={q[0].id: Outcome.PASSED}, bidders=frozenset({"m-0005"}))
    chosen = select(w, q[1].id)
    assert chosen.chosen.member_id == "m-0002" and not chosen.out_of_order


def test_AS_047_R8_7_a_pending_bidder_above_cannot_be_passed_silently() -> None:
    q = _queue(6)
    recorded = {q[0].id: Outcome.PASSED, q[1].id: Outcome.PASSED, q[2].id: Outcome.PASSED}
    w = _walk(q, recorded=recorded, bidders=frozenset({"m-0004"}))
    with pytest.raises(Refused) as err:
        select(w, q[5].id, pass_above=True)
    assert err.value.code == "OUT_OF_ORDER" and "Position 4" in err.value.message


def test_AS_075_R12_3_the_blackout_scope_stored_on_it_decides() -> None:
    by_name_only = Blackout("m-0020", "E1", date(2026, 3, 2), date(2026, 3, 16), BlackoutScope.BY_NAME_ONLY)
    everything = Blackout("m-0020", "E1", date(2026, 3, 2), date(2026, 3, 16), BlackoutScope.ALL_REQUESTS_FROM_EMPLOYER)
    ordinary = RequestFacts(employer_id="E1", referral_date=date(2026, 3, 10))
    by_name = RequestFacts(employer_id="E1", referral_date=date(2026, 3, 13), by_name=True)
    r = reg(20)
    assert skip_reason(r, facts(20, blackouts=(by_name_only,)), ordinary, RULES, AT, DAY) is None
    assert skip_reason(r, facts(20, blackouts=(everything,)), ordinary, RULES, AT, DAY) is Skip.BLACKOUT
    assert skip_reason(r, facts(20, blackouts=(by_name_only,)), by_name, RULES, AT, DAY) is Skip.BLACKOUT


def test_AS_074_R12_2_the_blackout_ends_on_day_15() -> None:
    b = Blackout("m-0020", "E1", date(2026, 3, 2), date(2026, 3, 16), BlackoutScope.BY_NAME_ONLY)
    assert b.active_on(date(2026, 3, 13)) and b.active_on(date(2026, 3, 15)) and not b.active_on(date(2026, 3, 16))


def test_AS_092_the_walk_says_how_many_were_ahead_and_why_without_names() -> None:
    q = _queue(5)
    exempt = q[0].model_copy(update={"exemptions": [Exemption(id="x", reason="medical", start=DAY, end=DAY)]})
    q = [exempt, *q[1:]]
    members = {"m-0002": facts(2, has_open_dispatch=True), "m-0004": facts(4, member_status="inactive")}
    w = _walk(q, members, recorded={q[2].id: Outcome.PASSED})
    assert select(w, q[4].id).chosen.member_id == "m-0005"
    assert skip_summary(w, 5) == {"EXEMPT": 1, "ALREADY_DISPATCHED": 1, "PASSED": 1, "MEMBER_NOT_ACTIVE": 1}
