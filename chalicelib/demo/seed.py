"""Demo data at a real local's scale, built from the LaborPower fixtures (not a toy list).

Bulk writes still go through WriteBatch: each chunk is one transaction with its audit entries,
recorded under the IMPORT service principal.

Local and test stages only (UNIONCORE_STAGE local/test): the demo users share one published password
(`DEMO_PASSWORD`), so seeding them — or the fictitious members — into a deployed stage would open it to
anyone who has read the README. Every entry point refuses with `DemoDataRefused` otherwise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from chalicelib.core.audit import IMPORT, AuditAction
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.ids import new_ulid
from chalicelib.core.store import Store, WriteBatch
from chalicelib.employers import store as employers_repo
from chalicelib.employers.domain import Contact, Contract, Organization, Worksite, normalize_name
from chalicelib.employment import store as employment_repo
from chalicelib.employment.domain import EmploymentRecord, rate_text
from chalicelib.identity import store as users_repo
from chalicelib.imports.laborpower import read_dispatches, read_employers, read_members
from chalicelib.members import store as members_repo
from chalicelib.members.domain import Member
from chalicelib.referral.domain import seed_catalogue

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

    def room(self, n: int) -> WriteBatch:
        """The batch to add `n` more changes to (the full one is committed first)."""
        if len(self.batch) + n > self.limit:
            self.flush()
        return self.batch

    def flush(self) -> None:
        if len(self.batch):
            self.batch.commit()
        self.batch = self.store.batch()


class DemoDataRefused(RuntimeError):
    """Demo data (and the shared demo password) asked for in a deployed stage."""


def refuse_outside_local_stages() -> None:
    from chalicelib.core.settings import is_local_stage, stage_from_env

    stage = stage_from_env()
    if not is_local_stage(stage):
        raise DemoDataRefused(f"demo data is for the local and test stages only, not UNIONCORE_STAGE={stage!r}")


def _pick(seq: list[str], key: str) -> str:
    return seq[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(seq)]


def seed_demo(store: Store, fixtures: Path, months_of_history: int = 12) -> SeedReport:
    refuse_outside_local_stages()
    ctx = Ctx(store=store, caller=Caller(IMPORT))
    report = SeedReport()
    now = datetime.now(UTC)
    iso = now.isoformat()
    chunk = _Chunker(store)

    # Books (configuration rows)
    for book in seed_catalogue():
        batch = chunk.room(2)
        batch.put(book)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, "book", book.code, {}, book.model_dump(mode="json")))
        report.books += 1

    # Members
    member_ids: dict[str, str] = {}
    for lm in read_members(fixtures, EXPORT_DATE):
        member = Member(id=new_ulid(), created_at=now, updated_at=now, version=1, **lm.__dict__)
        batch = chunk.room(3)
        batch.create_unique(members_repo.member_number_key(member.member_number), member.id)
        batch.put(member)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, "member", member.id, {},
                                    member.model_dump(mode="json"), source="laborpower-seed"))
        member_ids[member.member_number] = member.id
        report.members += 1

    # Employers with contracts, one primary contact and a main-office worksite
    org_ids: dict[str, str] = {}
    for le in read_employers(fixtures):
        org = Organization(id=new_ulid(), name=le.name, code=le.code, address_line1=le.address_line1, city=le.city,
                           state=le.state, zip=le.zip, phone=le.phone, contract_codes=sorted(le.contract_codes),
                           created_at=iso, updated_at=iso)
        children: list[Contract | Contact | Worksite] = []
        for code in le.contract_codes:
            effective = date(2020, 6, 1) + timedelta(days=int(le.code) % 900)
            children.append(Contract(id=new_ulid(), org_id=org.id, contract_code=code, effective_date=effective,
                                     created_at=iso, updated_at=iso))
        contact_name = f"{_pick(_FIRST, le.code)} {_pick(_LAST, le.code + 'x')}"
        children.append(Contact(id=new_ulid(), org_id=org.id, name=contact_name, title="Office Manager",
                                phone=le.phone, email=f"office{le.code}@example.com", is_primary=True,
                                may_submit_requests=True, created_at=iso, updated_at=iso))
        children.append(Worksite(id=new_ulid(), org_id=org.id, name="MAIN OFFICE", code="MAIN OFFICE",
                                 address_line1=le.address_line1, city=le.city, state=le.state, zip=le.zip,
                                 created_at=iso, updated_at=iso))
        batch = chunk.room(3 + 2 * len(children))
        batch.create_unique(employers_repo.org_code_key(org.code or ""), org.id)
        batch.put(org)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, "organization", org.id, {}, org.model_dump(mode="json")))
        for c in children:
            batch.put(c)
            batch.audit(ctx.audit_entry(AuditAction.CREATE, type(c).__name__.lower(), c.id, {},
                                        c.model_dump(mode="json", exclude={"org_id", "version"})))
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
        job = EmploymentRecord(
            id=new_ulid(), member_id=member_id, employer_id=org_id, employer_name=d.employer_name,
            worksite=d.worksite, start_date=d.dispatch_date, end_date=d.term_date, job_class=d.job_class,
            hourly_rate=rate_text(d.start_rate), source="import", book=d.book_name, request_number=d.request_number,
            short_call=d.short_call, by_name=d.by_name, termination_reason=d.term_reason or None, created_at=iso,
            updated_at=iso)
        batch = chunk.room(3)
        if job.is_current and member_id not in current_claimed:
            batch.create_unique(employment_repo.current_job_key(member_id), job.id)
            current_claimed.add(member_id)
        batch.put(job)
        batch.audit(ctx.audit_entry(AuditAction.CREATE, "employment", job.id, {},
                                    job.model_dump(mode="json", exclude={"id", "version", "created_at", "updated_at"})))
        report.employment += 1
    chunk.flush()
    return report


DEMO_PASSWORD = "UnionCore-Demo-2026!"
DEMO_DOMAIN = "demo.unioncore.example.org"


def enrol_demo_totp(ctx: Ctx, user_id: str, email: str, password: str) -> str:
    """Enrol TOTP for a demo user exactly as a person would (sign in, associate, first code, preference)
    and mark the user record; returns the shared secret so a real authenticator app can be set up."""
    refuse_outside_local_stages()
    from dataclasses import replace

    from chalicelib.identity.totp import totp
    from chalicelib.identity import cognito as identity
    from chalicelib.identity.cognito import Tokens

    tokens = identity.login(email, password)
    assert isinstance(tokens, Tokens), "a demo user is enrolled once, right after the invite"
    secret = identity.associate_totp(tokens.access_token)
    identity.verify_totp(tokens.access_token, totp(secret))
    user = users_repo.get(ctx.store, user_id)
    assert user is not None
    batch = ctx.store.batch()
    batch.put(replace(user, mfa_enabled=True, updated_at=ctx.clock().isoformat()), user.version)
    batch.audit(ctx.audit_entry(AuditAction.UPDATE, "user", user.id, {"mfa_enabled": False},
                                {"mfa_enabled": True}, activity="mfa_enrolled", source="demo-seed"))
    batch.commit()
    return secret


def seed_demo_users(store: Store) -> dict[str, dict[str, str]]:
    """One login per role, plus a member-portal login linked to a real member record. Users in
    `mfa_required_roles` are enrolled in TOTP; their login carries the secret (`totp_secret`)."""
    refuse_outside_local_stages()
    from chalicelib.core.settings import get_settings
    from chalicelib.core.audit import SYSTEM
    from chalicelib.members.domain import MemberStatus
    from chalicelib.core.roles import Role
    from chalicelib.identity import users
    from chalicelib.identity.schemas import UserInvite

    ctx = Ctx(store=store, caller=Caller(SYSTEM))
    logins: dict[str, dict[str, str]] = {}
    required = get_settings().mfa_required_roles
    for role in Role:
        if role is Role.MEMBER:
            continue
        email = f"{role.value}@{DEMO_DOMAIN}"
        user = users.invite(ctx, UserInvite(email=email, roles=[role]), password=DEMO_PASSWORD,
                            permanent=True)
        logins[role.value] = {"email": email, "password": DEMO_PASSWORD}
        if role.value in required:
            logins[role.value]["totp_secret"] = enrol_demo_totp(ctx, user.id, email, DEMO_PASSWORD)
    page = members_repo.search(store, members_repo.MemberQuery(status=MemberStatus.ACTIVE.value), 50, None)
    member = next(m for m in (members_repo.get(store, s.id) for s in page.items) if m and m.email)
    email = f"member@{DEMO_DOMAIN}"
    users.invite(ctx, UserInvite(email=email, roles=[Role.MEMBER], member_id=member.id),
                 password=DEMO_PASSWORD, permanent=True)
    logins["member"] = {"email": email, "password": DEMO_PASSWORD, "member_id": member.id,
                        "member_number": member.member_number}
    return logins
