"""Scenario building blocks for the rulebook's user-facing scenarios run against the API (tests/api_harness.py):
members and employers of §12.0, registrations, requests, rounds and dispatches — each through the real route
at the scenario's local instant, asserting the call succeeded so a scenario fails where its setup fails."""

from __future__ import annotations

from datetime import date
from typing import Any

from api_harness import Hall, Reply
from factories import ctx_for, member_create

from chalicelib.employers import service as employers
from chalicelib.employers.domain import ContractCreate, OrganizationCreate
from chalicelib.members import service as members
from chalicelib.referral import store as repo
from chalicelib.referral.domain.registration import Exemption, Registration


def ok(r: Reply, status: int = 200) -> Any:
    assert r.status == status, (r.status, r.json)
    return r.json


def new_members(hall: Hall, n: int) -> list[str]:
    staff = ctx_for(hall.store, "staff")
    return [members.create(staff, member_create(last_name=f"M{i:02d}")).id for i in range(1, n + 1)]


def new_employer(hall: Hall, name: str, *codes: str) -> str:
    staff = ctx_for(hall.store, "staff")
    org = employers.create(staff, OrganizationCreate(name=name))
    version = org.version
    for code in codes:
        employers.add_contract(staff, org.id, ContractCreate.model_validate(
            {"contract_code": code, "effective_date": "2020-01-01"}), version)
        version += 1
    return org.id


def register(hall: Hall, member_id: str, book: str = "WIRE_SEA", tier: int = 1, channel: str = "in_person") -> dict:
    return ok(hall.post(f"/members/{member_id}/registrations", "dispatcher",
                        {"book_code": book, "tier": tier, "channel": channel}), 201)


def register_all(hall: Hall, member_ids: list[str], book: str = "WIRE_SEA", tier: int = 1) -> list[str]:
    return [register(hall, m, book, tier)["id"] for m in member_ids]


def request(hall: Hall, employer: str, start: date, book: str = "WIRE_SEA", **fields: Any) -> dict:
    body = {"employer_id": employer, "book_code": book, "requested_start_date": start.isoformat(),
            "job_class": "JRY WIRE", "wage_rate": "61.25", **fields}
    return ok(hall.post("/labor-requests", "dispatcher", body), 201)


def open_round(hall: Hall, book: str, day: date) -> dict:
    return ok(hall.post(f"/rounds/{book}/{day.isoformat()}/open", "dispatcher"))


def dispatch(hall: Hall, req: dict, registration_id: str, *, role: str = "dispatcher", **body: Any) -> Reply:
    path = f"/rounds/{req['book_code']}/{req['referral_date']}/requests/{req['id']}/dispatch"
    return hall.post(path, role, {"registration_id": registration_id, **body})


def current(hall: Hall, request_id: str) -> dict:
    q = repo.labor_request(hall.store, request_id)
    assert q is not None
    return q.model_dump(mode="json")


def outcome(hall: Hall, req: dict, registration_id: str, what: str = "PASSED") -> dict:
    path = f"/rounds/{req['book_code']}/{req['referral_date']}/requests/{req['id']}/outcomes"
    version = current(hall, req["id"])["version"]
    return ok(hall.post(path, "dispatcher", {"registration_id": registration_id, "outcome": what,
                                             "version": version}))


def pass_remaining(hall: Hall, req: dict) -> dict:
    path = f"/rounds/{req['book_code']}/{req['referral_date']}/requests/{req['id']}/pass-remaining"
    return ok(hall.post(path, "dispatcher", {"version": current(hall, req["id"])["version"]}))


def complete(hall: Hall, book: str, day: date) -> Reply:
    return hall.post(f"/rounds/{book}/{day.isoformat()}/complete", "dispatcher")


def registration(hall: Hall, registration_id: str) -> Registration:
    """A registration by id (the member's partition is found through the book's status index)."""
    for reg in _all_registrations(hall):
        if reg.id == registration_id:
            return reg
    raise AssertionError(f"no registration {registration_id}")


def _all_registrations(hall: Hall) -> list[Registration]:
    from chalicelib.referral.domain.registration import RegStatus
    from chalicelib.referral.service import context

    out: list[Registration] = []
    for book in context.books_by_code(hall.store):
        for status in RegStatus:
            out += repo.by_status(hall.store, book, status)
    return out


def exempt(hall: Hall, registration_id: str, start: date, end: date, reason: str = "medical",
           dispatch_id: str | None = None) -> None:
    """An exemption on one registration, written straight to the store (exemptions are another area's routes)."""
    reg = registration(hall, registration_id)
    ex = Exemption(id=f"x-{registration_id[-6:]}-{start:%m%d}", reason=reason, start=start, end=end,
                   dispatch_id=dispatch_id)
    batch = hall.store.batch()
    batch.put(reg.model_copy(update={"exemptions": [*reg.exemptions, ex]}), reg.version)
    batch.commit()


def marks(hall: Hall, member_id: str, registration_id: str) -> list[Any]:
    return repo.marks_of(hall.store, member_id, registration_id)
