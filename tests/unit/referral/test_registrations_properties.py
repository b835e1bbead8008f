"""Queue-order invariants over random registrations (referral-rules §5.1, §4.4.5), checked with hypothesis: tier
first, then APN, then registered_at, then member id; positions 1..n with no gap; the store's queue key orders
exactly as the rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.referral.domain.queue import positions, queue_order
from chalicelib.referral.domain.registration import RegStatus
from rulebook import reg

APNS = [Decimal(a) for a in ("40966.10", "45880.41", "45880.41", "46083.01", "46083.02", "46090.05")]
TIMES = [datetime(2026, 3, 2, 17, m, tzinfo=UTC) for m in (0, 0, 5, 30)]
MEMBERS = [f"m-{n:04d}" for n in range(1, 9)]

registrations_st = st.lists(
    st.tuples(
        st.integers(1, 4), st.sampled_from(APNS), st.sampled_from(TIMES), st.sampled_from(MEMBERS),
        st.sampled_from(list(RegStatus)),
    ),
    max_size=30,
)


@given(registrations_st)
@settings(max_examples=200, deadline=None)
def test_5_1_queue_order_invariants_over_random_registrations(rows: list) -> None:  # type: ignore[type-arg]
    regs = [reg(n, tier=t, apn=str(a), at=at, status=s, rid=f"r-{i:03d}") for i, (t, a, at, m, s) in enumerate(rows)
            for n in [int(m[2:])]]
    queue = queue_order(regs)
    assert sorted(r.id for r in queue) == sorted(r.id for r in regs if r.status is RegStatus.REGISTERED)
    keys = [(r.tier, r.apn, r.registered_at, r.member_id) for r in queue]
    assert keys == sorted(keys)  # tier, then exact APN, then registered_at, then member id
    assert [p.position for p in positions(queue, TIMES[0].date())] == list(range(1, len(queue) + 1))
    lexical = sorted(queue, key=lambda r: (r.queue_key, r.id))
    assert [(r.tier, r.apn, r.registered_at, r.member_id) for r in lexical] == keys  # §4.4.5
