"""Book qualifications through the API on the live runtime: a dispatcher records and changes them, the
member reads their own, bad input names the field, stale versions get the current record."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def test_dispatcher_records_and_changes_a_qualification_and_the_member_reads_it(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    mid = live_runtime.member_record["id"]
    url = f"/members/{mid}/qualifications/TRADESHOW"
    today = datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat()  # the local's date
    current = {q["book_code"]: q for q in call("GET", f"/members/{mid}/qualifications", "dispatcher").json()["items"]}
    version = current["TRADESHOW"]["version"] if "TRADESHOW" in current else None
    r = call("PUT", url, "dispatcher", json={"tier": 2, "qualified_on": today, "reason": "e2e", "version": version})
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["tier"] == 2 and saved["book_code"] == "TRADESHOW"
    mine = call("GET", f"/members/{mid}/qualifications", "member").json()["items"]
    assert any(q["book_code"] == "TRADESHOW" and q["tier"] == 2 for q in mine)
    stale = call("PUT", url, "dispatcher", json={"tier": 3, "qualified_on": today, "reason": "e2e",
                                                  "version": saved["version"] - 1 or 99})
    assert stale.status_code == 409 and stale.json()["error"]["current"]["tier"] == 2
    bad = call("PUT", url, "dispatcher", json={"tier": 9, "qualified_on": today, "reason": "e2e",
                                                "version": saved["version"]})
    assert bad.status_code == 400 and [f["name"] for f in bad.json()["error"]["fields"]] == ["tier"]
    assert call("PUT", url, "member", json={"tier": 1, "qualified_on": today, "reason": "me"}).status_code == 403
    other = live_runtime.other_member_id
    assert call("GET", f"/members/{other}/qualifications", "member").status_code == 403
    entries = call("GET", "/audit", "admin", params={"entity_type": "qualification",
                                                      "entity_id": f"{mid}.TRADESHOW"}).json()["items"]
    assert entries and entries[0]["actor_email"].startswith("dispatcher@")
