"""The registration state machine as data (§8.1, S8.4), exemptions (R14, R7.8), nightly duties (§9) and
decision-record chains (§10.3)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.core.roles import Role
from chalicelib.referral.domain.decisions import CandidateRow, DecisionRecord, GENESIS, verify_chain
from chalicelib.referral.domain.duties import (
    ended_exemptions,
    expired_requests,
    failed_re_signs,
    integrity_problems,
    missed_reregistrations,
    re_sign_reminders,
)
from chalicelib.referral.domain.exemptions import ExemptionReason, check_period, default_end, due_after_exemption
from chalicelib.referral.domain.registration import TRANSITIONS, Action, Exemption, Refused, RegStatus, next_status
from rulebook import RULES, local, reg


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("current", list(RegStatus))
@pytest.mark.parametrize("role", list(Role))
def test_8_1_every_action_from_every_status_for_every_role(action: Action, current: RegStatus, role: Role) -> None:
    allowed_from, target, actors = TRANSITIONS[action]
    if role not in actors:
        with pytest.raises(Refused) as err:
            next_status(current, action, frozenset({role}))
        assert err.value.code == "FORBIDDEN"
    elif current not in allowed_from:
        with pytest.raises(Refused) as err:
            next_status(current, action, frozenset({role}))
        assert err.value.code in ("NOT_REGISTERED", "INVALID_TRANSITION")
    else:
        assert next_status(current, action, frozenset({role})) is target


def test_S8_2_AS_093_only_officers_reinstate_and_terminal_statuses_stay_terminal() -> None:
    with pytest.raises(Refused) as err:
        next_status(RegStatus.ROLLED_OFF, Action.REINSTATE, frozenset({Role.DISPATCHER}))
    assert err.value.code == "FORBIDDEN"
    assert next_status(RegStatus.ROLLED_OFF, Action.REINSTATE, frozenset({Role.OFFICER})) is RegStatus.REGISTERED
    for terminal in (RegStatus.RESIGNED, RegStatus.CLOSED):
        assert not any(terminal in allowed for allowed, _, _ in TRANSITIONS.values())


def test_AS_071_R6_5_a_pending_registration_cannot_be_re_signed_or_resigned() -> None:
    with pytest.raises(Refused) as err:
        next_status(RegStatus.PENDING_REREGISTRATION, Action.RESIGN, frozenset({Role.MEMBER}))
    assert err.value.code == "NOT_REGISTERED"


def test_AS_085_R14_3_time_limited_exemptions_need_approval_past_180_days() -> None:
    start = date(2026, 3, 2)
    assert default_end(start, RULES) == date(2026, 8, 29)
    check_period(ExemptionReason.UNDER_SCALE, start, date(2026, 8, 29), RULES, officer=False, bm_approved=False)
    with pytest.raises(Refused) as err:
        check_period(ExemptionReason.UNDER_SCALE, start, date(2026, 9, 30), RULES, officer=False, bm_approved=False)
    assert err.value.code == "BM_APPROVAL_REQUIRED"
    check_period(ExemptionReason.UNDER_SCALE, start, date(2026, 9, 30), RULES, officer=True, bm_approved=True)
    check_period(ExemptionReason.MEDICAL, start, date(2026, 12, 31), RULES, officer=False, bm_approved=False)
    with pytest.raises(Refused) as err:
        check_period(ExemptionReason.OTHER, start, date(2026, 4, 1), RULES, officer=False, bm_approved=False)
    assert err.value.code == "FORBIDDEN"


def test_AS_083_R7_8_after_an_exemption_the_due_date_moves_seven_days_past_it() -> None:
    assert due_after_exemption(date(2026, 6, 1), date(2026, 4, 1), RULES) == date(2026, 6, 8)
    assert due_after_exemption(date(2026, 6, 1), date(2026, 7, 1), RULES) == date(2026, 7, 1)


def _exempt(r, start: date, end: date):  # type: ignore[no-untyped-def]
    return r.model_copy(update={"exemptions": [Exemption(id="x1", reason="medical", start=start, end=end)]})


def test_AS_083_N1_N3_an_exempt_registration_is_not_rolled_off_and_its_exemption_ends() -> None:
    r = _exempt(reg(4, at=local(2026, 3, 2, 9)), date(2026, 3, 20), date(2026, 5, 31))  # due 04-01
    assert failed_re_signs([r], date(2026, 4, 5)) == []
    assert [a.detail["exemption_id"] for a in ended_exemptions([r], date(2026, 6, 1))] == ["x1"]
    assert ended_exemptions([r], date(2026, 5, 31)) == []


def test_AS_080_N3_a_missed_re_sign_rolls_off_the_day_after_grace_ends() -> None:
    m03 = reg(3, at=local(2026, 3, 2, 9))  # due 04-01, grace end 04-04
    assert failed_re_signs([m03], date(2026, 4, 4)) == []
    assert [a.target_id for a in failed_re_signs([m03], date(2026, 4, 5))] == [m03.id]


def test_AS_082_N4_one_reminder_seven_days_before_and_never_twice() -> None:
    r = reg(1, at=local(2026, 3, 2, 9))  # due 04-01
    assert re_sign_reminders([r], date(2026, 3, 24), RULES, frozenset()) == []
    [first] = re_sign_reminders([r], date(2026, 3, 25), RULES, frozenset())
    assert re_sign_reminders([r], date(2026, 3, 25), RULES, frozenset({first.detail["reminder_key"]})) == []


def test_AS_066_N2_a_missed_deadline_rolls_off_the_member_once() -> None:
    r = reg(37).model_copy(update={"status": RegStatus.PENDING_REREGISTRATION,
                                   "rereg_deadline_at": local(2026, 3, 12, 17, 0).astimezone(UTC)})
    start_of_13 = local(2026, 3, 13).astimezone(UTC)
    assert [a.target_id for a in missed_reregistrations([r, reg(37, book="TRADESHOW")], start_of_13)] == ["m-0037"]
    assert missed_reregistrations([r], local(2026, 3, 12).astimezone(UTC)) == []  # the run for 03-12


def test_AS_090_N5_requests_past_their_start_expire() -> None:
    class _Req:
        def __init__(self, start: date, open_: bool = True) -> None:
            self.id, self.effective_start_date, self.is_open = f"q{start}", start, open_

    reqs = [_Req(date(2026, 3, 3)), _Req(date(2026, 3, 4)), _Req(date(2026, 3, 2), open_=False)]
    assert [a.target_id for a in expired_requests(reqs, date(2026, 3, 4))] == ["q2026-03-03"]  # type: ignore[arg-type]


def test_N13_integrity_problems_are_named_never_fixed() -> None:
    a = reg(1, marks=3)
    b = reg(1, rid="r-dup")
    problems = integrity_problems([a, b], {"WIRE_SEA": 2})
    assert any("3 check marks" in p for p in problems) and any("2 live registrations" in p for p in problems)


def _record(seq: int, prev: str) -> DecisionRecord:
    return DecisionRecord(id=f"d{seq}", kind="DISPATCH", book_code="WIRE_SEA", referral_date=date(2026, 3, 3),
                          rule_set_version="rules-1", snapshot_at=datetime(2026, 3, 3, 16, 30, tzinfo=UTC),
                          candidates=[CandidateRow(position=1, registration_id="r1", member_id="m-0001", tier=1,
                                                   apn="46080.01", registered_at="t", outcome="PASSED")],
                          actor_id="disp", sequence=seq, prev_hash=prev).sealed()


def test_10_3_3_decision_records_chain_and_an_edit_breaks_the_chain() -> None:
    first = _record(1, GENESIS)
    second = _record(2, first.hash)
    assert verify_chain([first, second]) == []
    edited = first.model_copy(update={"candidates": []})
    assert verify_chain([edited, second]) == ["record 1 was changed after it was written"]
    assert verify_chain([second]) == ["sequence 1 is missing"]
