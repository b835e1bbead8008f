"""One behavioural suite, three stores: the in-memory twin, DynamoDB on moto with the local runtime's
patch, and DynamoDB on stock moto (a small data set, in its own process). Module repositories are written
once over the store core, so this suite proves the store core and every codec on each store."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.audit import store as audit_repo
from chalicelib.core.errors import AppError, DuplicateKey, StaleVersion
from chalicelib.core.store import Query, Store, absent, contains, eq, present, versioned
from chalicelib.core.store.memory import MemoryStore
from chalicelib.employers import store as employers_repo
from chalicelib.employers.domain import Contract, Organization
from chalicelib.employment import store as employment_repo
from chalicelib.employment.domain import EmploymentRecord
from chalicelib.identity import store as users_repo
from chalicelib.identity import users as users_service
from chalicelib.identity.domain import User
from chalicelib.members import store as members_repo
from chalicelib.members.domain import MemberStatus, name_key
from chalicelib.notes import store as notes_repo
from chalicelib.notes.domain import Note, NoteVersion
from factories import audit, ctx_for, key_of, member

STORES = ["memory", "dynamodb", "stock-moto"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    from chalicelib.core.store.dynamo import DynamoStore

    if request.param == "dynamodb":
        res = request.getfixturevalue("provisioned")
        return DynamoStore(res.table_name, "us-west-2", request.getfixturevalue("moto_endpoint"))
    res = request.getfixturevalue("stock_provisioned")
    return DynamoStore(res.table_name, "us-west-2", request.getfixturevalue("stock_moto_endpoint"))


@pytest.fixture
def atomic_store(request: pytest.FixtureRequest, store: Store) -> Store:
    """Races need DynamoDB's atomic conditions: stock moto checks and writes without a lock and really
    does double-book (tests/integration/local_runtime/test_fast_dynamodb.py shows it); our patch adds it."""
    if request.node.callspec.params["store"] == "stock-moto":
        pytest.skip("stock moto is not atomic under concurrent conditional writes")
    return store


def unique_name() -> str:
    return "ZZ" + uuid.uuid4().hex[:10].upper()


def add_member(store: Store, **over: object):  # type: ignore[no-untyped-def]
    m = member(**over)
    b = store.batch()
    b.create_unique(members_repo.member_number_key(m.member_number), m.id)
    b.put(m)
    b.audit(audit(m.id))
    b.commit()
    return m


def test_member_round_trip_and_lookup_by_number(store: Store) -> None:
    """GIVEN a stored member WHEN read by id and by card number THEN the same record comes back."""
    m = add_member(store, email="round.trip@example.com")
    assert members_repo.get(store, m.id) == m
    assert members_repo.get_by_number(store, m.member_number) == m
    assert [x.id for x in members_repo.by_email(store, "ROUND.TRIP@example.com")] == [m.id]
    assert members_repo.get(store, "missing") is None


def test_duplicate_card_number_is_refused_and_nothing_is_written(store: Store) -> None:
    """GIVEN a member with card N WHEN another member claims N THEN DuplicateKey and no half-write."""
    first = add_member(store)
    second = member(member_number=first.member_number)
    b = store.batch()
    b.create_unique(members_repo.member_number_key(second.member_number), second.id)
    b.put(second)
    b.audit(audit(second.id))
    with pytest.raises(DuplicateKey) as err:
        b.commit()
    assert err.value.field_name == members_repo.member_number_key(first.member_number)
    assert members_repo.get(store, second.id) is None
    assert audit_repo.by_entity(store, "member", second.id, 10, None).items == []


def test_stale_version_is_refused(store: Store) -> None:
    """GIVEN version 1 WHEN two writers both update from version 1 THEN the second gets StaleVersion."""
    m = add_member(store)
    b1 = store.batch()
    b1.put(m.model_copy(update={"phone": "(206) 555-0101"}), 1)
    b1.commit()
    assert members_repo.get(store, m.id).version == 2  # type: ignore[union-attr]
    b2 = store.batch()
    b2.put(m.model_copy(update={"phone": "(206) 555-0102"}), 1)
    with pytest.raises(StaleVersion):
        b2.commit()
    assert members_repo.get(store, m.id).phone == "(206) 555-0101"  # type: ignore[union-attr]


def test_name_search_is_ordered_and_pages_without_gaps(store: Store) -> None:
    """GIVEN 7 members sharing a last name WHEN paged 3 at a time THEN all 7 come in name order."""
    last = unique_name()
    firsts = ["GINA", "ALAN", "FAY", "BEA", "EDDIE", "CARL", "DORA"]
    for first in firsts:
        add_member(store, last_name=last, first_name=first)
    seen, cursor = [], None
    for _ in range(5):
        page = members_repo.search(store, members_repo.MemberQuery(name_prefix=name_key(last).rstrip("|")), 3,
                                   cursor)
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
    query = members_repo.MemberQuery
    ids = {m.id for m in members_repo.search(store, query(name_prefix=prefix), 50, None).items}
    assert ids == {a.id, s.id}
    only = members_repo.search(store, query(name_prefix=prefix, status="suspended"), 50, None).items
    assert [m.id for m in only] == [s.id]
    everyone = members_repo.search(store, query(name_prefix=prefix, include_deleted=True), 50, None).items
    assert {m.id for m in everyone} == {a.id, s.id, d.id}


def test_audit_by_entity_newest_first_by_actor_and_by_day(store: Store) -> None:
    """GIVEN 5 entries for one record WHEN read 2 at a time THEN newest first, no repeats."""
    entity, actor = uuid.uuid4().hex, "actor-" + uuid.uuid4().hex[:6]
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for i in range(5):
        store.create(audit(entity, actor=actor, at=base + timedelta(minutes=i)))
    times, cursor = [], None
    while True:
        page = audit_repo.by_entity(store, "member", entity, 2, cursor)
        times += [e.occurred_at for e in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert times == sorted(times, reverse=True) and len(times) == 5
    assert len(audit_repo.by_actor(store, actor, 10, None).items) == 5
    day = [e for e in audit_repo.by_day(store, base.date(), 500, None).items if e.entity_id == entity]
    assert len(day) == 5


def test_audit_entries_are_write_once(store: Store) -> None:
    """GIVEN an audit entry WHEN the same entry is written again THEN it is refused, alone or in a batch."""
    entry = audit(uuid.uuid4().hex)
    assert store.create(entry) is True
    assert store.create(entry.model_copy(update={"actor_id": "forger"})) is False
    b = store.batch()
    b.audit(entry.model_copy(update={"actor_id": "forger"}))
    with pytest.raises(StaleVersion):
        b.commit()
    assert [e.actor_id for e in audit_repo.by_entity(store, "member", entry.entity_id, 5, None).items] == ["user-1"]


def test_audit_entries_and_seals_cannot_be_overwritten_or_deleted_through_any_write_path(store: Store) -> None:
    """GIVEN an audit entry and a seal WHEN a forged copy is put through every write path of the store
    (create, a batch's audit, a batch's put without and with a version, a delete) THEN each attempt fails
    (refused condition, or refused before anything is sent) and the original item is left as it was."""
    from chalicelib.audit.domain import GENESIS, make_seal
    from chalicelib.core.store.ports import WriteOnce

    entry = audit(uuid.uuid4().hex)
    assert store.create(entry) is True
    forged = entry.model_copy(update={"actor_id": "forger", "new_values": {"phone": "forged"}})
    assert store.create(forged) is False
    for attempt in ("audit", "put"):
        b = store.batch()
        getattr(b, attempt)(forged)
        with pytest.raises(StaleVersion):
            b.commit()
    for rewrite in (lambda b: b.put(forged, expected_version=0), lambda b: b.put(forged, expected_version=1),
                    lambda b: b.delete(entry), lambda b: b.delete(entry, expected_version=1)):
        with pytest.raises(WriteOnce):
            rewrite(store.batch())
    stored = audit_repo.by_entity(store, "member", entry.entity_id, 5, None).items
    assert stored == [entry]

    day = date(1999, 1, 1) + timedelta(days=uuid.uuid4().int % 3000)  # a day of its own on the shared table
    seal = make_seal(day, GENESIS, [], "2026-01-01T00:00:00+00:00")
    other = make_seal(day, "f" * 64, [], "2026-01-02T00:00:00+00:00")
    assert audit_repo.put_seal(store, seal) is True
    assert audit_repo.put_seal(store, other) is False
    head = store.get(audit_repo.SEAL_HEADS, (audit_repo.SEALS_PK, audit_repo.seal_sk(day.isoformat())))
    assert head is not None
    with pytest.raises(WriteOnce):
        store.batch().put(head, expected_version=1)
    with pytest.raises(WriteOnce):
        store.batch().delete(head)
    assert audit_repo.get_seal(store, day) == seal


def test_organizations_by_code_name_and_contract(store: Store) -> None:
    """GIVEN an employer holding two contract codes WHEN searched THEN code, prefix and contract filters work."""
    name = unique_name() + " ELECTRIC"
    now = datetime.now(UTC).isoformat()
    code = str(uuid.uuid4().int)[:8]
    org = Organization(id=uuid.uuid4().hex, name=name, code=code, contract_codes=["RESIDENTIAL", "WIREPERSON"],
                       created_at=now, updated_at=now)
    b = store.batch()
    b.create_unique(employers_repo.org_code_key(code), org.id)
    b.put(org)
    b.commit()
    assert employers_repo.get_by_code(store, code) == org
    prefix = name_key(name).rstrip("|")
    assert [o.id for o in employers_repo.search(store, prefix, "WIREPERSON", 10, None).items] == [org.id]
    assert employers_repo.search(store, prefix, "GROUP MARINE", 10, None).items == []


def _job(member_id: str, employer_id: str, start: str, rate: str = "61.25") -> EmploymentRecord:
    now = datetime.now(UTC).isoformat()
    first = date.fromisoformat(start)
    return EmploymentRecord(id=uuid.uuid4().hex, member_id=member_id, employer_id=employer_id, start_date=first,
                            end_date=first + timedelta(days=9), hourly_rate=rate, created_at=now, updated_at=now)


def _note(member_id: str, note_id: str | None = None) -> Note:
    now = datetime.now(UTC).isoformat()
    return Note(id=note_id or uuid.uuid4().hex, member_id=member_id, text="now", author_id="a", created_at=now,
                updated_at=now)


def test_children_listed_by_kind_and_by_index(store: Store) -> None:
    """GIVEN employment and note records of a member WHEN listed THEN each kind alone, jobs in start order,
    and jobs found through their employer's index."""
    mid, employer = uuid.uuid4().hex, uuid.uuid4().hex
    b = store.batch()
    for start in ["2025-03-01", "2024-01-15"]:
        b.put(_job(mid, employer, start))
    b.put(_note(mid))
    b.commit()
    jobs = employment_repo.of_member(store, mid)
    assert [j.start_date.isoformat() for j in jobs] == ["2024-01-15", "2025-03-01"]
    assert jobs[0].hourly_rate == "61.25"
    assert len(notes_repo.of_member(store, mid)) == 1
    assert len(employment_repo.by_employer(store, employer, 10, None).items) == 2


