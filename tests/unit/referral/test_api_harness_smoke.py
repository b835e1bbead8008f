"""The in-process API harness (tests/api_harness.py) itself: real routes, roles per route, the scenario's clock."""

from __future__ import annotations

from api_harness import Hall
from factories import ctx_for, member_create

from chalicelib.members import service as members


def test_GIVEN_a_dispatcher_at_a_scenario_instant_WHEN_a_member_registers_THEN_the_APN_is_that_days_serial(
        hall: Hall) -> None:
    member = members.create(ctx_for(hall.store, "staff"), member_create())
    hall.at(2026, 3, 2, 10, 5)
    r = hall.post(f"/members/{member.id}/registrations", "dispatcher", {"book_code": "WIRE_SEA", "tier": 1})
    assert r.status == 201, r.json
    assert r.json["apn"] == "46083.01" and r.json["re_sign_due_date"] == "2026-04-01"


def test_GIVEN_no_token_or_a_member_token_WHEN_registering_someone_THEN_401_and_403(hall: Hall) -> None:
    member = members.create(ctx_for(hall.store, "staff"), member_create())
    body = {"book_code": "WIRE_SEA", "tier": 1}
    assert hall.post(f"/members/{member.id}/registrations", None, body).status == 401
    assert hall.post(f"/members/{member.id}/registrations", "member", body, member_id="m-x").status == 403
