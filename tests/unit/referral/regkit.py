"""Building blocks for the registration scenarios run against the API (tests/api_harness.py): §12.0's members,
registrations through the real routes at the scenario's local instant, and the few facts other areas own (a
round completed, a check mark charged, an imported row) written the way those areas write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from api_harness import Hall, Reply
from factories import ctx_for, member_create

from chalicelib.core.audit import AuditAction
from chalicelib.members import service as members
from chalicelib.referral import store as repo
from chalicelib.referral.domain.records import CheckMark, Round, RoundStatus
from chalicelib.referral.domain.registration import ApnSource, Registration, RegStatus, re_sign_dates
from chalicelib.referral.domain.rules import RuleSet
from chalicelib.referral.service import context


def ok(r: Reply, status: int = 200) -> Any:
    assert r.status == status, (r.status, r.json)
    return r.json


def refused(r: Reply, status: int, code: str) -> dict[str, Any]:
    assert (r.status, r.error.get("code")) == (status, code), (r.status, r.json)
    return r.error


def people(hall: Hall, n: int, prefix: str = "M") -> list[str]:
    staff = ctx_for(hall.store, "staff")
    return [members.create(staff, member_create(last_name=f"{prefix}{i:02d}")).id for i in range(1, n + 1)]


def register(hall: Hall, member_id: str, book: str = "WIRE_SEA", tier: int = 1, channel: str = "in_person",
             role: str = "dispatcher") -> dict[str, Any]:
    """A registration processed now (the gate must be open): the registration."""
    return ok(hall.post(f"/members/{member_id}/registrations", role,
                        {"book_code": book, "tier": tier, "channel": channel}), 201)


def reg(hall: Hall, member_id: str, registration_id: str) -> Registration:
    found = next((r for r in repo.registrations_of(hall.store, member_id) if r.id == registration_id), None)
    assert found is not None
    return found


def path(member_id: str, registration_id: str, action: str = "") -> str:
    return f"/members/{member_id}/registrations/{registration_id}" + (f"/{action}" if action else "")


def act(hall: Hall, member_id: str, registration_id: str, action: str, role: str = "dispatcher",
        **body: Any) -> Reply:
    """POST a lifecycle action with the registration's current version."""
    version = reg(hall, member_id, registration_id).version
    kw = {"member_id": member_id} if role == "member" else {}
    return hall.post(path(member_id, registration_id, action), role, {"version": version, **body}, **kw)


def queue_ids(hall: Hall, book: str) -> list[str]:
    return [r.id for r in repo.full_queue(hall.store, book)]


def complete_round(hall: Hall, book: str, day: date, at: datetime) -> None:
    """The round's completion as the round area writes it (status COMPLETED, completed_at): what the gate reads."""
    now = at.astimezone(UTC).isoformat()
    current = repo.round_of(hall.store, book, day)
    base = current or Round(book_code=book, referral_date=day, created_at=now, updated_at=now)
    batch = hall.store.batch()
    batch.put(base.model_copy(update={"status": RoundStatus.COMPLETED, "completed_at": at, "updated_at": now}),
              current.version if current else None)
    batch.commit()


def charge_mark(hall: Hall, member_id: str, registration_id: str, day: date, request_id: str = "req-1") -> CheckMark:
    """A check mark as the round's completion charges it (S4.6): the mark item and the count, one transaction."""
    r = reg(hall, member_id, registration_id)
    iso = datetime.now(UTC).isoformat()
    mark = CheckMark(id=f"{registration_id}-{day:%Y%m%d}", registration_id=registration_id, member_id=member_id,
                     book_code=r.book_code, request_id=request_id, decision_id="d-1", day=day, created_at=iso,
                     updated_at=iso)
    batch = hall.store.batch()
    batch.put(mark)
    batch.put(r.model_copy(update={"check_mark_count": r.check_mark_count + 1, "last_check_mark_date": day}),
              r.version)
    batch.commit()
    return mark


def imported(hall: Hall, member_id: str, book: str, tier: int, apn: str, at: datetime) -> Registration:
    """A registration as the LaborPower import writes it (§11.4): APN verbatim, IMPORTED, its live key, its
    activity entry (processor IMPORT) — the import is its own issue; this is the row it leaves."""
    day = at.date()
    due, grace = re_sign_dates(day, 30, 3)
    iso = at.astimezone(UTC).isoformat()
    r = Registration(id=f"imp-{member_id[-6:]}-{book}", member_id=member_id, book_code=book, tier=tier,
                     apn=Decimal(apn), apn_source=ApnSource.IMPORTED, registered_at=at, channel="import",
                     status=RegStatus.REGISTERED, last_re_sign_at=at, re_sign_due_date=due, grace_end_date=grace,
                     created_at=iso, updated_at=iso)
    ctx = ctx_for(hall.store, "system", user_id="IMPORT")
    ctx.clock = lambda: at
    batch = hall.store.batch()
    batch.create_unique(repo.live_registration_key(member_id, book), r.id)
    batch.put(r)
    batch.put(context.activity(ctx, RuleSet(), book_code=book, member_id=member_id, action="IMPORT",
                               registration_id=r.id, new_status="REGISTERED", new_apn=r.apn_text, tier=tier,
                               registered_at=at))
    batch.audit(ctx.audit_entry(AuditAction.CREATE, "registration", r.id, {}, r.model_dump(mode="json")))
    batch.commit()
    return r


def activity(hall: Hall, book: str) -> list[Any]:
    return repo.book_log(hall.store, book)


def employer(hall: Hall, name: str = "E1 ELECTRIC") -> str:
    from chalicelib.employers import service as employers
    from chalicelib.employers.domain import OrganizationCreate

    return employers.create(ctx_for(hall.store, "staff"), OrganizationCreate(name=name)).id


def wire_requests(hall: Hall, employer_id: str, start: date, books: tuple[str, ...] = ("WIRE_SEA", "WIRE_BREM",
                                                                                      "WIRE_PA")) -> list[dict]:
    """One request per WIRE book for `start` (enter it before that day's cutoff allows): their rounds then have a
    sheet and do not complete by themselves at 08:30."""
    out = []
    for book in books:
        body = {"employer_id": employer_id, "book_code": book, "requested_start_date": start.isoformat(),
                "job_class": "JRY WIRE", "wage_rate": "61.25", "signatory_acknowledgement": "contract on file"}
        out.append(ok(hall.post("/labor-requests", "dispatcher", body), 201))
    return out


def settings_change(hall: Hall, role: str = "officer", **body: Any) -> Reply:
    return hall.put("/settings", role, {"reason": "local vote of 2026-02-20", **body})
