"""DynamoDB implementation of the storage ports (PynamoDB over the single table)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any, TypeVar, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.audit_chain import Seal, SealedEntry
from chalicelib.domain.members import Member, MemberSummary, name_key
from chalicelib.errors import DuplicateKey, FieldProblem, StaleVersion, bad_request
from chalicelib.store import keys
from chalicelib.store.models import (
    ALL_MODELS,
    AuditItem,
    AuditSealItem,
    AuditSealPart,
    ChildItem,
    Counter,
    MemberItem,
    OrganizationItem,
    TicketItem,
    UniqueKey,
    UserItem,
    bind_models,
)
from chalicelib.store.ports import Child, MemberQuery, Organization, OrganizationSummary, Page, User
from chalicelib.store.recent_users import RECENT_USERS

M = TypeVar("M", bound=Model)
E = TypeVar("E")

MAX_TRANSACTION_ITEMS = 100
# The one SDK client's connection pool: a threaded local server runs many requests at once (a Lambda
# runs one, so this costs nothing there).
MAX_POOL_CONNECTIONS = 64
# Lines of ~125 bytes: a part stays well under DynamoDB's 400 KB item limit.
SEAL_PART_ROWS = 2500


def _cursor_in(cursor: str | None) -> dict[str, Any] | None:
    raw = keys.decode_cursor(cursor)
    if raw is None:
        return None
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in raw.values()):
        raise bad_request("The cursor is not valid.", FieldProblem("cursor", "not a cursor this API issued"))
    return raw


def _collect(results: Any, convert: Callable[[Any], E], limit: int) -> Page[E]:
    """Drain a PynamoDB result iterator up to `limit` (filters may thin pages) and keep its cursor."""
    items: list[E] = []
    for raw in results:
        items.append(convert(raw))
        if len(items) >= limit:
            break
    lek = results.last_evaluated_key if len(items) >= limit else None
    return Page(items, keys.encode_cursor(lek))


# -- mapping between domain records and items ---------------------------------------------------

def _member_item(member: Member) -> MemberItem:
    data = member.model_dump(mode="json")
    nk = name_key(member.last_name, member.first_name)
    item = MemberItem(
        PK=keys.member_pk(member.id),
        SK=keys.PROFILE,
        entity="member",
        GSI1PK="MEMBERS",
        GSI1SK=f"NAME#{nk}#{member.id}",
        GSI3PK=f"MEMBERSTATUS#{member.status.value}",
        GSI3SK=f"NAME#{nk}#{member.id}",
        **{k: v for k, v in data.items() if k != "version"},
    )
    if member.email:
        item.GSI2PK = f"EMAIL#{member.email.lower()}"
        item.GSI2SK = keys.member_pk(member.id)
    return item


def _member_of(item: MemberItem) -> Member:
    data = {name: getattr(item, name) for name in Member.model_fields}
    return Member.model_validate(data)


# List queries read only what a list shows (plus every index key, for the page cursor): a page of
# 50 full member items is ~60 KB to send and parse, the summaries less than half of that.
_INDEX_KEYS = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK"]
_MEMBER_LIST_ATTRS = _INDEX_KEYS + list(MemberSummary.model_fields)
_ORG_LIST_ATTRS = _INDEX_KEYS + list(OrganizationSummary.__dataclass_fields__)


def _member_summary_of(item: MemberItem) -> MemberSummary:
    return MemberSummary.model_validate({name: getattr(item, name) for name in MemberSummary.model_fields})


def _org_summary_of(item: OrganizationItem) -> OrganizationSummary:
    data = {name: getattr(item, name) for name in OrganizationSummary.__dataclass_fields__}
    data["contract_codes"] = list(data["contract_codes"] or [])
    return OrganizationSummary(**data)


def _org_item(org: Organization) -> OrganizationItem:
    nk = name_key(org.name)
    data = asdict(org)
    data.pop("version")
    return OrganizationItem(
        PK=keys.org_pk(org.id), SK=keys.PROFILE, entity="organization",
        GSI1PK="ORGS", GSI1SK=f"NAME#{nk}#{org.id}",
        GSI2PK=f"ORGNAME#{nk}", GSI2SK=keys.org_pk(org.id),
        **data,
    )


def _org_of(item: OrganizationItem) -> Organization:
    fields = Organization.__dataclass_fields__
    data = {name: getattr(item, name) for name in fields}
    data["contract_codes"] = list(data["contract_codes"] or [])
    return Organization(**data)


def _child_item(child: Child) -> ChildItem:
    sk = keys.child_sk(child.kind, child.sort, child.id)
    item = ChildItem(
        PK=child.parent_key, SK=sk, entity=child.kind, id=child.id, parent_id=child.parent_key,
        data=child.data, created_at=child.created_at, updated_at=child.updated_at,
    )
    if child.index_key:
        item.GSI1PK = child.index_key
        item.GSI1SK = sk
    return item


def _plain(value: Any) -> Any:
    """PynamoDB maps hand back MapAttribute/Decimal-ish values; make them plain JSON-able data."""
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _child_of(item: ChildItem) -> Child:
    # SK = <KIND>#<sort>#<id>: the sort may itself hold '#' (contract code#date, note id#version); ids never do.
    sort = item.SK.split("#", 1)[1].rsplit("#", 1)[0]
    return Child(
        kind=item.entity, id=item.id, parent_key=item.PK, data=_plain(item.data),
        created_at=item.created_at, updated_at=item.updated_at, version=item.version or 1,
        sort=sort, index_key=item.GSI1PK,
    )


def _audit_item(entry: AuditEntry) -> AuditItem:
    data = entry.model_dump(mode="json")
    ts = data["occurred_at"]
    sk = f"{ts}#{entry.id}"
    return AuditItem(
        PK=keys.audit_pk(entry.entity_type, entry.entity_id), SK=sk, entity="audit",
        GSI2PK=f"ACTOR#{entry.actor_id}", GSI2SK=sk,
        GSI3PK=f"AUDITDAY#{ts[:10]}", GSI3SK=sk,
        **data,
    )


def _audit_of(item: AuditItem) -> AuditEntry:
    data = {name: _plain(getattr(item, name)) for name in AuditEntry.model_fields}
    return AuditEntry.model_validate(data)


def _user_item(user: User) -> UserItem:
    data = asdict(user)
    data.pop("version")
    return UserItem(PK=keys.user_pk(user.id), SK=keys.PROFILE, entity="user",
                    GSI1PK="USERS", GSI1SK=f"{user.email.lower()}#{user.id}", **data)


def _user_of(item: UserItem) -> User:
    data = {name: getattr(item, name) for name in User.__dataclass_fields__}
    data["roles"] = list(data["roles"] or [])
    data["tokens_valid_after"] = int(data["tokens_valid_after"] or 0)
    data["mfa_enabled"] = bool(data["mfa_enabled"])
    return User(**data)


def _versioned(item: M, expected_version: int | None) -> M:
    # PynamoDB's VersionAttribute turns this into the optimistic-lock condition and the increment.
    if expected_version is not None:
        item.version = expected_version  # type: ignore[attr-defined]
    return item


class DynamoWriteBatch:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        # (item, condition, is_claim_key, delete) – the claim key lets us name the refused uniqueness rule.
        self._ops: list[tuple[Model, Condition | None, str | None, bool]] = []

    def member(self, member: Member, expected_version: int | None) -> None:
        self._ops.append((_versioned(_member_item(member), expected_version), None, None, False))

    def organization(self, org: Organization, expected_version: int | None) -> None:
        self._ops.append((_versioned(_org_item(org), expected_version), None, None, False))

    def child(self, child: Child, expected_version: int | None) -> None:
        self._ops.append((_versioned(_child_item(child), expected_version), None, None, False))

    def user(self, user: User, expected_version: int | None) -> None:
        self._ops.append((_versioned(_user_item(user), expected_version), None, None, False))

    def claim(self, unique_key: str, owner_id: str) -> None:
        item = UniqueKey(PK=unique_key, SK=keys.UNIQUE, entity="unique", owner_id=owner_id)
        self._ops.append((item, UniqueKey.PK.does_not_exist(), unique_key, False))

    def release(self, unique_key: str, owner_id: str) -> None:
        item = UniqueKey(PK=unique_key, SK=keys.UNIQUE, entity="unique", owner_id=owner_id)
        self._ops.append((item, UniqueKey.owner_id == owner_id, None, True))

    def audit(self, entry: AuditEntry) -> None:
        self._ops.append((_audit_item(entry), AuditItem.PK.does_not_exist(), None, False))

    def commit(self) -> None:
        if not self._ops:
            return
        if len(self._ops) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a batch holds at most {MAX_TRANSACTION_ITEMS} changes")
        try:
            with TransactWrite(connection=self._connection) as tx:
                for item, condition, _, delete in self._ops:
                    if delete:
                        tx.delete(item, condition=condition)
                    else:
                        tx.save(item, condition=condition)
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            for (_, _, claim_key, _), reason in zip(self._ops, reasons, strict=False):
                if reason is not None and reason.code == "ConditionalCheckFailed":
                    if claim_key:
                        raise DuplicateKey(claim_key) from exc
                    raise StaleVersion() from exc
            raise
        for item, _, _, _ in self._ops:
            if isinstance(item, UserItem):
                RECENT_USERS.forget(str(item.id))


class DynamoMembers:
    def get(self, member_id: str) -> Member | None:
        try:
            return _member_of(MemberItem.get(keys.member_pk(member_id), keys.PROFILE))
        except MemberItem.DoesNotExist:
            return None

    def get_by_number(self, member_number: str) -> Member | None:
        try:
            marker = UniqueKey.get(keys.member_number_key(member_number), keys.UNIQUE)
        except UniqueKey.DoesNotExist:
            return None
        return self.get(marker.owner_id)

    def by_email(self, email: str) -> list[Member]:
        found = MemberItem.gsi2.query(f"EMAIL#{email.lower()}", limit=50)
        return [_member_of(cast(MemberItem, i)) for i in found]

    def search(self, query: MemberQuery, limit: int, cursor: str | None) -> Page[MemberSummary]:
        start = _cursor_in(cursor)
        condition = None
        if query.name_prefix:
            condition = MemberItem.GSI1SK.startswith(f"NAME#{query.name_prefix}")
        filters: list[Condition] = []
        if not query.include_deleted:
            filters.append(MemberItem.deleted_at.does_not_exist())
        if query.classification:
            filters.append(MemberItem.classification == query.classification)
        if query.card_type:
            filters.append(MemberItem.card_type == query.card_type)
        filter_condition = None
        for f in filters:
            filter_condition = f if filter_condition is None else filter_condition & f
        if query.status:
            range_cond = MemberItem.GSI3SK.startswith(f"NAME#{query.name_prefix}") if query.name_prefix else None
            results = MemberItem.gsi3.query(
                f"MEMBERSTATUS#{query.status}", range_cond, filter_condition,
                last_evaluated_key=start, page_size=max(limit, 50), attributes_to_get=_MEMBER_LIST_ATTRS,
            )
        else:
            results = MemberItem.gsi1.query(
                "MEMBERS", condition, filter_condition, last_evaluated_key=start, page_size=max(limit, 50),
                attributes_to_get=_MEMBER_LIST_ATTRS,
            )
        return _collect(results, _member_summary_of, limit)


class DynamoOrganizations:
    def get(self, org_id: str) -> Organization | None:
        try:
            return _org_of(OrganizationItem.get(keys.org_pk(org_id), keys.PROFILE))
        except OrganizationItem.DoesNotExist:
            return None

    def get_by_code(self, code: str) -> Organization | None:
        try:
            marker = UniqueKey.get(keys.org_code_key(code), keys.UNIQUE)
        except UniqueKey.DoesNotExist:
            return None
        return self.get(marker.owner_id)

    def search(self, name_prefix: str | None, contract_code: str | None, limit: int,
               cursor: str | None) -> Page[OrganizationSummary]:
        start = _cursor_in(cursor)
        not_deleted = OrganizationItem.deleted_at.does_not_exist()
        cond = OrganizationItem.GSI1SK.startswith(f"NAME#{name_prefix}") if name_prefix else None
        if contract_code:
            contains = OrganizationItem.contract_codes.contains(contract_code)
            results = OrganizationItem.gsi1.query(
                "ORGS", cond, not_deleted & contains, last_evaluated_key=start, page_size=max(limit, 100),
                attributes_to_get=_ORG_LIST_ATTRS,
            )
        else:
            results = OrganizationItem.gsi1.query(
                "ORGS", cond, not_deleted, last_evaluated_key=start, page_size=max(limit, 50),
                attributes_to_get=_ORG_LIST_ATTRS,
            )
        return _collect(results, _org_summary_of, limit)


class DynamoChildren:
    def list(self, parent_key: str, kind: str, sort_prefix: str = "") -> list[Child]:
        prefix = f"{kind.upper()}#{sort_prefix}"
        return [_child_of(i) for i in ChildItem.query(parent_key, ChildItem.SK.startswith(prefix))]

    def get(self, parent_key: str, kind: str, child_id: str) -> Child | None:
        for child in self.list(parent_key, kind):
            if child.id == child_id:
                return child
        return None

    def by_index(self, index_key: str, limit: int, cursor: str | None) -> Page[Child]:
        results = ChildItem.gsi1.query(index_key, last_evaluated_key=_cursor_in(cursor), page_size=limit)
        return _collect(results, _child_of, limit)


class DynamoAuditLog:
    def append(self, entry: AuditEntry) -> None:
        _audit_item(entry).save(condition=AuditItem.PK.does_not_exist())

    def by_entity(self, entity_type: str, entity_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        results = AuditItem.query(keys.audit_pk(entity_type, entity_id), scan_index_forward=False,
                                  last_evaluated_key=_cursor_in(cursor), page_size=limit)
        return _collect(results, _audit_of, limit)

    def by_actor(self, actor_id: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        results = AuditItem.gsi2.query(f"ACTOR#{actor_id}", scan_index_forward=False,
                                       last_evaluated_key=_cursor_in(cursor), page_size=limit)
        return _collect(results, _audit_of, limit)

    def by_day(self, day: date, limit: int, cursor: str | None) -> Page[AuditEntry]:
        results = AuditItem.gsi3.query(f"AUDITDAY#{day.isoformat()}",
                                       last_evaluated_key=_cursor_in(cursor), page_size=limit)
        return _collect(results, _audit_of, limit)


def _seal_of(head: AuditSealItem) -> Seal:
    rows: list[SealedEntry] = []
    in_seal = AuditSealPart.SK.startswith(f"PART#{head.manifest}#")
    parts = AuditSealPart.query(keys.audit_seal_part_pk(head.day), in_seal, consistent_read=True)
    for part in parts:
        for line in part.rows.splitlines():
            entry_id, digest, occurred_at = line.split(" ", 2)
            rows.append(SealedEntry(entry_id, digest, occurred_at))
    return Seal(day=date.fromisoformat(head.day), prev=head.prev, entries=tuple(rows), hash=head.hash,
                sealed_at=head.sealed_at, version=int(head.seal_version))


class DynamoAuditSeals:
    """Head item per day under SEAL#AUDIT; its entry list in part items keyed by the seal's hash."""

    def put(self, seal: Seal) -> bool:
        day = seal.day.isoformat()
        rows = list(seal.entries)
        chunks = [rows[i:i + SEAL_PART_ROWS] for i in range(0, len(rows), SEAL_PART_ROWS)]
        for n, chunk in enumerate(chunks):
            text = "\n".join(f"{r.entry_id} {r.digest} {r.occurred_at}" for r in chunk)
            part = AuditSealPart(PK=keys.audit_seal_part_pk(day), SK=f"PART#{seal.hash}#{n:05d}",
                                 entity="audit_seal_part", rows=text)
            try:
                part.save(condition=AuditSealPart.PK.does_not_exist())
            except PutError as exc:
                # The key names the seal hash, so a part already there holds these very rows: a
                # concurrent run of the same seal wrote it first.
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
        # The head decides: one conditional put, so only one seal per day can ever exist.
        head = AuditSealItem(PK=keys.AUDIT_SEALS_PK, SK=keys.audit_seal_sk(day), entity="audit_seal", day=day,
                             prev=seal.prev, hash=seal.hash, entry_count=len(rows), parts=len(chunks),
                             manifest=seal.hash, sealed_at=seal.sealed_at, seal_version=seal.version)
        try:
            head.save(condition=AuditSealItem.PK.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, day: date) -> Seal | None:
        try:
            head = AuditSealItem.get(keys.AUDIT_SEALS_PK, keys.audit_seal_sk(day.isoformat()), consistent_read=True)
        except AuditSealItem.DoesNotExist:
            return None
        return _seal_of(head)

    def between(self, start: date, end: date) -> list[Seal]:
        cond = AuditSealItem.SK.between(keys.audit_seal_sk(start.isoformat()), keys.audit_seal_sk(end.isoformat()))
        return [_seal_of(h) for h in AuditSealItem.query(keys.AUDIT_SEALS_PK, cond, consistent_read=True)]

    def _end(self, forward: bool) -> Seal | None:
        for head in AuditSealItem.query(keys.AUDIT_SEALS_PK, scan_index_forward=forward, limit=1,
                                        consistent_read=True):
            return _seal_of(head)
        return None

    def first(self) -> Seal | None:
        return self._end(True)

    def latest(self) -> Seal | None:
        return self._end(False)