def test_claims_race_has_exactly_one_winner(atomic_store: Store) -> None:
    """GIVEN 12 threads WHEN all claim the same key at once THEN exactly one succeeds."""
    store = atomic_store
    key = f"RACE#{uuid.uuid4().hex}"
    wins, losses = [], []
    gate = threading.Barrier(12)

    def claim(i: int) -> None:
        b = store.batch()
        b.create_unique(key, f"owner-{i}")
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


def test_tickets_expire_and_are_taken_exactly_once(atomic_store: Store) -> None:
    """GIVEN a ticket WHEN 8 threads take it at once THEN exactly one gets the data; expired reads as absent."""
    store = atomic_store
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


def _user(**over: object) -> User:
    base = User(id=uuid.uuid4().hex, email=f"{uuid.uuid4().hex}@example.org", roles=["staff"], created_at="t",
                updated_at="t")
    return replace(base, **over)  # type: ignore[arg-type]


def test_user_mfa_flag_round_trips(store: Store) -> None:
    user = _user(mfa_enabled=True)
    b = store.batch()
    b.put(user)
    b.commit()
    saved = users_repo.get(store, user.id)
    assert saved is not None and saved.mfa_enabled is True


def test_foreign_cursor_is_a_400(store: Store) -> None:
    """GIVEN a cursor we did not issue WHEN used THEN a 400 naming `cursor`."""
    with pytest.raises(AppError) as err:
        members_repo.search(store, members_repo.MemberQuery(), 10, "bm90LWEtY3Vyc29y")
    assert err.value.status == 400 and err.value.fields[0].name == "cursor"


