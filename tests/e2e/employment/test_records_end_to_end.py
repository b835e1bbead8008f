"""Notes, employment, contacts and contracts changed end to end against the local runtime: who may,
stale versions (409 with the current record), bad input (400 naming the field), audit entries."""

from __future__ import annotations

import random
from typing import Any


def _fields(r: Any) -> list[str]:
    return [f["name"] for f in r.json()["error"]["fields"]]


def _new_member(call) -> str:  # type: ignore[no-untyped-def]
    """A fresh member (no seeded current job), so the employment rules start from a known state."""
    for _ in range(10):
        r = call("POST", "/members", "staff", json={
            "member_number": f"9{random.randint(0, 999_999):06d}", "first_name": "RECORD", "last_name": "ZZTESTER",
            "date_of_birth": "1988-02-03", "card_type": "A", "classification": "journeyman"})
        if r.status_code == 201:
            return str(r.json()["id"])
        assert r.json()["error"]["code"] == "DUPLICATE_MEMBER_NUMBER", r.text
    raise AssertionError("no free card number")


def _an_employer(call) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    org = call("GET", "/employers", "staff", params={"q": "A", "limit": 1}).json()["items"][0]
    return call("GET", f"/employers/{org['id']}", "staff").json()  # type: ignore[no-any-return]


