"""APNs and queue order (referral-rules §4.3, §4.4, §5.1): exact decimals, the same-day sequence per book, and a
sort key whose lexical order is queue order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.referral.domain.apn import ApnError, format_apn, next_apn, parse_apn, queue_sort_key
from chalicelib.referral.domain.queue import position_of, positions, queue_order, tier_counts
from chalicelib.referral.domain.registration import Exemption, RegStatus
from rulebook import local, reg


def test_AS_001_a_first_registration_of_the_day_gets_serial_dot_01() -> None:
    assert next_apn(date(2026, 3, 2), [Decimal("46082.55"), Decimal("40966.10")]).apn == Decimal("46083.01")


def test_AS_002_the_sequence_counts_per_book() -> None:
    seattle = [Decimal("46083.01")]
    assert next_apn(date(2026, 3, 2), seattle).apn == Decimal("46083.02")
    assert next_apn(date(2026, 3, 2), []).apn == Decimal("46083.01")  # Bremerton has none of that day


def test_AS_003_imported_apns_of_the_day_count_too() -> None:
    assert next_apn(date(2026, 3, 2), [Decimal("46083.40"), Decimal("46083.41")]).apn == Decimal("46083.42")


def test_AS_004_the_sequence_caps_at_99_and_says_so() -> None:
    new = next_apn(date(2026, 3, 2), [Decimal("46083.99")])
    assert new.apn == Decimal("46083.99") and new.overflow
    earlier = reg(1, apn="46083.99", at=local(2026, 3, 2, 9, 0))
    later = reg(3, apn="46083.99", at=local(2026, 3, 2, 14, 0))
    assert [r.member_id for r in queue_order([later, earlier])] == ["m-0001", "m-0003"]


def test_AS_006_apns_are_exact_and_sort_numerically() -> None:
    assert format_apn(parse_apn("45880.41")) == "45880.41"
    values = [parse_apn(t) for t in ("45881.00", "45880.91", "45880.23")]
    assert [format_apn(v) for v in sorted(values)] == ["45880.23", "45880.91", "45881.00"]


def test_AS_007_parsing_pads_and_refuses_with_a_reason() -> None:
    assert format_apn(parse_apn("45880.4")) == "45880.40" and format_apn(parse_apn("45880")) == "45880.00"
    for bad, why in (("45880.415", "more than 2 decimal places"), ("4588O.41", "not a number"), ("", "empty")):
        with pytest.raises(ApnError, match=why):
            parse_apn(bad)


def test_AS_010_equal_apn_and_time_fall_back_to_the_member_id() -> None:
    same = local(2009, 1, 28)
    m6, m5 = reg(6, apn="40966.35", at=same), reg(5, apn="40966.35", at=same)
    assert [r.member_id for r in queue_order([m6, m5])] == ["m-0005", "m-0006"]


def test_AS_017_tier_comes_before_apn() -> None:
    m10 = reg(10, tier=1, apn="46090.01")
    m11 = reg(11, tier=2, apn="40966.10")
    q = queue_order([m11, m10])
    assert [position_of(q, r.id) for r in (m10, m11)] == [1, 2]


def test_AS_018_equal_apns_go_by_registered_at() -> None:
    m12 = reg(12, apn="46090.05", at=local(2026, 3, 9, 9, 0))
    m13 = reg(13, apn="46090.05", at=local(2026, 3, 9, 9, 5))
    assert [r.member_id for r in queue_order([m13, m12])] == ["m-0012", "m-0013"]


def test_AS_022_positions_are_derived_so_a_roll_off_moves_others_without_writing_them() -> None:
    a, b, c = reg(18, apn="46083.01"), reg(19, apn="46083.02"), reg(20, apn="46083.03")
    b_off = b.model_copy(update={"status": RegStatus.ROLLED_OFF})
    q = queue_order([a, b_off, c])
    assert position_of(q, c.id) == 2 and q[1].version == c.version


def test_5_1_exempt_registrations_keep_their_place_flagged() -> None:
    ex = reg(14, apn="46083.01").model_copy(update={"exemptions": [
        Exemption(id="x", reason="medical", start=date(2026, 3, 1), end=date(2026, 4, 1))]})
    q = queue_order([reg(15, apn="46083.02"), ex])
    places = positions(q, date(2026, 3, 3))
    assert (places[0].registration.member_id, places[0].exempt) == ("m-0014", True)
    assert places[1].exempt is False


def test_3_2_4_tier_counts_show_every_tier_with_zeros() -> None:
    assert tier_counts(queue_order([reg(1, tier=1), reg(2, tier=3, apn="46083.02")])) == {1: 1, 2: 0, 3: 1, 4: 0}


registrations = st.builds(
    lambda n, tier, whole, frac, minutes: reg(
        n, tier=tier, apn=f"{whole}.{frac:02d}", at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        rid=f"r{n}"),
    st.integers(1, 9999), st.integers(1, 4), st.integers(39000, 46200), st.integers(0, 99), st.integers(0, 10**7))


@given(st.lists(registrations, min_size=2, max_size=40, unique_by=lambda r: r.member_id))
def test_4_4_5_the_sort_key_orders_exactly_as_the_queue(regs: list) -> None:  # type: ignore[type-arg]
    """Property: for any registrations, sorting by the lexical key equals the §5.1 order."""
    by_key = sorted(regs, key=lambda r: queue_sort_key(r.tier, r.apn, r.registered_at, r.member_id))
    assert [r.id for r in by_key] == [r.id for r in queue_order(regs)]
