"""Book qualifications (referral-rules.md §3.5) on the in-memory twin: one per member and book, the tier
within the book's tiers, changes only from the version seen, every change audited with its reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.audit import store as audit_repo
from chalicelib.core.errors import AppError
from chalicelib.core.store.memory import MemoryStore
from chalicelib.members import service as members
from chalicelib.referral import service
from chalicelib.referral.domain import seed_catalogue, tier_problem
from chalicelib.referral.schemas import QualificationBody
from factories import ctx_for, member_create

TODAY = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    batch = s.batch()
    for book in seed_catalogue():
        batch.put(book)
    batch.commit()
    return s


def _dispatcher(store: MemoryStore):  # type: ignore[no-untyped-def]
    ctx = ctx_for(store, "dispatcher", user_id="disp-1")
    ctx.clock = lambda: TODAY
    return ctx


def _body(**over: object) -> QualificationBody:
    data: dict[str, object] = {"tier": 1, "qualified_on": "2026-03-02", "reason": "journeyman card, 8,000 hours"}
    data.update(over)
    return QualificationBody.model_validate(data)


def test_GIVEN_no_qualification_WHEN_a_dispatcher_records_one_THEN_it_is_stored_and_audited(store: MemoryStore) -> None:
    mid = members.create(ctx_for(store, "staff"), member_create()).id
    q = service.set_qualification(_dispatcher(store), mid, "WIRE_SEA", _body())
    assert (q.tier, q.version, q.qualified_on) == (1, 1, date(2026, 3, 2))
    [listed] = service.qualifications(ctx_for(store, "member", member_id=mid), mid)
    assert listed == q
    [entry] = audit_repo.by_entity(store, "qualification", f"{mid}.WIRE_SEA", 10, None).items
    assert entry.action.value == "CREATE" and entry.actor_id == "disp-1"
    assert entry.new_values["reason"] == "journeyman card, 8,000 hours"


def test_GIVEN_a_qualification_WHEN_changed_from_the_version_seen_THEN_saved_else_409(store: MemoryStore) -> None:
    mid = members.create(ctx_for(store, "staff"), member_create()).id
    ctx = _dispatcher(store)
    service.set_qualification(ctx, mid, "WIRE_SEA", _body())
    changed = service.set_qualification(ctx, mid, "WIRE_SEA", _body(tier=2, reason="moved to tier 2", version=1))
    assert changed.tier == 2 and changed.version == 2
    with pytest.raises(AppError) as err:
        service.set_qualification(ctx, mid, "WIRE_SEA", _body(tier=3, reason="late form", version=1))
    assert err.value.status == 409 and err.value.extra["current"]["tier"] == 2
    with pytest.raises(AppError) as err:  # an existing one is never overwritten blind
        service.set_qualification(ctx, mid, "WIRE_SEA", _body(tier=3, reason="no version"))
    assert err.value.status == 409
    actions = [e.action.value for e in audit_repo.by_entity(store, "qualification", f"{mid}.WIRE_SEA", 10, None).items]
    assert sorted(actions) == ["CREATE", "UPDATE"]  # one clock instant: the order within it is not defined


def test_GIVEN_bad_input_WHEN_recorded_THEN_400_naming_the_field_or_404_and_nothing_stored(store: MemoryStore) -> None:
    mid = members.create(ctx_for(store, "staff"), member_create()).id
    ctx = _dispatcher(store)
    with pytest.raises(AppError) as err:
        service.set_qualification(ctx, mid, "WIRE_SEA", _body(qualified_on="2026-03-03"))
    assert err.value.status == 400 and [f.name for f in err.value.fields] == ["qualified_on"]
    with pytest.raises(AppError) as err:
        service.set_qualification(ctx, mid, "NO_SUCH_BOOK", _body())
    assert err.value.status == 404
    with pytest.raises(AppError) as err:
        service.set_qualification(ctx, "01NOSUCHMEMBER000000000000", "WIRE_SEA", _body())
    assert err.value.status == 404
    assert service.qualifications(ctx, mid) == []


def test_GIVEN_a_book_WHEN_a_tier_is_checked_THEN_only_1_to_its_max_tiers_pass() -> None:
    book = next(b for b in seed_catalogue() if b.code == "WIRE_SEA")
    assert [tier_problem(t, book) is None for t in range(0, 6)] == [False, True, True, True, True, False]
    assert tier_problem(3, book.model_copy(update={"max_tiers": 2})) == "must be between 1 and 2 on WIRE_SEA"


def test_GIVEN_a_member_WHEN_reading_another_members_qualifications_THEN_403(store: MemoryStore) -> None:
    staff = ctx_for(store, "staff")
    mine, other = members.create(staff, member_create()).id, members.create(staff, member_create()).id
    with pytest.raises(AppError) as err:
        service.qualifications(ctx_for(store, "member", member_id=mine), other)
    assert err.value.status == 403
