"""How employers are stored (docs/data-model.md): the organization item with its code marker, name indexes
(GSI1 for the list, GSI2 for duplicate-name checks), and its contracts, contacts and worksites in the
organization's partition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.core.store import ItemCodec, Page, Query, Store, absent, build, contains, register
from chalicelib.employers.domain import Contact, Contract, Organization, OrganizationSummary, Worksite
from chalicelib.members.domain import name_key

PROFILE = "PROFILE"
ALL_ORGS = "ORGS"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def org_code_key(code: str) -> str:
    """One employer per employer code (§3)."""
    return f"ORGCODE#{code}"


class OrganizationCodec(ItemCodec[Organization]):
    entity = "organization"
    record_type = Organization

    def keys(self, org: Organization) -> dict[str, str]:
        nk = name_key(org.name)
        return {"PK": org_pk(org.id), "SK": PROFILE, "GSI1PK": ALL_ORGS, "GSI1SK": f"NAME#{nk}#{org.id}",
                "GSI2PK": f"ORGNAME#{nk}", "GSI2SK": org_pk(org.id)}

    def decode(self, item: Mapping[str, Any]) -> Organization:
        return build(Organization, {**item, "contract_codes": list(item.get("contract_codes") or [])})


class _ChildCodec(ItemCodec[Any]):
    """Children live in their organization's partition under `<KIND>#<id>`: ids never change, so an edit
    replaces the same item whatever fields change."""

    prefix: str

    def keys(self, child: Any) -> dict[str, str]:
        return {"PK": org_pk(child.org_id), "SK": f"{self.prefix}#{child.id}"}


class ContractCodec(_ChildCodec):
    entity = "contract"
    record_type = Contract
    prefix = "CONTRACT"


class ContactCodec(_ChildCodec):
    entity = "contact"
    record_type = Contact
    prefix = "CONTACT"


class WorksiteCodec(_ChildCodec):
    entity = "worksite"
    record_type = Worksite
    prefix = "WORKSITE"


ORGANIZATIONS = register(OrganizationCodec())
CONTRACTS = register(ContractCodec())
CONTACTS = register(ContactCodec())
WORKSITES = register(WorksiteCodec())
SUMMARY_FIELDS = tuple(OrganizationSummary.model_fields)


def _summary(item: Mapping[str, Any]) -> OrganizationSummary:
    return build(OrganizationSummary, {**item, "contract_codes": list(item.get("contract_codes") or [])})


def get(store: Store, org_id: str) -> Organization | None:
    return store.get(ORGANIZATIONS, (org_pk(org_id), PROFILE))


def get_by_code(store: Store, code: str) -> Organization | None:
    owner = store.owner_of(org_code_key(code))
    return get(store, owner) if owner else None


def search(store: Store, name_prefix: str | None, contract_code: str | None, limit: int,
           cursor: str | None) -> Page[OrganizationSummary]:
    where = [absent("deleted_at")]
    if contract_code:
        where.append(contains("contract_codes", contract_code))
    query = Query(ALL_ORGS, index="GSI1", begins_with=f"NAME#{name_prefix}" if name_prefix else None,
                  where=tuple(where), select=SUMMARY_FIELDS, page_size=max(limit, 100 if contract_code else 50))
    return store.query(ORGANIZATIONS, query, limit, cursor, decode=_summary)


def contracts(store: Store, org_id: str) -> list[Contract]:
    found = store.query_all(CONTRACTS, Query(org_pk(org_id), begins_with=f"{ContractCodec.prefix}#"))
    return sorted(found, key=lambda c: (c.contract_code, c.effective_date, c.id))


def contacts(store: Store, org_id: str) -> list[Contact]:
    found = store.query_all(CONTACTS, Query(org_pk(org_id), begins_with=f"{ContactCodec.prefix}#"))
    return sorted(found, key=lambda c: (name_key(c.name), c.id))


def worksites(store: Store, org_id: str) -> list[Worksite]:
    found = store.query_all(WORKSITES, Query(org_pk(org_id), begins_with=f"{WorksiteCodec.prefix}#"))
    return sorted(found, key=lambda w: (name_key(w.name), w.id))
