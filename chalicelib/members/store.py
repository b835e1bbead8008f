"""How members are stored (docs/data-model.md): the profile item, the card-number marker, and the indexes
for name search (GSI1), search within a status (GSI3) and e-mail lookup (GSI2)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.store import ItemCodec, Page, Query, Store, absent, build, eq, register
from chalicelib.members.domain import Member, MemberSummary, name_key

PROFILE = "PROFILE"
ALL_MEMBERS = "MEMBERS"


def member_pk(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def member_number_key(number: str) -> str:
    """One member per card number (§2.1)."""
    return f"MEMBERNO#{number}"


def _name_sk(member: Member) -> str:
    return f"NAME#{name_key(member.last_name, member.first_name)}#{member.id}"


def _status_partition(status: str) -> str:
    return f"MEMBERSTATUS#{status}"


def _email_partition(email: str) -> str:
    return f"EMAIL#{email.lower()}"


class MemberCodec(ItemCodec[Member]):
    entity = "member"
    record_type = Member

    def keys(self, m: Member) -> dict[str, str]:
        out = {"PK": member_pk(m.id), "SK": PROFILE, "GSI1PK": ALL_MEMBERS, "GSI1SK": _name_sk(m),
               "GSI3PK": _status_partition(m.status.value), "GSI3SK": _name_sk(m)}
        if m.email:
            out.update(GSI2PK=_email_partition(m.email), GSI2SK=member_pk(m.id))
        return out


MEMBERS = register(MemberCodec())
# List queries read only what a list shows: a page of 50 full member items is ~60 KB to send and parse.
SUMMARY_FIELDS = tuple(MemberSummary.model_fields)


@dataclass
class MemberQuery:
    name_prefix: str | None = None  # normalized by members.domain.name_key
    status: str | None = None
    classification: str | None = None
    card_type: str | None = None
    include_deleted: bool = False


def get(store: Store, member_id: str) -> Member | None:
    return store.get(MEMBERS, (member_pk(member_id), PROFILE))


def get_by_number(store: Store, member_number: str) -> Member | None:
    owner = store.owner_of(member_number_key(member_number))
    return get(store, owner) if owner else None


def by_email(store: Store, email: str) -> list[Member]:
    return store.query(MEMBERS, Query(_email_partition(email), index="GSI2"), 50).items


def search(store: Store, q: MemberQuery, limit: int, cursor: str | None) -> Page[MemberSummary]:
    """Name order, narrowed by a name prefix; a status search reads that status's index partition."""
    where = []
    if not q.include_deleted:
        where.append(absent("deleted_at"))
    if q.classification:
        where.append(eq("classification", q.classification))
    if q.card_type:
        where.append(eq("card_type", q.card_type))
    begins = f"NAME#{q.name_prefix}" if q.name_prefix else None
    if q.status:
        query = Query(_status_partition(q.status), index="GSI3", begins_with=begins, where=tuple(where),
                      select=SUMMARY_FIELDS, page_size=max(limit, 50))
    else:
        query = Query(ALL_MEMBERS, index="GSI1", begins_with=begins, where=tuple(where), select=SUMMARY_FIELDS,
                      page_size=max(limit, 50))
    return store.query(MEMBERS, query, limit, cursor, decode=lambda item: build(MemberSummary, item))
