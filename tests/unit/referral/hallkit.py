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


def dispatch_one(hall: Hall, employer: str, member_id: str, *, referral: date, received: tuple[int, ...],
                 book: str = "WIRE_SEA", start: date | None = None, **fields: Any) -> dict:
    """Register `member_id` if needed, enter a request at `received` (local y, m, d, h, mm) for `start` (default
    the referral date), open the round at the slot on `referral` and dispatch the member from position 1.
    Returns {"dispatch", "request", "registration_id"}; the clock is left at the dispatch."""
    from chalicelib.referral.service import context

    live = [r for r in repo.live_of(hall.store, member_id) if r.book_code == book]
    hall.at(*received)
    reg_id = live[0].id if live else register(hall, member_id, book)["id"]
    q = request(hall, employer, start or referral, book=book, **fields)
    assert q["referral_date"] == referral.isoformat(), q
    slot = context.books_by_code(hall.store)[book].referral_start_time
    hh, mm = (int(x) for x in slot.split(":"))
    hall.at(referral.year, referral.month, referral.day, hh, mm)
    if repo.round_of(hall.store, book, referral) is None:
        open_round(hall, book, referral)
    made = ok(dispatch(hall, q, reg_id, pass_above=True), 201)
    return {"dispatch": made["dispatch"], "request": q, "registration_id": reg_id,
            "exempted_registrations": made.get("exempted_registrations", [])}


def terminate(hall: Hall, d: dict, raw: str, last_day: date, role: str = "dispatcher", **body: Any) -> Reply:
    from chalicelib.referral import store as r

    current_d = r.dispatch(hall.store, d["id"])
    assert current_d is not None
    return hall.post(f"/dispatches/{d['id']}/terminate", role, {"version": current_d.version, "raw_reason": raw,
                                                                 "last_day_worked": last_day.isoformat(), **body})


def reregister(hall: Hall, member_id: str, registration_id: str, role: str = "staff", **body: Any) -> Reply:
    reg = registration(hall, registration_id)
    return hall.post(f"/members/{member_id}/registrations/{registration_id}/reregister", role,
                     {"version": reg.version, **body})


def set_fields(hall: Hall, registration_id: str, **fields: Any) -> None:
    """Give a registration a history the scenario assumes (counted restorations, marks) straight in the store."""
    reg = registration(hall, registration_id)
    batch = hall.store.batch()
    batch.put(reg.model_copy(update=fields), reg.version)
    batch.commit()


def use_rules(monkeypatch: Any, **local: Any) -> None:
    """Put a rule set with these local settings in force (S9). Stood in for the settings store, which belongs to
    the settings-versions work: every use case reads the rules through context.rules_at."""
    from chalicelib.referral.domain.rules import LocalRules, RuleSet
    from chalicelib.referral.service import context

    rules = RuleSet(version="rules-test", local=LocalRules(**local))
    monkeypatch.setattr(context, "rules_at", lambda store, at: rules)
