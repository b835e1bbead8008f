"""Test data builders shared by the suites."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.audit import Actor, AuditAction, AuditEntry
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.members import CardType, Classification, Member, MemberCreate, MemberStatus
from chalicelib.services.context import Caller, Ctx
from chalicelib.store.ports import Store

_counter = [1000000]


def next_number() -> str:
    _counter[0] += 1
    return f"{_counter[0]:07d}"


def member_create(**over: object) -> MemberCreate:
    data: dict[str, object] = {
        "member_number": next_number(), "first_name": "JANE", "last_name": "SPARKS",
        "date_of_birth": "1985-04-12", "card_type": "A", "classification": "journeyman",
        "email": "jane.sparks@example.com", "phone": "206-555-0100", "city": "SEATTLE", "state": "WA",
        "zip": "98101", "gender": "F", "ethnicity": "WHITE",
    }
    data.update(over)
    return MemberCreate.model_validate(data)


def member(**over: object) -> Member:
    now = datetime.now(UTC)
    base = dict(id=new_ulid(), member_number=next_number(), first_name="JOHN", last_name="OHM",
                date_of_birth=date(1980, 1, 1), card_type=CardType.A, classification=Classification.JOURNEYMAN,
                status=MemberStatus.ACTIVE, created_at=now, updated_at=now, version=1)
    base.update(over)
    return Member(**base)  # type: ignore[arg-type]


def audit(entity_id: str, actor: str = "user-1", action: AuditAction = AuditAction.CREATE,
          at: datetime | None = None) -> AuditEntry:
    return AuditEntry(id=new_ulid(), occurred_at=at or datetime.now(UTC), action=action, entity_type="member",
                      entity_id=entity_id, actor_id=actor)


def ctx_for(store: Store, *roles: str, member_id: str | None = None, user_id: str = "user-1") -> Ctx:
    return Ctx(store=store, caller=Caller(Actor(id=user_id, email=f"{user_id}@example.org", roles=list(roles),
                                                member_id=member_id)))
