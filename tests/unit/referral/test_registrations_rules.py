"""The registration rules as pure functions (referral-rules §4.5, R2.4, R7.5–R7.8, R14): the wire gate, the re-sign
roll-off and its scope, the re-sign clock after a restoration, reminders, the end of an exemption."""

from __future__ import annotations

from datetime import date, time, timedelta

from chalicelib.referral.domain import seed_catalogue
from chalicelib.referral.domain.duties import re_sign_reminders
from chalicelib.referral.domain.exemptions import ended
from chalicelib.referral.domain.intake import FALLBACK, ROUNDS_COMPLETED, WireRound, gate
from chalicelib.referral.domain.lifecycle import clock_reset, failed_re_sign_roll_offs, re_signed
from chalicelib.referral.domain.registration import Exemption, Refused, RegStatus
from chalicelib.referral.domain.rules import LocalRules, ResignScope
from rulebook import CAL, RULES, local, reg

WIRE = ("WIRE_SEA", "WIRE_BREM", "WIRE_PA")
BOOK = {b.code: b for b in seed_catalogue()}["WIRE_SEA"]


def _rounds(day: date, done: dict[str, tuple[int, int] | None], empty: frozenset[str] = frozenset()) -> list:  # type: ignore[type-arg]
    out = []
    for code in WIRE:
        finished = done.get(code)
        out.append(WireRound(code, local(day.year, day.month, day.day, 8, 30),
                             local(day.year, day.month, day.day, *finished) if finished else None, code in empty))
    return out


def test_R2_4_the_gate_waits_for_every_wire_round_then_opens_at_the_fallback() -> None:
    """R2.4, §4.5.2: the gate opens when the last of the three WIRE rounds completes; a round with an empty sheet
    completes at its slot; a round still open holds it until the fallback (10:00), which also caps late
    completions; on a weekend or a holiday it does not open (R1.3)."""
    tue = date(2026, 3, 3)
    g = gate(tue, _rounds(tue, {"WIRE_SEA": (8, 40), "WIRE_BREM": (8, 52), "WIRE_PA": (8, 47)}), CAL, time(10, 0))
    assert (g.opens_at, g.how) == (local(2026, 3, 3, 8, 52), ROUNDS_COMPLETED)
    assert not g.open_at(local(2026, 3, 3, 8, 51, 59)) and g.open_at(local(2026, 3, 3, 8, 52))
    empty = gate(tue, _rounds(tue, {}, frozenset(WIRE)), CAL, time(10, 0))
    assert (empty.opens_at, empty.how) == (local(2026, 3, 3, 8, 30), ROUNDS_COMPLETED)
    partly = gate(tue, _rounds(tue, {"WIRE_SEA": (8, 40)}, frozenset({"WIRE_BREM"})), CAL, time(10, 0))
    assert (partly.opens_at, partly.how) == (local(2026, 3, 3, 10, 0), FALLBACK)
    late = gate(tue, _rounds(tue, {c: (10, 20) for c in WIRE}), CAL, time(10, 0))
    assert (late.opens_at, late.how) == (local(2026, 3, 3, 10, 0), FALLBACK)
    assert gate(tue, _rounds(tue, {}), CAL, time(9, 15)).opens_at == local(2026, 3, 3, 9, 15)
    for closed in (date(2026, 3, 7), date(2026, 5, 25)):
        assert gate(closed, _rounds(closed, {}, frozenset(WIRE)), CAL, time(10, 0)).opens_at is None


def test_AS_081_R7_5_all_books_scope_rolls_off_every_book_of_the_member() -> None:
    """GIVEN M03 due 04-01 on WIRE SEATTLE missing the re-sign and also on WIRE BREMERTON (due later) and TECHNICIAN
    (dispatched) WHEN the run of 04-05 applies R7.5 THEN with BOOK scope only WIRE SEATTLE rolls off; with ALL_BOOKS
    every REGISTERED book of M03 does (the dispatched one never, R7.6), each naming the missed registration; M04,
    who re-signed, is untouched either way."""
    sea = reg(3, at=local(2026, 3, 2, 10))
    brem = reg(3, book="WIRE_BREM", at=local(2026, 3, 20, 10))
    tech = reg(3, book="TECHNICIAN", at=local(2026, 3, 2, 10), status=RegStatus.DISPATCHED)
    other = reg(4, at=local(2026, 3, 20, 10))
    rows = [sea, brem, tech, other]
    run = date(2026, 4, 5)
    assert [(r.id, why) for r, why in failed_re_sign_roll_offs(rows, run, ResignScope.BOOK)] == [(sea.id, sea.id)]
    assert sorted((r.id, why) for r, why in failed_re_sign_roll_offs(rows, run, ResignScope.ALL_BOOKS)) == sorted(
        [(sea.id, sea.id), (brem.id, sea.id)])
    assert failed_re_sign_roll_offs(rows, date(2026, 4, 4), ResignScope.ALL_BOOKS) == []  # grace end is inclusive


