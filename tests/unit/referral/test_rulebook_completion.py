"""Round completion as pure rules (referral-rules S3.6, S4, R10) and the labor-request state machine (§8.2, S1):
who is charged, when a round may complete, and every status × action of a request."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.referral.domain.checkmarks import DISPATCHED, Outcome, Walked
from chalicelib.referral.domain.completion import (
    Dispatched,
    RequestWalk,
    apply_mark,
    decision_rows,
    fully_walked,
    kept_outcomes,
    plan_request,
    plan_round,
    walked_for_marks,
)
from chalicelib.referral.domain.eligibility import RequestFacts
from chalicelib.referral.domain.queue import queue_order
from chalicelib.referral.domain.registration import Exemption, Refused
from chalicelib.referral.domain.requests import (
    REQUEST_TRANSITIONS,
    RequestAction,
    RequestStatus,
    edit_problem,
    request_next_status,
)
from chalicelib.referral.domain.round import walk
from rulebook import RULES, facts, local, reg

DAY = date(2026, 3, 3)
AT = local(2026, 3, 3, 9, 0)
REQ = RequestFacts(employer_id="E1", referral_date=DAY)


def _queue(tiers: list[int]) -> list:  # type: ignore[type-arg]
    return queue_order([reg(n, tier=t, apn=f"46080.{n:02d}") for n, t in enumerate(tiers, start=1)])


def _walk(q: list, recorded: dict | None = None, members: dict | None = None, bidders=frozenset()):  # type: ignore[no-untyped-def,type-arg]
    by = {r.member_id: facts(int(r.member_id[2:])) for r in q}
    by.update(members or {})
    return walk(q, by, REQ, recorded or {}, bidders, RULES, AT, DAY)


def _rw(walked: list[Walked], unfilled: int, **kw: object) -> RequestWalk:
    base: dict[str, object] = {"request_id": "q1", "generates_marks": True, "by_name": False, "emergency": False,
                               "unfilled": unfilled, "walked": tuple(walked)}
    base.update(kw)
    return RequestWalk(**base)  # type: ignore[arg-type]


# -- S3.6 ------------------------------------------------------------------------------------------------


def test_S3_6_a_round_waits_for_every_open_candidate_of_an_unfilled_request() -> None:
    q = _queue([1, 1, 1])
    assert not fully_walked(_walk(q), positions_remaining=1)
    w = _walk(q, {q[0].id: Outcome.PASSED, q[1].id: Outcome.PASSED})
    assert not fully_walked(w, 1) and w.next_open is not None and w.next_open.position == 3
    assert fully_walked(_walk(q, {r.id: Outcome.PASSED for r in q}), 1)
    assert fully_walked(_walk(q), positions_remaining=0)  # filled: nobody below needs an outcome


def test_S3_6_skipped_candidates_need_no_outcome_but_a_pending_bidder_does() -> None:
    q = _queue([1, 1])
    w = _walk(q, {q[1].id: Outcome.PASSED}, members={"m-0001": facts(1, has_open_dispatch=True)})
    assert fully_walked(w, 1)
    bidder = _walk(q, {q[0].id: Outcome.PASSED}, bidders=frozenset({"m-0002"}))
    assert not fully_walked(bidder, 1)


# -- S4 --------------------------------------------------------------------------------------------------


def test_S4_1_requests_that_generate_no_marks_by_name_and_emergencies_charge_nobody() -> None:
    walked = [Walked("r1", "m1", 1, Outcome.PASSED), Walked("r2", "m2", 2, Outcome.DISPATCHED_IN_PERSON)]
    for kw in ({"generates_marks": False}, {"by_name": True}, {"emergency": True}):
        assert plan_request(_rw(walked, 0, **kw), emergency_charges=False, already_charged_today=frozenset()
                            ).charges == ()
    assert plan_request(_rw(walked, 0, emergency=True), emergency_charges=True,
                        already_charged_today=frozenset()).charged == ["r1"]


def test_S4_2_only_eligible_passers_are_in_W() -> None:
    q = _queue([1, 1, 1, 1, 1])
    recorded = {q[0].id: Outcome.PASSED, q[1].id: Outcome.EMPLOYER_REJECTED, q[2].id: Outcome.PASSED,
                q[3].id: Outcome.PASSED}
    # position 3 bid on the request; position 4 passed but is exempt now; position 5 was never walked.
    exempt = q[3].model_copy(update={"exemptions": [Exemption(id="x", reason="medical", start=DAY, end=DAY)]})
    w = _walk([*q[:3], exempt, q[4]], recorded)
    walked = walked_for_marks(w, [Dispatched("r-x", "m-x", 2, Outcome.DISPATCHED_IN_PERSON)],
                              bidders=frozenset({"m-0003"}))
    plan = plan_request(_rw(walked, 0), emergency_charges=False, already_charged_today=frozenset())
    assert plan.charged == [q[0].id] and plan.t_star == 2


def test_S4_3_unfilled_positions_charge_every_passer_of_every_tier() -> None:
    walked = [Walked("a", "ma", 1, Outcome.PASSED), Walked("b", "mb", 3, Outcome.PASSED),
              Walked("c", "mc", 2, Outcome.DISPATCHED_IN_PERSON)]
    assert plan_request(_rw(walked, 1), emergency_charges=False, already_charged_today=frozenset()
                        ).charged == ["a", "b"]


def test_S4_4_a_filled_request_charges_only_tiers_above_the_lowest_dispatched() -> None:
    walked = [Walked("a", "ma", 1, Outcome.PASSED), Walked("b", "mb", 2, Outcome.PASSED),
              Walked("c", "mc", 3, Outcome.DISPATCHED_BID, True), Walked("d", "md", 3, Outcome.PASSED)]
    plan = plan_request(_rw(walked, 0), emergency_charges=False, already_charged_today=frozenset())
    assert plan.charged == ["a", "b"] and plan.t_star == 3
    tier1 = [Walked("a", "ma", 1, Outcome.PASSED), Walked("c", "mc", 1, Outcome.DISPATCHED_IN_PERSON)]
    assert plan_request(_rw(tier1, 0), emergency_charges=False, already_charged_today=frozenset()).charges == ()


def test_S4_5_R10_3_a_second_charge_the_same_day_is_suppressed() -> None:
    walked = [Walked("a", "ma", 1, Outcome.PASSED), Walked("c", "mc", 2, Outcome.DISPATCHED_IN_PERSON)]
    first, second = plan_round([_rw(walked, 0), _rw(walked, 0, request_id="q2")], emergency_charges=False,
                               already_charged_today=frozenset())
    assert first.charged == ["a"] and second.suppressed == ["a"] and second.charged == []


def test_S4_6_R10_4_the_charge_past_the_maximum_rolls_off() -> None:
    assert apply_mark(0, 2) == apply_mark(0, 2) and (apply_mark(0, 2).count, apply_mark(0, 2).rolls_off) == (1, False)
    assert (apply_mark(2, 2).count, apply_mark(2, 2).rolls_off) == (3, True)
    assert apply_mark(2, 3).rolls_off is False


def test_S3_5_passes_are_archived_at_completion_dispatches_and_rejections_are_kept() -> None:
    kept = kept_outcomes({"a": "PASSED", "b": "DISPATCHED_IN_PERSON", "c": "EMPLOYER_REJECTED",
                          "d": "PASSED_NO_BID", "e": "DISPATCHED_BY_NAME"})
    assert kept == {"b": "DISPATCHED_IN_PERSON", "c": "EMPLOYER_REJECTED", "e": "DISPATCHED_BY_NAME"}


def test_10_3_a_filled_requests_record_lists_pending_bidders_below_as_not_reached() -> None:
    q = _queue([1, 1, 1, 1])
    w = _walk(q, {q[0].id: Outcome.PASSED}, bidders=frozenset({"m-0004"}))
    rows = decision_rows(w, filled=True, bidders=frozenset({"m-0004"}))
    assert [(r.position, r.outcome) for r in rows] == [(1, "PASSED"), (4, "NOT_REACHED")]
    unfilled = decision_rows(_walk(q, {r.id: Outcome.PASSED for r in q}), filled=False, bidders=frozenset())
    assert [r.position for r in unfilled] == [1, 2, 3, 4]


# -- the invariants over random rounds (hypothesis) ---------------------------------------------------------

_OUTCOMES = st.sampled_from([Outcome.PASSED, Outcome.PASSED, Outcome.EMPLOYER_REJECTED, Outcome.SKIPPED,
                             Outcome.DISPATCHED_IN_PERSON, Outcome.DISPATCHED_BID])


@st.composite
def _rounds(draw: st.DrawFn) -> tuple[list[RequestWalk], dict[str, int], frozenset[str]]:
    n_regs = draw(st.integers(1, 12))
    tiers = {f"r{n}": draw(st.integers(1, 4)) for n in range(n_regs)}
    requests = []
    for i in range(draw(st.integers(1, 4))):
        picked = draw(st.lists(st.sampled_from(sorted(tiers)), unique=True, max_size=n_regs))
        walked = tuple(Walked(r, f"m-{r}", tiers[r], draw(_OUTCOMES), draw(st.booleans())) for r in picked)
        requests.append(RequestWalk(f"q{i}", draw(st.booleans()), draw(st.booleans()), False,
                                    draw(st.integers(0, 2)), walked))
    counts = {r: draw(st.integers(0, 2)) for r in tiers}
    earlier = frozenset(draw(st.lists(st.sampled_from(sorted(tiers)), unique=True)))
    return requests, counts, earlier


@settings(max_examples=300, deadline=None)
@given(_rounds())
def test_R10_check_mark_invariants_hold_over_random_rounds(case: tuple[list[RequestWalk], dict[str, int],
                                                                        frozenset[str]]) -> None:
    """GIVEN random sheets, walks and outcomes WHEN the round's charges are planned and applied THEN nobody is
    charged twice a day on a book; only eligible passers who did not bid are charged; a request that charges
    nothing (no-mark, by-name) or one filled entirely from tier 1 charges nobody; a count never exceeds the
    maximum without the roll-off."""
    requests, counts, earlier = case
    plans = plan_round(requests, emergency_charges=False, already_charged_today=earlier)
    charged = [r for p in plans for r in p.charged]
    assert len(charged) == len(set(charged)) and not set(charged) & earlier
    for rw, plan in zip(requests, plans, strict=True):
        by_id = {w.registration_id: w for w in rw.walked}
        for rid in plan.charged + plan.suppressed:
            w = by_id[rid]
            assert w.outcome in (Outcome.PASSED, Outcome.PASSED_NO_BID) and not w.bid
        if not rw.generates_marks or rw.by_name:
            assert plan.charges == ()
        dispatched = [w.tier for w in rw.walked if w.outcome in DISPATCHED]
        if rw.unfilled <= 0 and (not dispatched or max(dispatched) == 1):
            assert plan.charges == ()  # filled from tier 1 (or with nobody dispatched here): nobody
        if rw.unfilled <= 0 and dispatched:
            assert all(by_id[r].tier < max(dispatched) for r in plan.charged)
    for rid in charged:
        result = apply_mark(counts[rid], RULES_MAX)
        assert result.count == counts[rid] + 1
        assert result.rolls_off == (result.count > RULES_MAX)


RULES_MAX = 2


# -- §8.2 the labor-request state machine, every status × action --------------------------------------------


@pytest.mark.parametrize("action", list(RequestAction))
@pytest.mark.parametrize("current", list(RequestStatus))
def test_S1_3_8_2_every_request_action_from_every_status(action: RequestAction, current: RequestStatus) -> None:
    allowed_from, target = REQUEST_TRANSITIONS[action]
    dispatched = {RequestAction.FILL: 1, RequestAction.REOPEN: 0}.get(action, 1)
    if current not in allowed_from:
        with pytest.raises(Refused) as err:
            request_next_status(current, action, requested=2, dispatched=dispatched)
        assert err.value.code == "REQUEST_NOT_OPEN"
        return
    got = request_next_status(current, action, requested=2, dispatched=dispatched)
    if target is not None:
        assert got is target
    else:
        assert got is {0: RequestStatus.OPEN, 1: RequestStatus.PARTIALLY_FILLED}[dispatched]


def test_S1_3_the_counts_decide_open_partially_filled_and_filled() -> None:
    assert request_next_status(RequestStatus.OPEN, RequestAction.FILL, requested=2, dispatched=1) is \
        RequestStatus.PARTIALLY_FILLED
    assert request_next_status(RequestStatus.PARTIALLY_FILLED, RequestAction.FILL, requested=2, dispatched=2) is \
        RequestStatus.FILLED
    assert request_next_status(RequestStatus.FILLED, RequestAction.REOPEN, requested=2, dispatched=1) is \
        RequestStatus.PARTIALLY_FILLED
    for terminal in (RequestStatus.CANCELLED, RequestStatus.EXPIRED):
        assert not any(terminal in allowed for allowed, _ in REQUEST_TRANSITIONS.values())


def _request(**over: object):  # type: ignore[no-untyped-def]
    from chalicelib.referral.domain.requests import LaborRequest

    base: dict[str, object] = dict(
        id="q1", number="REQ20260302-0001", employer_id="E1", employer_name="E ONE", book_code="WIRE_SEA",
        received_at=local(2026, 3, 2, 11), entered_at=local(2026, 3, 2, 11), entered_by="d",
        referral_date=DAY, earliest_referral_date=DAY, requested_start_date=DAY, effective_start_date=DAY,
        positions_requested=3, bidding_opens_at=local(2026, 3, 2, 17, 30),
        bidding_closes_at=local(2026, 3, 3, 7, 0), rule_set_version="rules-1", created_at="t", updated_at="t")
    base.update(over)
    return LaborRequest(**base)  # type: ignore[arg-type]


def test_S1_2_before_bidding_opens_everything_changes_after_it_only_some() -> None:
    q = _request()
    before, after = local(2026, 3, 2, 17, 29), local(2026, 3, 2, 17, 30)
    assert edit_problem(q, {"wage_rate": "62.00", "positions_requested": 1}, before) is None
    assert edit_problem(q, {"wage_rate": "62.00"}, after) == ("EDIT_LOCKED", "wage_rate",
                                                             edit_problem(q, {"wage_rate": "1"}, after)[2])  # type: ignore[index]
    assert edit_problem(q, {"comments": "gate 4", "report_to": "trailer 2", "positions_requested": 4}, after) is None
    assert edit_problem(q, {"positions_requested": 2}, after)[0] == "EDIT_LOCKED"  # type: ignore[index]
    assert edit_problem(q, {"book_code": "WIRE_BREM"}, before)[0] == "EDIT_LOCKED"  # type: ignore[index]


def test_S1_2_positions_never_go_below_those_dispatched() -> None:
    q = _request(positions_dispatched=2, status=RequestStatus.PARTIALLY_FILLED)
    assert edit_problem(q, {"positions_requested": 1}, local(2026, 3, 1))[:2] == (  # type: ignore[index]
        "POSITIONS_BELOW_DISPATCHED", "positions_requested")
    assert edit_problem(q, {"positions_requested": 2}, local(2026, 3, 1)) is not None  # dispatched: locked
    assert edit_problem(_request(by_name=True, positions_requested=1), {"positions_requested": 2},
                        local(2026, 3, 1))[0] == "BY_NAME_ONE_POSITION"  # type: ignore[index]