def _audit(call, kind: str, entity_id: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = call("GET", "/audit", "admin", params={"entity_type": kind, "entity_id": entity_id})
    return r.json()["items"]  # type: ignore[no-any-return]


def test_notes_edit_versions_delete_and_who_may(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    mid = live_runtime.other_member_id
    base = f"/members/{mid}/notes"
    note = call("POST", base, "staff", json={"text": "Called about dues", "visibility": "all_authorized"}).json()
    url = f"{base}/{note['id']}"
    # bad input names the field; nothing changes
    for body, field in [({"version": 1, "text": ""}, "text"), ({"version": 1, "text": "x" * 10_001}, "text"),
                        ({"version": 1, "visibility": "everyone"}, "visibility"), ({"text": "x"}, "version"),
                        ({"version": 1, "author_id": "me"}, "author_id")]:
        r = call("PATCH", url, "staff", json=body)
        assert r.status_code == 400 and field in _fields(r), (body, r.text)
    # another role that can read it, but is neither the author nor an admin
    assert call("PATCH", url, "officer", json={"version": 1, "text": "mine now"}).status_code == 403
    assert call("DELETE", url, "dispatcher", json={"version": 1, "reason": "no"}).status_code == 403
    # instructors and members never reach notes
    assert call("PATCH", url, "instructor", json={"version": 1, "text": "x"}).status_code == 403
    r = call("PATCH", url, "staff", json={"version": 1, "text": "Called about dues; paid by card"})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["editable"] is True
    stale = call("PATCH", url, "staff", json={"version": 1, "text": "lost update"})
    assert stale.status_code == 409 and stale.json()["error"]["current"]["text"].endswith("paid by card")
    # earlier versions: admins only (audited read)
    assert call("GET", f"{url}/history", "staff").status_code == 403
    history = call("GET", f"{url}/history", "admin").json()
    assert [v["text"] for v in history["versions"]] == ["Called about dues"]
    # soft delete needs a reason; then gone from lists, still visible (as deleted) to admins
    r = call("DELETE", url, "staff", json={"version": 2, "reason": ""})
    assert r.status_code == 400 and "reason" in _fields(r)
    r = call("DELETE", url, "staff", json={"version": 2, "reason": "duplicate of an older note"})
    assert r.status_code == 200 and r.json()["deleted_at"]
    for role in ("staff", "admin", "officer"):
        assert note["id"] not in [n["id"] for n in call("GET", base, role).json()["items"]]
    after = call("GET", f"{url}/history", "admin").json()
    assert after["note"]["delete_reason"] == "duplicate of an older note" and len(after["versions"]) == 1
    assert call("PATCH", url, "admin", json={"version": 3, "text": "back"}).status_code == 404
    actions = [e["action"] for e in _audit(call, "member_note", note["id"])]
    assert {"CREATE", "UPDATE", "DELETE", "READ"} <= set(actions)


def test_staff_only_note_stays_hidden_from_others_even_by_id(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    mid = live_runtime.other_member_id
    note = call("POST", f"/members/{mid}/notes", "dispatcher", json={"text": "private"}).json()
    # (officers see staff-only notes of their own only; the organizer's token is revoked by the logout test)
    r = call("PATCH", f"/members/{mid}/notes/{note['id']}", "officer", json={"version": 1, "text": "seen"})
    assert r.status_code == 404
    assert call("PATCH", f"/members/{mid}/notes/{note['id']}", "admin",
                json={"version": 1, "category": "referral"}).status_code == 200


def test_end_and_correct_a_job(call) -> None:  # type: ignore[no-untyped-def]
    mid = _new_member(call)
    org = _an_employer(call)
    job = call("POST", f"/members/{mid}/employment", "staff",
               json={"employer_id": org["id"], "start_date": "2026-02-02"}).json()
    end = f"/members/{mid}/employment/{job['id']}/end"
    assert call("POST", end, "dispatcher", json={"version": 1, "end_date": "2026-03-01"}).status_code == 403
    r = call("POST", end, "staff", json={"version": 1, "end_date": "2026-02-01"})
    assert r.status_code == 400 and _fields(r) == ["end_date"]
    r = call("POST", end, "staff", json={"version": 1, "end_date": "not a date"})
    assert r.status_code == 400 and "end_date" in _fields(r)
    r = call("POST", end, "staff", json={"version": 9, "end_date": "2026-03-01"})
    assert r.status_code == 409 and r.json()["error"]["current"]["end_date"] is None
    r = call("POST", end, "staff", json={"version": 1, "end_date": "2026-03-06", "end_hourly_rate": "63.10"})
    assert r.status_code == 200 and r.json()["end_date"] == "2026-03-06" and r.json()["version"] == 2
    # the current-job marker is free: a new current job can start
    nxt = call("POST", f"/members/{mid}/employment", "staff",
               json={"employer_id": org["id"], "start_date": "2026-03-09"})
    assert nxt.status_code == 201, nxt.text
    again = call("POST", end, "staff", json={"version": 2, "end_date": "2026-03-07"})
    assert again.status_code == 422 and again.json()["error"]["code"] == "NOT_CURRENT"
    # corrections need a reason and keep the dates consistent
    fix = f"/members/{mid}/employment/{job['id']}/correct"
    r = call("POST", fix, "staff", json={"version": 2, "job_class": "1.1"})
    assert r.status_code == 400 and "reason" in _fields(r)
    r = call("POST", fix, "staff", json={"version": 2, "reason": "typo", "end_date": "2026-03-10"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "EMPLOYMENT_OVERLAP"
    r = call("POST", fix, "officer", json={"version": 2, "reason": "rate from the pay stub", "hourly_rate": "61.75"})
    assert r.status_code == 200 and r.json()["hourly_rate"] == "61.75" and r.json()["version"] == 3
    update = next(e for e in _audit(call, "employment", job["id"]) if e["changed_fields"] and
                  "hourly_rate" in e["changed_fields"])
    assert update["extra"]["reason"] == "rate from the pay stub" and update["new_values"]["hourly_rate"] == "61.75"
    jobs = call("GET", f"/members/{mid}/employment", "staff").json()["items"]
    assert [j["end_date"] for j in jobs] == [None, "2026-03-06"] and all("version" in j for j in jobs)


def test_edit_and_remove_contacts_with_one_primary(call) -> None:  # type: ignore[no-untyped-def]
    org = _an_employer(call)
    oid = org["id"]
    a = call("POST", f"/employers/{oid}/contacts", "staff",
             json={"name": "ZZ FIRST CONTACT", "is_primary": True, "version": org["version"]})
    assert a.status_code == 201, a.text
    b = call("POST", f"/employers/{oid}/contacts", "dispatcher",
             json={"name": "ZZ SECOND CONTACT", "version": org["version"] + 1}).json()
    version = org["version"] + 2
    url = f"/employers/{oid}/contacts/{b['id']}"
    assert call("PATCH", url, "member", json={"version": version, "is_primary": True}).status_code == 403
    r = call("PATCH", url, "staff", json={"version": version, "email": "not-an-email"})
    assert r.status_code == 400 and "email" in _fields(r)
    r = call("PATCH", url, "staff", json={"version": version - 1, "is_primary": True})
    assert r.status_code == 409 and r.json()["error"]["current"]["version"] == version
    r = call("PATCH", url, "staff", json={"version": version, "is_primary": True, "phone": "206-555-0177"})
    assert r.status_code == 200 and r.json()["is_primary"] and r.json()["phone"] == "(206) 555-0177"
    contacts = call("GET", f"/employers/{oid}", "staff").json()["contacts"]
    assert [c["name"] for c in contacts if c["is_primary"]] == ["ZZ SECOND CONTACT"]
    gone = f"/employers/{oid}/contacts/{a.json()['id']}"
    r = call("DELETE", gone, "staff", json={"version": version + 1})
    assert r.status_code == 400 and "reason" in _fields(r)
    assert call("DELETE", gone, "staff", json={"version": version + 1, "reason": "retired"}).status_code == 200
    names = [c["name"] for c in call("GET", f"/employers/{oid}", "staff").json()["contacts"]]
    assert "ZZ FIRST CONTACT" not in names and "ZZ SECOND CONTACT" in names
    assert _audit(call, "contact", a.json()["id"])[0]["action"] == "DELETE"


def test_edit_and_end_contracts_without_overlap(call) -> None:  # type: ignore[no-untyped-def]
    org = _an_employer(call)
    oid, v = org["id"], org["version"]
    held = {c["contract_code"] for c in org["contracts"]}
    code = next(c for c in ("MARKET RECOVERY", "GROUP MARINE", "GROUP TV & APPL", "LT FXT MAINT") if c not in held)
    first = call("POST", f"/employers/{oid}/contracts", "staff", json={
        "contract_code": code, "effective_date": "2031-01-01", "expiration_date": "2031-12-31", "version": v})
    assert first.status_code == 201, first.text
    first = first.json()
    second = call("POST", f"/employers/{oid}/contracts", "staff", json={
        "contract_code": code, "effective_date": "2033-01-01", "version": v + 1})
    assert second.status_code == 201, second.text
    v += 2
    url = f"/employers/{oid}/contracts/{first['id']}"
    r = call("PATCH", url, "staff", json={"version": v, "expiration_date": "2033-06-30"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CONTRACT_OVERLAP"
    r = call("PATCH", url, "staff", json={"version": v, "contract_code": "WIREPERSON"})
    assert r.status_code == 400 and "contract_code" in _fields(r)
    r = call("PATCH", url, "staff", json={"version": v, "expiration_date": "2032-06-30"})
    assert r.status_code == 200 and r.json()["expiration_date"] == "2032-06-30"
    v += 1
    r = call("POST", f"{url}/end", "staff", json={"version": v, "expiration_date": "2030-01-01"})
    assert r.status_code == 400 and _fields(r) == ["expiration_date"]
    denied = call("POST", f"{url}/end", "member", json={"version": v, "expiration_date": "2031-06-30"})
    assert denied.status_code == 403
    r = call("POST", f"{url}/end", "staff", json={"version": v, "expiration_date": "2031-06-30"})
    assert r.status_code == 200 and r.json()["status"] == "ended"
    r = call("PATCH", url, "staff", json={"version": v + 1, "expiration_date": "2031-07-30"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "CONTRACT_ENDED"
    assert code in call("GET", f"/employers/{oid}", "staff").json()["contract_codes"]  # the 2033 one still holds it
    # end the other one too: the employer no longer holds the code (and other suites' counts stay as seeded)
    r = call("POST", f"/employers/{oid}/contracts/{second.json()['id']}/end", "staff",
             json={"version": v + 1, "expiration_date": "2033-01-31"})
    assert r.status_code == 200, r.text
    assert code not in call("GET", f"/employers/{oid}", "staff").json()["contract_codes"]


def test_employment_and_notes_lists_page_newest_first(call) -> None:  # type: ignore[no-untyped-def]
    """GIVEN a member with 5 jobs and 3 notes WHEN their lists are read 2 at a time THEN every record comes
    once, jobs newest start first and notes newest first; a cursor of one list is refused by the other."""
    mid = _new_member(call)
    org = _an_employer(call)["id"]
    starts = ["2021-03-01", "2022-03-01", "2023-03-01", "2024-03-01", "2025-03-01"]
    for start in starts:
        r = call("POST", f"/members/{mid}/employment", "staff",
                 json={"employer_id": org, "start_date": start, "end_date": start[:4] + "-09-30"})
        assert r.status_code == 201, r.text
    for text in ("first", "second", "third"):
        assert call("POST", f"/members/{mid}/notes", "staff", json={"text": text}).status_code == 201

    def walk(path: str) -> tuple[list[dict[str, Any]], str | None]:
        seen, cursor, first_cursor = [], None, None
        while True:
            params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            body = call("GET", path, "staff", params=params).json()
            seen += body["items"]
            cursor = body["next_cursor"]
            first_cursor = first_cursor or cursor
            if not cursor:
                return seen, first_cursor

    jobs, job_cursor = walk(f"/members/{mid}/employment")
    assert [j["start_date"] for j in jobs] == sorted(starts, reverse=True)
    notes, _ = walk(f"/members/{mid}/notes")
    assert [n["text"] for n in notes] == ["third", "second", "first"]
    r = call("GET", f"/members/{mid}/notes", "staff", params={"cursor": job_cursor})
    assert r.status_code == 400 and _fields(r) == ["cursor"]
