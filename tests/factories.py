"""Test data builders shared by the suites."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.core.audit import Actor, AuditAction, AuditEntry
from chalicelib.core.ids import new_ulid
from chalicelib.members.domain import CardType, Classification, Member, MemberCreate, MemberStatus
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.store import Store
from chalicelib.core.store.memory import MemoryStore

_counter = [1000000]


def next_number() -> str:
    _counter[0] += 1
    return f"{_counter[0]:07d}"


def member_create(**over: object) -> MemberCreate:
    data: dict[str, object] = {
        "member_number": next_number(), "first_name": "JANE", "last_name": "SPARKS",
        "date_of_birth": "1985-04-12", "card_type": "A", "classification": "journeyman",
        "email": "jane.sparks@example.com", "phone": "206-555-0100", "city": "SEATTLE", "state": "WA",
        "zip": "98101",
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


# -- the attacker's view of the in-memory twin: raw items, bypassing the append-only write path ----------

def overwrite(store: MemoryStore, record: object) -> None:
    """Replace a stored item in place (what someone with table write access could do)."""
    from chalicelib.core.store.attrs import to_item
    from chalicelib.core.store.codec import codec_for

    codec = codec_for(record)
    with store._t.lock:
        store._t.write(codec.key(record), to_item(codec.item(record, None)))


def erase(store: MemoryStore, key: tuple[str, str]) -> None:
    """Delete an item by its (PK, SK), whatever its kind."""
    with store._t.lock:
        store._t.write(key, None)


def key_of(record: object) -> tuple[str, str]:
    from chalicelib.core.store.codec import codec_for

    return codec_for(record).key(record)


def member_and_employer(store: Store, employer_name: str = "OHM ELECTRIC") -> tuple[str, str]:
    """A fresh member and employer created through their use cases (ids); on a shared table, pass a name
    of its own (a second "OHM ELECTRIC" is a duplicate-name warning)."""
    from chalicelib.employers import service as employers
    from chalicelib.employers.domain import OrganizationCreate
    from chalicelib.members import service as members

    staff = ctx_for(store, "staff")
    m = members.create(staff, member_create())
    org = employers.create(staff, OrganizationCreate(name=employer_name))
    return m.id, org.id


def audit_actions(store: Store, kind: str, entity_id: str) -> list[str]:
    """The actions audited on one record, newest first."""
    from chalicelib.audit import store as audit_repo

    return [e.action.value for e in audit_repo.by_entity(store, kind, entity_id, 50, None).items]