def test_committing_a_user_change_drops_the_authorizers_cached_copy(store: Store) -> None:
    """GIVEN a user cached by the authorizer WHEN a batch commits a change to that user THEN the
    next authorizer lookup sees the change (sign-out and disable must not wait for the TTL)."""
    user = _user()
    b = store.batch()
    b.put(user)
    b.audit(audit(user.id))
    b.commit()
    assert users_repo.cached_user(store, user.id, 60) is not None
    b = store.batch()
    b.put(replace(user, enabled=False), 1)
    b.audit(audit(user.id))
    b.commit()
    cached = users_repo.cached_user(store, user.id, 60)
    assert cached is not None and cached.enabled is False


def test_children_narrowed_by_sort_prefix_and_sort_keys_holding_hashes_round_trip(store: Store) -> None:
    """GIVEN versions of two notes WHEN one note's versions are listed THEN only that note's versions, in
    order, under their full key; listing notes does not pick up note versions."""
    mid = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    b = store.batch()
    note_ids = ["n1" + uuid.uuid4().hex[:6], "n2" + uuid.uuid4().hex[:6]]
    for note_id in note_ids:
        b.put(_note(mid, note_id))
        for n in (2, 1):
            b.put(NoteVersion(id=f"v{n}{uuid.uuid4().hex[:6]}", member_id=mid, note_id=note_id, note_version=n,
                              saved_at=now, replaced_at=now, replaced_by="a", text=f"v{n}", category="general",
                              visibility="staff_only", author_id="a"))
    b.commit()
    notes = notes_repo.of_member(store, mid)
    assert len(notes) == 2
    first = notes[0].id
    versions = notes_repo.versions(store, mid, first)
    assert [v.note_version for v in versions] == [1, 2]
    assert key_of(versions[0])[1] == f"NOTE_VERSION#{first}#000001"
    assert sum(len(notes_repo.versions(store, mid, n)) for n in note_ids) == 4


