"""Queue-order invariants over random registrations and random histories (referral-rules §5.1, §4.4.5, §10.1),
checked with hypothesis: tier first, then APN, then registered_at, then member id; positions 1..n with no gap;
the store's queue key orders exactly as the rule; the queue rebuilt from the activity log equals the live one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.core.store.memory import MemoryStore
from chalicelib.members import service as members
from chalicelib.referral import store as repo
from chalicelib.referral.domain import seed_catalogue
from chalicelib.referral.domain.exemptions import ExemptionReason
from chalicelib.referral.domain.queue import positions, queue_order, rebuild
from chalicelib.referral.domain.registration import RegStatus
from chalicelib.referral.schemas import QualificationBody
from chalicelib.referral.service import catalogue, context, exemptions, lifecycle, registrations
from factories import ctx_for, member_create
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


OPS = st.lists(
    st.tuples(st.sampled_from(["register", "re_sign", "resign", "roll_off", "tier", "exempt"]), st.integers(0, 50),
              st.integers(1, 3)),
    min_size=1,
    max_size=18,
)


@given(OPS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_10_1_the_live_queue_the_rule_and_the_rebuilt_log_agree_over_random_histories(ops: list) -> None:  # type: ignore[type-arg]
    """Any history of registrations, re-signs, resigns, roll-offs, tier changes and exemptions on one book: the
    store's queue (one Query on the queue key) is the rule's order of all the book's registrations, every position
    from the COUNT query is its place 1..n, and the queue replayed from the activity log is the same."""
    store = MemoryStore()
    batch = store.batch()
    for book in seed_catalogue():
        batch.put(book)
    batch.commit()
    context.forget_cached()
    clock = [datetime(2026, 3, 2, 18, 0, tzinfo=UTC)]

    def ctx(*roles: str):  # type: ignore[no-untyped-def]
        c = ctx_for(store, *(roles or ("dispatcher",)))
        c.clock = lambda: clock[0]
        return c

    people: list[str] = []
    for op, pick, tier in ops:
        clock[0] += timedelta(minutes=7)
        live = [r for r in repo.full_queue(store, "WIRE_SEA")]
        target = live[pick % len(live)] if live else None
        if op == "register" or target is None:
            m = members.create(ctx_for(store, "staff"), member_create()).id
            people.append(m)
            registrations.register(ctx(), m, "WIRE_SEA", tier, "in_person")
        elif op == "re_sign":
            lifecycle.re_sign(ctx(), target.member_id, target.id, target.version, "in_person")
        elif op == "resign":
            lifecycle.resign(ctx(), target.member_id, target.id, target.version)
        elif op == "roll_off":
            lifecycle.manual_roll_off(ctx(), target.member_id, target.id, target.version, "random history roll-off")
        elif op == "tier" and tier != target.tier:
            q = repo.qualification(store, target.member_id, "WIRE_SEA")
            catalogue.set_qualification(ctx(), target.member_id, "WIRE_SEA", QualificationBody(
                tier=tier, qualified_on=clock[0].date(), reason="random history", version=q.version if q else None))
            lifecycle.tier_change(ctx(), target.member_id, target.id, target.version, tier, "random history move")
        elif op == "exempt" and not target.exemptions:
            exemptions.grant(ctx(), target.member_id, exemptions.Grant((target.id,), ExemptionReason.MEDICAL))
    every = [r for m in people for r in repo.registrations_of(store, m) if r.book_code == "WIRE_SEA"]
    live = repo.full_queue(store, "WIRE_SEA")
    assert [r.id for r in live] == [r.id for r in queue_order(every)]
    assert [repo.position(store, r) for r in live] == list(range(1, len(live) + 1))
    rebuilt = rebuild(repo.book_log(store, "WIRE_SEA"), clock[0])
    assert [(r.registration_id, r.tier, r.apn) for r in rebuilt] == [(r.id, r.tier, r.apn) for r in live]
    assert len({r.member_id for r in live}) == len(live)  # one live registration per member and book