def test_R7_5_an_exemption_on_the_run_date_keeps_the_registration() -> None:
    """R7.5, R14.4: a registration whose grace ended but that an active exemption covers on R is not rolled off; the
    day after the exemption it is selected only if its (moved) grace has also ended."""
    r = reg(5, at=local(2026, 3, 2, 10)).model_copy(update={"exemptions": [
        Exemption(id="x", reason="medical", start=date(2026, 3, 20), end=date(2026, 4, 10))]})
    assert failed_re_sign_roll_offs([r], date(2026, 4, 5), ResignScope.BOOK) == []
    assert [x.id for x, _ in failed_re_sign_roll_offs([r], date(2026, 4, 11), ResignScope.BOOK)] == [r.id]


def test_AS_084_R7_6_dispatched_is_never_rolled_off_and_a_restoration_resets_the_clock() -> None:
    """GIVEN M05 DISPATCHED since 2026-03-03 with due 2026-03-20 THEN no run through 04-06 selects it; restored on
    04-06 its re-sign clock restarts: due 2026-05-06 (and a PENDING_REREGISTRATION row is never selected either)."""
    d = reg(5, at=local(2026, 2, 18, 10), status=RegStatus.DISPATCHED)
    assert d.re_sign_due_date == date(2026, 3, 20)
    pending = reg(6, at=local(2026, 2, 18, 10), status=RegStatus.PENDING_REREGISTRATION)
    for n in range(20):
        run = date(2026, 3, 21) + timedelta(days=n)
        assert failed_re_sign_roll_offs([d, pending], run, ResignScope.ALL_BOOKS) == []
    restored = clock_reset(local(2026, 4, 6, 8, 0), CAL, BOOK)
    assert (restored["re_sign_due_date"], restored["grace_end_date"]) == (date(2026, 5, 6), date(2026, 5, 9))


def test_R7_6_a_dispatched_registration_cannot_be_re_signed_either() -> None:
    """R6.5, R7.3: only a REGISTERED row is re-signed; DISPATCHED and PENDING_REREGISTRATION are NOT_REGISTERED."""
    for status in (RegStatus.DISPATCHED, RegStatus.PENDING_REREGISTRATION):
        try:
            re_signed(reg(7, status=status), local(2026, 3, 10, 9), CAL, BOOK)
        except Refused as err:
            assert err.code == "NOT_REGISTERED"
        else:
            raise AssertionError("refused")


def test_R7_7_reminders_follow_the_offsets_setting_once_per_due_date() -> None:
    """R7.7: with offsets [14, 7] a registration due 04-01 is reminded from 03-18 and again from 03-25, each once;
    after a re-sign (new due date) the reminders start over."""
    rules = LocalRules(re_sign_reminder_offsets_days=(14, 7))
    r = reg(8, at=local(2026, 3, 2, 10))
    assert re_sign_reminders([r], date(2026, 3, 17), rules, frozenset()) == []
    first = re_sign_reminders([r], date(2026, 3, 18), rules, frozenset())
    assert [a.detail["offset"] for a in first] == ["14"]
    sent = frozenset(a.detail["reminder_key"] for a in first)
    assert [a.detail["offset"] for a in re_sign_reminders([r], date(2026, 3, 25), rules, sent)] == ["7"]
    moved = r.model_copy(update=re_signed(r, local(2026, 3, 26, 9), CAL, BOOK))
    assert re_sign_reminders([moved], date(2026, 4, 11), rules, sent)[0].detail["due"] == "2026-04-25"


def test_R7_8_the_first_free_day_skips_a_following_exemption() -> None:
    """R7.8 on the pure rule: ending a medical exemption whose next day another active exemption (an under-scale one
    of a dispatch, R14.6) already covers puts the due date 7 days after *that* one ends; an exemption that never
    started moves nothing."""
    r = reg(9, at=local(2026, 3, 2, 10)).model_copy(update={"exemptions": [
        Exemption(id="med", reason="medical", start=date(2026, 3, 10), end=date(2026, 4, 30)),
        Exemption(id="us", reason="under_scale", start=date(2026, 4, 1), end=date(2026, 4, 20), dispatch_id="d")]})
    update = ended(r, "med", date(2026, 3, 31), "ENDED", RULES, 3)
    assert (update["re_sign_due_date"], update["grace_end_date"]) == (date(2026, 4, 28), date(2026, 5, 1))
    future = r.model_copy(update={"exemptions": [Exemption(id="f", reason="medical", start=date(2026, 6, 1),
                                                           end=date(2026, 6, 30))]})
    assert "re_sign_due_date" not in ended(future, "f", date(2026, 4, 1), "REVOKED", RULES, 3)