def test_child_updated_at_its_version_stays_one_item(store: Store) -> None:
    """GIVEN a contract WHEN read back and saved at its version THEN the same item is replaced (no copy),
    the version moves on, and a second save from the old version is StaleVersion."""
    org_id = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    b = store.batch()
    b.put(Contract(id="c" + uuid.uuid4().hex[:8], org_id=org_id, contract_code="WIREPERSON",
                   effective_date=date(2025, 1, 1), created_at=now, updated_at=now))
    b.commit()
    [stored] = employers_repo.contracts(store, org_id)
    assert stored.effective_date == date(2025, 1, 1) and stored.version == 1
    b = store.batch()
    b.put(stored.model_copy(update={"effective_date": date(2024, 7, 1)}), 1)
    b.commit()
    [after] = employers_repo.contracts(store, org_id)
    assert after.version == 2 and after.effective_date == date(2024, 7, 1)
    b = store.batch()
    b.put(stored, 1)
    with pytest.raises(StaleVersion):
        b.commit()


# -- the store core on its own -------------------------------------------------------------------------

def test_query_filters_projection_range_and_count(store: Store) -> None:
    """GIVEN jobs of one member WHEN queried with filters, a sort-key range or a projection THEN both twins
    answer the same: conditions hold, the range is inclusive, unread attributes are absent, counts agree."""
    mid, employer = uuid.uuid4().hex, uuid.uuid4().hex
    jobs = [_job(mid, employer, f"2025-0{m}-01", rate) for m, rate in ((1, "50.00"), (2, "61.25"), (3, "61.25"))]
    jobs[2] = jobs[2].model_copy(update={"job_class": "JRY WIRE"})
    b = store.batch()
    for j in jobs:
        b.put(j)
    b.commit()
    codec = employment_repo.EMPLOYMENT
    part = members_repo.member_pk(mid)
    rated = store.query(codec, Query(part, where=(eq("hourly_rate", "61.25"),)), 10)
    assert {j.id for j in rated.items} == {jobs[1].id, jobs[2].id} and rated.next_cursor is None
    assert [j.id for j in store.query(codec, Query(part, where=(present("job_class"),)), 10).items] == [jobs[2].id]
    assert len(store.query(codec, Query(part, where=(absent("job_class"),)), 10).items) == 2
    by_index = Query(employment_repo.employer_partition(employer), index="GSI1",
                     between=("EMPLOYMENT#2025-02-01", "EMPLOYMENT#2025-03-01~"))
    assert [j.start_date.month for j in store.query(codec, by_index, 10).items] == [2, 3]
    newest = store.query(codec, Query(employment_repo.employer_partition(employer), index="GSI1", newest_first=True),
                         1)
    assert newest.items[0].start_date.month == 3 and newest.next_cursor
    projected = store.query(codec, Query(part, select=("start_date",)), 10, decode=dict)
    assert all("hourly_rate" not in row and "start_date" in row for row in projected.items)
    assert store.count(Query(part, where=(eq("hourly_rate", "61.25"),))) == 2
    org = Organization(id=uuid.uuid4().hex, name=unique_name(), contract_codes=["SOUND & COMM"], created_at="t",
                       updated_at="t")
    b = store.batch()
    b.put(org)
    b.commit()
    by_contract = Query("ORGS", index="GSI1", begins_with=f"NAME#{name_key(org.name)}",
                        where=(contains("contract_codes", "SOUND & COMM"),))
    found = store.query(employers_repo.ORGANIZATIONS, by_contract, 5)
    assert [o.id for o in found.items] == [org.id]