class DynamoUsers:
    def get(self, user_id: str) -> User | None:
        try:
            return _user_of(UserItem.get(keys.user_pk(user_id), keys.PROFILE))
        except UserItem.DoesNotExist:
            return None

    def list(self, limit: int, cursor: str | None) -> Page[User]:
        results = UserItem.gsi1.query("USERS", last_evaluated_key=_cursor_in(cursor), page_size=limit)
        return _collect(results, _user_of, limit)

    def owner_of(self, unique_key: str) -> str | None:
        try:
            return UniqueKey.get(unique_key, keys.UNIQUE).owner_id
        except UniqueKey.DoesNotExist:
            return None


class DynamoCounters:
    def hit(self, key: str, window_s: int, now: float) -> tuple[int, int]:
        window = int(now // window_s) * window_s
        item = Counter(PK=f"RATE#{key}", SK=f"W#{window}", entity="counter")
        # An atomic ADD: every Lambda instance sees the same count.
        item.update(actions=[Counter.hits.add(1), Counter.expires_at.set(window + 2 * window_s),
                             Counter.entity.set("counter")])
        return int(item.hits), int(window + window_s - now) + 1

    def failures(self, key: str) -> tuple[int, float | None]:
        try:
            item = Counter.get(f"FAIL#{key}", "STATE", consistent_read=True)
        except Counter.DoesNotExist:
            return 0, None
        return int(item.hits or 0), (float(item.locked_until) if item.locked_until else None)

    def record_failure(self, key: str, threshold: int, lock_s: int, now: float) -> tuple[int, float | None]:
        item = Counter(PK=f"FAIL#{key}", SK="STATE", entity="counter")
        item.update(actions=[Counter.hits.add(1), Counter.expires_at.set(int(now) + 86400),
                             Counter.entity.set("counter")])
        count = int(item.hits)
        if count >= threshold:
            until = now + lock_s
            try:
                item.update(actions=[Counter.locked_until.set(until), Counter.hits.set(0)],
                            condition=Counter.hits == count)
            except UpdateError:
                pass  # another failure raced us; it will set the lock
            return count, until
        return count, None

    def clear_failures(self, key: str) -> None:
        # Deleting an item that does not exist succeeds in DynamoDB: nothing to guard.
        Counter(PK=f"FAIL#{key}", SK="STATE").delete()


class DynamoTickets:
    def put(self, key: str, data: dict[str, Any], expires_at: int) -> None:
        TicketItem(PK=key, SK="TICKET", entity="ticket", data=json.dumps(data), expires_at=expires_at).save()

    def get(self, key: str, now: float) -> dict[str, Any] | None:
        try:
            item = TicketItem.get(key, "TICKET", consistent_read=True)
        except TicketItem.DoesNotExist:
            return None
        if int(item.expires_at) <= now:  # TTL deletion is lazy: an expired ticket is gone
            return None
        return cast(dict[str, Any], json.loads(item.data))

    def take(self, key: str, now: float) -> dict[str, Any] | None:
        data = self.get(key, now)
        if data is None:
            return None
        try:
            # Conditional delete: of two concurrent takers only one succeeds.
            TicketItem(PK=key, SK="TICKET").delete(condition=TicketItem.PK.exists())
        except DeleteError:
            return None
        return data


class DynamoStore:
    def __init__(self, table_name: str, region: str, host: str | None) -> None:
        bind_models(table_name, region, host)
        self._connection = Connection(region=region, host=host, max_pool_connections=MAX_POOL_CONNECTIONS)
        self._share_one_client()
        self.members = DynamoMembers()
        self.organizations = DynamoOrganizations()
        self.children = DynamoChildren()
        self.audit_log = DynamoAuditLog()
        self.audit_seals = DynamoAuditSeals()
        self.users = DynamoUsers()
        self.counters = DynamoCounters()
        self.tickets = DynamoTickets()

    def batch(self) -> DynamoWriteBatch:
        return DynamoWriteBatch(self._connection)

    def ping(self) -> None:
        MemberItem.describe_table()

    def _share_one_client(self) -> None:
        """One botocore client for every model class and for transactions.

        PynamoDB builds a client per model class on first use, each from a new botocore session that
        loads the DynamoDB service model again (55-110 ms each): a cold request touching a user, a
        member and an audit item built three. botocore clients are thread-safe; the models only
        differ in the key schema PynamoDB keeps beside the client.
        """
        shared = self._connection.client
        for model in ALL_MODELS:
            model._get_connection().connection._client = shared
