"""One behavioural suite, two implementations: the in-memory twin and DynamoDB (on moto)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.members import MemberStatus, name_key
from chalicelib.errors import AppError, DuplicateKey, StaleVersion
from chalicelib.store import keys
from chalicelib.store.memory import MemoryStore
from chalicelib.store.ports import Child, MemberQuery, Organization, Store
from factories import audit, member


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    from chalicelib.store.dynamo import DynamoStore

    res = request.getfixturevalue("provisioned")
    endpoint = request.getfixturevalue("moto_endpoint")
    return DynamoStore(res.table_name, "us-west-2", endpoint)


def unique_name() -> str:
    return "ZZ" + uuid.uuid4().hex[:10].upper()


def add_member(store: Store, **over: object):  # type: ignore[no-untyped-def]
    m = member(**over)
    b = store.batch()
    b.claim(keys.member_number_key(m.member_number), m.id)
    b.member(m, None)
    b.audit(audit(m.id))
    b.commit()
    return m


def test_member_round_trip_and_lookup_by_number(store: Store) -> None:
    """GIVEN a stored member WHEN read by id and by card number THEN the same record comes back."""
    m = add_member(store, email="round.trip@example.com")
    assert store.members.get(m.id) == m
    assert store.members.get_by_number(m.member_number) == m
    assert [x.id for x in store.members.by_email("ROUND.TRIP@example.com")] == [m.id]
    assert store.members.get("missing") is None


def test_duplicate_card_number_is_refused_and_nothing_is_written(store: Store) -> None:
    """GIVEN a member with card N WHEN another member claims N THEN DuplicateKey and no half-write."""
    first = add_member(store)
    second = member(member_number=first.member_number)
    b = store.batch()
    b.claim(keys.member_number_key(second.member_number), second.id)
    b.member(second, None)
    b.audit(audit(second.id))
    with pytest.raises(DuplicateKey) as err:
        b.commit()
    assert err.value.field_name == keys.member_number_key(first.member_number)
    assert store.members.get(second.id) is None
    assert store.audit_log.by_entity("member", second.id, 10, None).items == []


def test_stale_version_is_refused(store: Store) -> None:
    """GIVEN version 1 WHEN two writers both update from version 1 THEN the second gets StaleVersion."""
    m = add_member(store)
    b1 = store.batch()
    b1.member(m.model_copy(update={"phone": "(206) 555-0101"}), 1)
    b1.commit()
    assert store.members.get(m.id).version == 2  # type: ignore[union-attr]
    b2 = store.batch()
    b2.member(m.model_copy(update={"phone": "(206) 555-0102"}), 1)
    with pytest.raises(StaleVersion):
        b2.commit()
    assert store.members.get(m.id).phone == "(206) 555-0101"  # type: ignore[union-attr]


def test_name_search_is_ordered_and_pages_without_gaps(store: Store) -> None:
    """GIVEN 7 members sharing a last name WHEN paged 3 at a time THEN all 7 come in name order."""
    last = unique_name()
    firsts = ["GINA", "ALAN", "FAY", "BEA", "EDDIE", "CARL", "DORA"]
    for first in firsts:
        add_member(store, last_name=last, first_name=first)
    seen, cursor = [], None
    for _ in range(5):
        page = store.members.search(MemberQuery(name_prefix=name_key(last).rstrip("|")), 3, cursor)
        seen += [m.first_name for m in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == sorted(firsts)


def test_filters_and_soft_delete(store: Store) -> None:
    """GIVEN active, suspended and deleted members WHEN filtered THEN each filter holds."""
    last = unique_name()
    a = add_member(store, last_name=last, first_name="A")
    s = add_member(store, last_name=last, first_name="S", status=MemberStatus.SUSPENDED)
    d = add_member(store, last_name=last, first_name="D", deleted_at=datetime.now(UTC))
    prefix = name_key(last).rstrip("|")
    ids = {m.id for m in store.members.search(MemberQuery(name_prefix=prefix), 50, None).items}
    assert ids == {a.id, s.id}
    only = store.members.search(MemberQuery(name_prefix=prefix, status="suspended"), 50, None).items
    assert [m.id for m in only] == [s.id]
    everyone = store.members.search(MemberQuery(name_prefix=prefix, include_deleted=True), 50, None).items
    assert {m.id for m in everyone} == {a.id, s.id, d.id}


def test_audit_by_entity_newest_first_by_actor_and_by_day(store: Store) -> None:
    """GIVEN 5 entries for one record WHEN read 2 at a time THEN newest first, no repeats."""
    entity, actor = uuid.uuid4().hex, "actor-" + uuid.uuid4().hex[:6]
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for i in range(5):
        store.audit_log.append(audit(entity, actor=actor, at=base + timedelta(minutes=i)))
    times, cursor = [], None
    while True:
        page = store.audit_log.by_entity("member", entity, 2, cursor)
        times += [e.occurred_at for e in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert times == sorted(times, reverse=True) and len(times) == 5
    assert len(store.audit_log.by_actor(actor, 10, None).items) == 5
    day = [e for e in store.audit_log.by_day(base.date(), 500, None).items if e.entity_id == entity]
    assert len(day) == 5


def test_organizations_by_code_name_and_contract(store: Store) -> None:
    """GIVEN an employer holding two contract codes WHEN searched THEN code, prefix and contract filters work."""
    name = unique_name() + " ELECTRIC"
    now = datetime.now(UTC).isoformat()
    code = str(uuid.uuid4().int)[:8]
    org = Organization(id=uuid.uuid4().hex, name=name, code=code, contract_codes=["RESIDENTIAL", "WIREPERSON"],
                       created_at=now, updated_at=now)
    b = store.batch()
    b.claim(keys.org_code_key(code), org.id)
    b.organization(org, None)
    b.commit()
    assert store.organizations.get_by_code(code) == org
    prefix = name_key(name).rstrip("|")
    assert [o.id for o in store.organizations.search(prefix, "WIREPERSON", 10, None).items] == [org.id]
    assert store.organizations.search(prefix, "GROUP MARINE", 10, None).items == []


def test_children_listed_by_kind_and_by_index(store: Store) -> None:
    """GIVEN employment and note children WHEN listed THEN by kind in sort order, and by index key."""
    parent = keys.member_pk(uuid.uuid4().hex)
    index = f"EMPLOYER#{uuid.uuid4().hex}"
    now = datetime.now(UTC).isoformat()
    b = store.batch()
    for i, start in enumerate(["2025-03-01", "2024-01-15"]):
        b.child(Child(kind="employment", id=f"e{i}{uuid.uuid4().hex[:6]}", parent_key=parent,
                      data={"start_date": start, "hourly_rate": "61.25"}, created_at=now, updated_at=now,
                      sort=start, index_key=index), None)
    b.child(Child(kind="note", id="n" + uuid.uuid4().hex[:6], parent_key=parent, data={"text": "hi"},
                  created_at=now, updated_at=now, sort=now), None)
    b.commit()
    jobs = store.children.list(parent, "employment")
    assert [j.data["start_date"] for j in jobs] == ["2024-01-15", "2025-03-01"]
    assert jobs[0].data["hourly_rate"] == "61.25"
    assert len(store.children.list(parent, "note")) == 1
    assert len(store.children.by_index(index, 10, None).items) == 2


def test_claims_race_has_exactly_one_winner(store: Store) -> None:
    """GIVEN 12 threads WHEN all claim the same key at once THEN exactly one succeeds."""
    key = f"RACE#{uuid.uuid4().hex}"
    wins, losses = [], []
    gate = threading.Barrier(12)

    def claim(i: int) -> None:
        b = store.batch()
        b.claim(key, f"owner-{i}")
        gate.wait()
        try:
            b.commit()
            wins.append(i)
        except DuplicateKey:
            losses.append(i)

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 11


def test_counters_window_and_lockout(store: Store) -> None:
    """GIVEN a fixed window WHEN hit 3 times THEN count 3; 5 failures lock; clearing resets."""
    key = uuid.uuid4().hex
    assert [store.counters.hit(key, 60, 1000.0)[0] for _ in range(3)] == [1, 2, 3]
    assert store.counters.hit(key, 60, 1061.0)[0] == 1  # next window
    for i in range(4):
        assert store.counters.record_failure(key, 5, 1800, 1000.0 + i) == (i + 1, None)
    count, until = store.counters.record_failure(key, 5, 1800, 1005.0)
    assert count == 5 and until == 1005.0 + 1800
    assert store.counters.failures(key)[1] == until
    store.counters.clear_failures(key)
    assert store.counters.failures(key) == (0, None)


def test_tickets_expire_and_are_taken_exactly_once(store: Store) -> None:
    """GIVEN a ticket WHEN 8 threads take it at once THEN exactly one gets the data; expired reads as absent."""
    key = f"TICKET#TEST#{uuid.uuid4().hex}"
    store.tickets.put(key, {"member_id": "m1", "n": 3}, 2000)
    assert store.tickets.get(key, 1999.0) == {"member_id": "m1", "n": 3}
    assert store.tickets.get(key, 2000.0) is None
    store.tickets.put(key, {"member_id": "m1"}, 10**10)
    got: list[object] = []
    gate = threading.Barrier(8)

    def take() -> None:
        gate.wait()
        got.append(store.tickets.take(key, 1000.0))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [g for g in got if g is not None] == [{"member_id": "m1"}]


def test_user_mfa_flag_round_trips(store: Store) -> None:
    from chalicelib.store.ports import User

    user = User(id=uuid.uuid4().hex, email=f"{uuid.uuid4().hex}@example.org", roles=["staff"], created_at="t",
                updated_at="t", mfa_enabled=True)
    b = store.batch()
    b.user(user, None)
    b.commit()
    saved = store.users.get(user.id)
    assert saved is not None and saved.mfa_enabled is True


def test_foreign_cursor_is_a_400(store: Store) -> None:
    """GIVEN a cursor we did not issue WHEN used THEN a 400 naming `cursor`."""
    with pytest.raises(AppError) as err:
        store.members.search(MemberQuery(), 10, "bm90LWEtY3Vyc29y")
    assert err.value.status == 400 and err.value.fields[0].name == "cursor"


def test_committing_a_user_change_drops_the_authorizers_cached_copy(store: Store) -> None:
    """GIVEN a user cached by the authorizer WHEN a batch commits a change to that user THEN the
    next authorizer lookup sees the change (sign-out and disable must not wait for the TTL)."""
    from chalicelib.store.ports import User
    from chalicelib.store.recent_users import RECENT_USERS

    user = User(id=uuid.uuid4().hex, email=f"{uuid.uuid4().hex}@example.org", roles=["staff"],
                created_at="t", updated_at="t")
    b = store.batch()
    b.user(user, None)
    b.audit(audit(user.id))
    b.commit()
    assert RECENT_USERS.get(store.users, user.id, 60) is not None
    b = store.batch()
    b.user(replace(user, enabled=False), 1)
    b.audit(audit(user.id))
    b.commit()
    cached = RECENT_USERS.get(store.users, user.id, 60)
    assert cached is not None and cached.enabled is False


def test_children_narrowed_by_sort_prefix_and_sort_keys_holding_hashes_round_trip(store: Store) -> None:
    """GIVEN versions of two notes (sort `<note id>#<n>`) WHEN listed with one note's prefix THEN only that
    note's versions, in order, with the full sort key; kind `note` does not pick up `note_version`."""
    parent = keys.member_pk(uuid.uuid4().hex)
    now = datetime.now(UTC).isoformat()
    b = store.batch()
    for note in ("n1" + uuid.uuid4().hex[:6], "n2" + uuid.uuid4().hex[:6]):
        b.child(Child(kind="note", id=note, parent_key=parent, data={"text": "now"}, created_at=now,
                      updated_at=now, sort=now), None)
        for n in (2, 1):
            b.child(Child(kind="note_version", id=f"v{n}{uuid.uuid4().hex[:6]}", parent_key=parent,
                          data={"note_id": note, "version": n}, created_at=now, updated_at=now,
                          sort=f"{note}#{n:06d}"), None)
    b.commit()
    notes = store.children.list(parent, "note")
    assert len(notes) == 2
    first = notes[0].id
    versions = store.children.list(parent, "note_version", f"{first}#")
    assert [v.data["version"] for v in versions] == [1, 2]
    assert versions[0].sort == f"{first}#000001"
    assert len(store.children.list(parent, "note_version")) == 4