def test_check_delete_and_release_are_conditional(store: Store) -> None:
    """GIVEN a member at version 2 WHEN a batch requires version 1 THEN nothing in it is written; a delete
    at the right version and a release by the owner go through."""
    m = add_member(store)
    b = store.batch()
    b.put(m.model_copy(update={"city": "TACOMA"}), 1)
    b.commit()
    job = _job(m.id, uuid.uuid4().hex, "2025-01-01")
    b = store.batch()
    b.check(m, 1)  # stale: the member is at version 2
    b.put(job)
    with pytest.raises(StaleVersion):
        b.commit()
    assert employment_repo.get(store, m.id, job.id) is None
    b = store.batch()
    b.check(m, 2)
    b.put(job)
    b.release_unique(members_repo.member_number_key(m.member_number), "not-the-owner")
    with pytest.raises(StaleVersion):
        b.commit()
    b = store.batch()
    b.check(m, 2)
    b.put(job)
    b.release_unique(members_repo.member_number_key(m.member_number), m.id)
    b.commit()
    assert store.owner_of(members_repo.member_number_key(m.member_number)) is None
    b = store.batch()
    b.delete(job, 1)
    b.commit()
    assert employment_repo.get(store, m.id, job.id) is None


def test_a_unique_key_changes_hands_only_from_its_owner(store: Store) -> None:
    """GIVEN a key held by A WHEN transferred from B THEN refused and A keeps it; WHEN transferred from A to C
    THEN C holds it, in the same transaction as the rest of the batch."""
    key = f"LIVEREG#{uuid.uuid4().hex}#BOOK"
    b = store.batch()
    b.create_unique(key, "owner-a")
    b.commit()
    b = store.batch()
    b.transfer_unique(key, "owner-b", "owner-c")
    with pytest.raises(StaleVersion):
        b.commit()
    assert store.owner_of(key) == "owner-a"
    b = store.batch()
    b.transfer_unique(key, "owner-a", "owner-c")
    b.commit()
    assert store.owner_of(key) == "owner-c"


def test_exact_numbers_only(store: Store) -> None:
    """GIVEN a value with a float WHEN stored THEN refused before anything is sent; Decimals round-trip."""
    key = f"TICKET#EXACT#{uuid.uuid4().hex}"
    with pytest.raises(TypeError):
        store.tickets.put(key, {"rate": 61.25}, 10**10)
    assert store.tickets.get(key, 0) is None
    store.tickets.put(key, {"apn": "45880.40", "cents": 17850, "rate": Decimal("0.0425")}, 10**10)
    assert store.tickets.get(key, 0) == {"apn": "45880.40", "cents": 17850, "rate": Decimal("0.0425")}


