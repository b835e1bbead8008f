"""End to end against the local runtime (moto + the real app) with the full demo data."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

import app  # noqa: F401 - importing the app registers its routes
from chalicelib.core.roles import Role
from chalicelib.core.api import REGISTRY

ROLES = [r.value for r in Role]


def test_health_and_readiness_need_no_login(call) -> None:  # type: ignore[no-untyped-def]
    assert call("GET", "/health").json() == {"status": "ok"}
    assert call("GET", "/health/ready").json()["checks"] == {"table": "ok"}


def test_demo_data_is_at_real_scale(call) -> None:  # type: ignore[no-untyped-def]
    """GIVEN the seeded runtime WHEN counting via the API THEN ~4,000 members and 843 employers exist."""
    total, cursor = 0, None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = call("GET", "/employers", "staff", params=params).json()
        total += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert total == 843
    webbs = call("GET", "/members", "staff", params={"q": "WEBB", "limit": 500}).json()["items"]
    assert len(webbs) >= 33 and all(m["last_name"].startswith("WEBB") for m in webbs)


def test_wrong_password_and_unknown_user_get_the_same_answer(call) -> None:  # type: ignore[no-untyped-def]
    a = call("POST", "/auth/login", json={"email": "admin@demo.unioncore.example.org", "password": "nope"})
    b = call("POST", "/auth/login", json={"email": "nobody@example.org", "password": "nope"})
    assert a.status_code == b.status_code == 401
    assert a.json()["error"] == b.json()["error"]
    assert a.json()["error"]["message"] == "Incorrect email or password."


def test_five_failures_lock_the_account_for_30_minutes(call, live_runtime: SimpleNamespace) -> None:  # type: ignore[no-untyped-def]
    email, password = live_runtime.logins["instructor"]
    codes = [call("POST", "/auth/login", json={"email": email, "password": "wrong"}).status_code for _ in range(5)]
    assert codes[:4] == [401] * 4 and codes[4] == 429
    locked = call("POST", "/auth/login", json={"email": email, "password": password})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 25 * 60
    assert locked.json()["error"]["code"] == "LOCKED_OUT"


def test_requests_without_a_valid_token_get_401(call, token_for) -> None:  # type: ignore[no-untyped-def]
    """No token, a malformed one, and an expired copy of a real one (signed by the local Cognito): API Gateway's
    own answer (the template's gateway responses, which the local server applies) is a 401 in the error contract,
    so the web app refreshes and retries instead of failing."""
    from tokens import expired_copy

    expired = expired_copy(token_for("staff"))
    for headers in ({}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": f"Bearer {expired}"}):
        r = call("GET", "/members", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED", (headers, r.text)
        assert r.headers["WWW-Authenticate"] == "Bearer" and r.headers["Cache-Control"] == "no-store"
    assert call("GET", "/members", "staff").status_code == 200  # the token it was copied from is still good


def test_unknown_routes_are_404_in_the_error_contract(call) -> None:  # type: ignore[no-untyped-def]
    for role in (None, "staff"):
        r = call("GET", "/no/such/route", role)
        assert r.status_code == 404 and r.json()["error"]["code"] == "NOT_FOUND", r.text


def test_dispatcher_finds_member_by_card_edits_phone_and_sees_audit(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    number = live_runtime.other_member_number
    found = call("GET", "/members", "dispatcher", params={"q": number}).json()["items"]
    assert [m["member_number"] for m in found] == [number]
    member = call("GET", f"/members/{found[0]['id']}", "dispatcher").json()
    assert "gender" not in member  # restricted field hidden from dispatchers
    r = call("PATCH", f"/members/{member['id']}", "dispatcher",
             json={"version": member["version"], "phone": "(425) 555-0142"})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] == "(425) 555-0142" and r.json()["version"] == member["version"] + 1
    stale = call("PATCH", f"/members/{member['id']}", "dispatcher",
                 json={"version": member["version"], "phone": "(425) 555-0143"})
    assert stale.status_code == 409 and stale.json()["error"]["current"]["phone"] == "(425) 555-0142"
    history = call("GET", "/audit", "officer", params={"entity_type": "member", "entity_id": member["id"]}).json()
    update = next(e for e in history["items"] if e["action"] == "UPDATE")
    assert update["changed_fields"] == ["phone"] and update["new_values"]["phone"] == "(425) 555-0142"
    assert update["actor_email"] == live_runtime.logins["dispatcher"][0]


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    mid = live_runtime.other_member_id
    before = call("GET", f"/members/{mid}", "staff").json()
    for body, field in [({"version": before["version"], "phone": "12"}, "phone"),
                        ({"version": before["version"], "status": "deceased"}, "status"),
                        ({"version": "x"}, "version"),
                        ({"version": before["version"], "zip": "ABCDE"}, "zip")]:
        r = call("PATCH", f"/members/{mid}", "staff", json=body)
        assert r.status_code == 400, (body, r.text)
        assert field in [f["name"] for f in r.json()["error"]["fields"]]
    r = call("PATCH", f"/members/{mid}", "staff", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["name"] == "body"
    assert call("GET", f"/members/{mid}", "staff").json()["version"] == before["version"]
    r = call("GET", "/members", "staff", params={"limit": "9999"})
    assert r.status_code == 400 and r.json()["error"]["fields"][0]["name"] == "limit"


def test_member_sees_only_their_own_record(call, live_runtime) -> None:  # type: ignore[no-untyped-def]
    me = call("GET", "/me", "member").json()
    assert me["member"]["id"] == live_runtime.member_record["id"]
    assert call("GET", f"/members/{me['member']['id']}", "member").status_code == 200
    # IDOR: another member's id in the path, in every member-reachable route
    other = live_runtime.other_member_id
    for path in (f"/members/{other}", f"/members/{other}/employment"):
        r = call("GET", path, "member")
        assert r.status_code == 403, path
    assert call("GET", "/members", "member").status_code == 403
    assert call("PATCH", f"/members/{other}", "member", json={"version": 1, "phone": "2065550100"}).status_code == 403
    # The member edits their own contact fields through /me only, and cannot smuggle an id in.
    r = call("PATCH", "/me", "member", json={"version": me["member"]["version"], "id": other})
    assert r.status_code == 400
    r = call("PATCH", "/me", "member", json={"version": me["member"]["version"], "city": "OLYMPIA"})
    assert r.status_code == 200 and r.json()["id"] == me["member"]["id"] and r.json()["city"] == "OLYMPIA"


def _fill(path: str, live_runtime: SimpleNamespace) -> str:
    return re.sub(r"{member_id}", live_runtime.other_member_id, re.sub(r"{\w+}", "01NOSUCHID0000000000000000", path))


@pytest.mark.parametrize("role", ROLES)
def test_every_route_allows_exactly_the_declared_roles(call, live_runtime, role: str) -> None:  # type: ignore[no-untyped-def]
    """The permission matrix: for each route and role, allowed iff declared (deny by default)."""
    assert len(REGISTRY) >= 30  # the matrix must really walk the routes
    checked = 0
    for (method, path), ep in sorted(REGISTRY.items()):
        if ep.public or path in ("/auth/logout",):
            continue
        url = _fill(path, live_runtime)
        body = None if method == "GET" else {}
        r = call(method, url, role, json=body) if body is not None else call(method, url, role)
        allowed = Role(role) in ep.roles and not (role == "member" and ep.own_param)
        if allowed:
            assert r.status_code not in (401, 403, 500), (role, method, path, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, method, path, r.status_code, r.text)
            assert r.json()["error"]["code"] == "FORBIDDEN"
        checked += 1
    assert checked >= 25


def test_every_public_route_answers_without_a_token(call) -> None:  # type: ignore[no-untyped-def]
    """The public half of the matrix (sign-in steps, sign-up, health): reachable with no token at all, and an
    empty body is a 400 naming fields, never a 401/403/5xx."""
    checked = 0
    for (method, path), ep in sorted(REGISTRY.items()):
        if not ep.public:
            continue
        r = call(method, path) if method == "GET" else call(method, path, json={})
        assert r.status_code not in (401, 403) and r.status_code < 500, (method, path, r.status_code, r.text)
        if ep.body is not None and ep.body.model_fields and any(f.is_required() for f in ep.body.model_fields.values()):
            assert r.status_code == 400 and r.json()["error"]["fields"], (method, path, r.text)
        checked += 1
    assert checked >= 10  # health, openapi, login, challenge, mfa, mfa setup, refresh, reset, sign-up, confirm


def test_logout_revokes_the_access_token(live_runtime, http) -> None:  # type: ignore[no-untyped-def]
    email, password = live_runtime.logins["organizer"]
    tokens = http.post(f"{live_runtime.api}/auth/login", json={"email": email, "password": password}).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get(f"{live_runtime.api}/me", headers=auth).status_code == 200
    r = http.post(f"{live_runtime.api}/auth/logout", headers=auth, json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    assert http.get(f"{live_runtime.api}/me", headers=auth).status_code == 401
    again = http.post(f"{live_runtime.api}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


def test_audit_export_is_an_admin_only_background_job(call) -> None:  # type: ignore[no-untyped-def]
    r = call("POST", "/audit/exports", "admin", json={"from": "2001-01-01", "to": "2001-01-02"})
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running", "succeeded")
    assert call("POST", "/audit/exports", "officer", json={"from": "2001-01-01", "to": "2001-01-02"}).status_code == 403
    # The synchronous export is gone: no such route (the local gateway answers an unknown path 401/404).
    assert ("GET", "/audit/export") not in REGISTRY
    assert call("GET", "/audit/export", "admin").status_code in (401, 403, 404)


def test_openapi_document_lists_every_route(call) -> None:  # type: ignore[no-untyped-def]
    doc = call("GET", "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    declared = {(m.lower(), p) for (m, p) in REGISTRY}
    listed = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert declared == listed