def test_child_updated_at_its_version_stays_one_item(store: Store) -> None:
    """GIVEN a contract child (sort `CODE#date`) WHEN read back and saved at its version THEN the same item
    is replaced (no copy), the version moves on, and a second save from the old version is StaleVersion."""
    parent = keys.org_pk(uuid.uuid4().hex)
    now = datetime.now(UTC).isoformat()
    b = store.batch()
    b.child(Child(kind="contract", id="c" + uuid.uuid4().hex[:8], parent_key=parent,
                  data={"contract_code": "WIREPERSON", "effective_date": "2025-01-01"}, created_at=now,
                  updated_at=now, sort="WIREPERSON#2025-01-01"), None)
    b.commit()
    [stored] = store.children.list(parent, "contract")
    assert stored.sort == "WIREPERSON#2025-01-01" and stored.version == 1
    b = store.batch()
    b.child(Child(**{**stored.__dict__, "data": {**stored.data, "effective_date": "2024-07-01"}}), 1)
    b.commit()
    [after] = store.children.list(parent, "contract")
    assert after.version == 2 and after.data["effective_date"] == "2024-07-01"
    assert store.children.get(parent, "contract", stored.id) == after
    b = store.batch()
    b.child(stored, 1)
    with pytest.raises(StaleVersion):
        b.commit()