def test_concurrent_user_edits_end_in_one_save_and_a_409(atomic_store: Store) -> None:
    """GIVEN two admins editing the same user at once WHEN both save from the version they read THEN one
    save wins and the other gets the 409 contract with the current record (it used to escape as a 500)."""
    store = atomic_store
    user = _user()
    b = store.batch()
    b.put(user)
    b.commit()
    gate = threading.Barrier(2)
    outcomes: list[object] = []

    def save(name: str) -> None:
        before = users_repo.get(store, user.id)
        assert before is not None
        gate.wait()
        try:
            users_service.save(ctx_for(store, "admin"), before, replace(before, display_name=name))
            outcomes.append("saved")
        except AppError as err:
            outcomes.append(err)

    threads = [threading.Thread(target=save, args=(n,)) for n in ("ANN", "BOB")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [o for o in outcomes if isinstance(o, AppError)]
    assert outcomes.count("saved") == 1 and len(errors) == 1
    assert errors[0].status == 409 and errors[0].code == versioned.CONCURRENT_UPDATE
    assert errors[0].extra["current"]["version"] == 2


def test_cursors_are_signed_and_bound_to_their_query(store: Store) -> None:
    """GIVEN a cursor of one member search WHEN it is tampered with, or used for another search THEN 400
    naming `cursor` (never a 500, never another list's items); unchanged, it continues its own list."""
    last = unique_name()
    for first in ("ANN", "BEN", "CAT"):
        add_member(store, last_name=last, first_name=first)
    query = members_repo.MemberQuery(name_prefix=name_key(last).rstrip("|"))
    cursor = members_repo.search(store, query, 1, None).next_cursor
    assert cursor
    assert [m.first_name for m in members_repo.search(store, query, 5, cursor).items] == ["BEN", "CAT"]
    payload, _, signature = cursor.partition(".")
    for bad in (f"{payload}.{signature[::-1]}", f"{payload[:-2]}AA.{signature}", payload):
        with pytest.raises(AppError) as err:
            members_repo.search(store, query, 5, bad)
        assert err.value.status == 400 and err.value.fields[0].name == "cursor"
    other = members_repo.MemberQuery(name_prefix=name_key(last).rstrip("|"), status="suspended")
    with pytest.raises(AppError) as err:
        members_repo.search(store, other, 5, cursor)
    assert err.value.status == 400


def test_sequences_are_atomic_seeded_and_raised(atomic_store: Store) -> None:
    """GIVEN a new sequence seeded at 40 WHEN 12 threads take numbers at once THEN 41…52, each once; raising it
    to 60 makes the next 61, and raising it to 10 changes nothing."""
    store = atomic_store
    name = f"TEST#{uuid.uuid4().hex}"
    got: list[int] = []
    gate = threading.Barrier(12)

    def take() -> None:
        gate.wait()
        got.append(store.sequences.next(name, floor=40))

    threads = [threading.Thread(target=take) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(41, 53)) and store.sequences.current(name) == 52
    store.sequences.raise_to(name, 60)
    store.sequences.raise_to(name, 10)
    assert store.sequences.next(name) == 61


def test_get_many_reads_items_of_several_kinds_in_one_call_in_the_order_asked(store: Store) -> None:
    """GIVEN a member, a user and 120 missing keys WHEN read together THEN each comes back in its place (None
    for the missing), across the 100-key limit of one call."""
    m = add_member(store)
    user = _user()
    b = store.batch()
    b.put(user)
    b.commit()
    wanted = [(members_repo.MEMBERS, key_of(m)), (users_repo.USERS, key_of(user))]
    wanted += [(members_repo.MEMBERS, (f"MEMBER#{uuid.uuid4().hex}", "PROFILE")) for _ in range(120)]
    wanted.append((members_repo.MEMBERS, key_of(m)))
    got = store.get_many(wanted)
    assert got[0] == m and got[1] == users_repo.get(store, user.id) and got[-1] == m
    assert got[2:-1] == [None] * 120
