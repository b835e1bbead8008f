"""Demo data at a real local's scale, built from the LaborPower fixtures (not a toy list).

Bulk writes still go through WriteBatch: each chunk is one transaction with its audit entries,
recorded under the IMPORT service principal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from chalicelib.domain.audit import IMPORT, AuditAction
from chalicelib.domain.books import seed_books
from chalicelib.domain.employers import normalize_name
from chalicelib.domain.ids import new_ulid
from chalicelib.domain.members import Member
from chalicelib.imports.laborpower import read_dispatches, read_employers, read_members
from chalicelib.services.context import Caller, Ctx
from chalicelib.store import keys
from chalicelib.store.ports import Child, Organization, Store

EXPORT_DATE = date(2026, 2, 2)  # the fixtures' export date
_FIRST = ["PAT", "CHRIS", "JORDAN", "SAM", "ALEX", "TERRY", "DANA", "LEE", "ROBIN", "CASEY"]
_LAST = ["NGUYEN", "SMITH", "OLSEN", "GARCIA", "JOHNSON", "LARSEN", "KIM", "BROWN", "DAVIS", "MILLER"]


@dataclass
class SeedReport:
    members: int = 0
    employers: int = 0
    contracts: int = 0
    contacts: int = 0
    worksites: int = 0
    employment: int = 0
    books: int = 0


class _Chunker:
    """Fills transactions up to `limit` changes and commits them."""

    def __init__(self, store: Store, limit: int = 96) -> None:
        self.store, self.limit = store, limit
        self.batch = store.batch()
        self.size = 0

    def room(self, n: int) -> None:
        if self.size + n > self.limit:
            self.flush()

    def flush(self) -> None:
        if self.size:
            self.batch.commit()
        self.batch, self.size = self.store.batch(), 0


def _pick(seq: list[str], key: str) -> str:
    return seq[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(seq)]


def seed_demo(store: Store, fixtures: Path, months_of_history: int = 12) -> SeedReport:
    ctx = Ctx(store=store, caller=Caller(IMPORT))
    report = SeedReport()
    now = datetime.now(UTC)
    iso = now.isoformat()
    chunk = _Chunker(store)

    # Books (configuration rows)
    for book in seed_books():
        chunk.room(2)
        child = Child(kind="book", id=book["code"], parent_key="CATALOG#BOOKS", data=book, created_at=iso,
                      updated_at=iso, sort=f"{book['morning_sort_order']:04d}")
        chunk.batch.child(child, None)
        chunk.batch.audit(ctx.audit_entry(AuditAction.CREATE, "book", book["code"], {}, book))
        chunk.size += 2
        report.books += 1

    # Members
    member_ids: dict[str, str] = {}
    for lm in read_members(fixtures, EXPORT_DATE):
        member = Member(id=new_ulid(), created_at=now, updated_at=now, version=1, **lm.__dict__)
        chunk.room(3)
        chunk.batch.claim(keys.member_number_key(member.member_number), member.id)
        chunk.batch.member(member, None)
        chunk.batch.audit(ctx.audit_entry(AuditAction.CREATE, "member", member.id, {},
                                          member.model_dump(mode="json"), source="laborpower-seed"))
        chunk.size += 3
        member_ids[member.member_number] = member.id
        report.members += 1

    # Employers with contracts, one primary contact and a main-office worksite
    org_ids: dict[str, str] = {}
    for le in read_employers(fixtures):
        org = Organization(id=new_ulid(), name=le.name, code=le.code, address_line1=le.address_line1, city=le.city,
                           state=le.state, zip=le.zip, phone=le.phone, contract_codes=sorted(le.contract_codes),
                           created_at=iso, updated_at=iso)
        children: list[Child] = []
        for code in le.contract_codes:
            effective = date(2020, 6, 1) + timedelta(days=int(le.code) % 900)
            children.append(Child(kind="contract", id=new_ulid(), parent_key=keys.org_pk(org.id), created_at=iso,
                                  updated_at=iso, sort=f"{code}#{effective.isoformat()}",
                                  data={"contract_code": code, "effective_date": effective.isoformat(),
                                        "expiration_date": None, "status": "active"}))
        contact_name = f"{_pick(_FIRST, le.code)} {_pick(_LAST, le.code + 'x')}"
        children.append(Child(kind="contact", id=new_ulid(), parent_key=keys.org_pk(org.id), created_at=iso,
                              updated_at=iso, sort=contact_name,
                              data={"name": contact_name, "title": "Office Manager", "phone": le.phone,
                                    "email": f"office{le.code}@example.com", "is_primary": True,
                                    "may_submit_requests": True, "notes": None}))
        children.append(Child(kind="worksite", id=new_ulid(), parent_key=keys.org_pk(org.id), created_at=iso,
                              updated_at=iso, sort="MAIN OFFICE",
                              data={"name": "MAIN OFFICE", "code": "MAIN OFFICE", "address_line1": le.address_line1,
                                    "city": le.city, "state": le.state, "zip": le.zip, "region": None}))
        n = 3 + 2 * len(children)
        chunk.room(n)
        chunk.batch.claim(keys.org_code_key(org.code or ""), org.id)
        chunk.batch.organization(org, None)
        chunk.batch.audit(ctx.audit_entry(AuditAction.CREATE, "organization", org.id, {}, org.__dict__))
        for c in children:
            chunk.batch.child(c, None)
            chunk.batch.audit(ctx.audit_entry(AuditAction.CREATE, c.kind, c.id, {}, c.data))
        chunk.size += n
        org_ids[normalize_name(org.name)] = org.id
        report.employers += 1
        report.contracts += len(le.contract_codes)
        report.contacts += 1
        report.worksites += 1

    # Employment history: dispatches of the last N months (modules.md §4: source "import")
    since = EXPORT_DATE - timedelta(days=31 * months_of_history)
    current_claimed: set[str] = set()
    for d in read_dispatches(fixtures, since):
        member_id = member_ids.get(d.card_number)
        org_id = org_ids.get(d.employer_name)
        if not member_id or not org_id:
            continue
        data: dict[str, Any] = {
            "employer_id": org_id, "employer_name": d.employer_name, "worksite": d.worksite,
            "start_date": d.dispatch_date.isoformat(), "end_date": d.term_date.isoformat() if d.term_date else None,
            "job_class": d.job_class, "hourly_rate": f"{d.start_rate:.2f}", "source": "import",
            "book": d.book_name, "request_number": d.request_number, "short_call": d.short_call,
            "by_name": d.by_name, "termination_reason": d.term_reason or None,
        }
        child = Child(kind="employment", id=new_ulid(), parent_key=keys.member_pk(member_id), data=data,
                      created_at=iso, updated_at=iso, sort=data["start_date"], index_key=f"EMPLOYER#{org_id}")
        claim = d.term_date is None and member_id not in current_claimed
        chunk.room(3)
        if claim:
            chunk.batch.claim(keys.current_job_key(member_id), child.id)
            current_claimed.add(member_id)
            chunk.size += 1
        chunk.batch.child(child, None)
        chunk.batch.audit(ctx.audit_entry(AuditAction.CREATE, "employment", child.id, {},
                                          {"member_id": member_id, **data}))
        chunk.size += 2
        report.employment += 1
    chunk.flush()
    return report


DEMO_PASSWORD = "UnionCore-Demo-2026!"
DEMO_DOMAIN = "demo.unioncore.example.org"


def enrol_demo_totp(ctx: Ctx, user_id: str, email: str, password: str) -> str:
    """Enrol TOTP for a demo user exactly as a person would (sign in, associate, first code, preference)
    and mark the user record; returns the shared secret so a real authenticator app can be set up."""
    from dataclasses import replace

    from chalicelib.domain.totp import totp
    from chalicelib.integrations import identity
    from chalicelib.integrations.identity import Tokens

    tokens = identity.login(email, password)
    assert isinstance(tokens, Tokens), "a demo user is enrolled once, right after the invite"
    secret = identity.associate_totp(tokens.access_token)
    identity.verify_totp(tokens.access_token, totp(secret))
    user = ctx.store.users.get(user_id)
    assert user is not None
    batch = ctx.store.batch()
    batch.user(replace(user, mfa_enabled=True, updated_at=ctx.clock().isoformat()), user.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, "user", user.id, {"mfa_enabled": False},
                                {"mfa_enabled": True}, activity="mfa_enrolled", source="demo-seed"))
    batch.commit()
    return secret


def seed_demo_users(store: Store) -> dict[str, dict[str, str]]:
    """One login per role, plus a member-portal login linked to a real member record. Users in
    `mfa_required_roles` are enrolled in TOTP; their login carries the secret (`totp_secret`)."""
    from chalicelib.config import get_settings
    from chalicelib.domain.audit import SYSTEM
    from chalicelib.domain.members import MemberStatus
    from chalicelib.domain.roles import Role
    from chalicelib.services import users
    from chalicelib.store.ports import MemberQuery

    ctx = Ctx(store=store, caller=Caller(SYSTEM))
    logins: dict[str, dict[str, str]] = {}
    required = get_settings().mfa_required_roles
    for role in Role:
        if role is Role.MEMBER:
            continue
        email = f"{role.value}@{DEMO_DOMAIN}"
        user = users.invite(ctx, users.UserInvite(email=email, roles=[role]), password=DEMO_PASSWORD,
                            permanent=True)
        logins[role.value] = {"email": email, "password": DEMO_PASSWORD}
        if role.value in required:
            logins[role.value]["totp_secret"] = enrol_demo_totp(ctx, user.id, email, DEMO_PASSWORD)
    page = store.members.search(MemberQuery(status=MemberStatus.ACTIVE.value), 50, None)
    member = next(m for m in (store.members.get(s.id) for s in page.items) if m and m.email)
    email = f"member@{DEMO_DOMAIN}"
    users.invite(ctx, users.UserInvite(email=email, roles=[Role.MEMBER], member_id=member.id),
                 password=DEMO_PASSWORD, permanent=True)
    logins["member"] = {"email": email, "password": DEMO_PASSWORD, "member_id": member.id,
                        "member_number": member.member_number}
    return logins
