"""The whole API in this process at a chosen local instant — for the rulebook's scenarios that involve a user
(issue 8: "run against the API where the scenario involves a user").

The app is the real one (every Blueprint, the route registry, roles per route, the error contract, the audit
trail) on the in-memory twin. Two things are stood in for, both proved elsewhere against the real thing:
- the identity provider: a token `test:<role>[+<role>]:<user id>[:<member id>]` is accepted by the
  authorizer (tests/e2e and tests/integration sign in against the local Cognito);
- the clock: `hall.at(local datetime)` moves time for everything in this process (time-machine), so R3's
  15:00 cutoff or R2's slot is exactly the scenario's minute.

    def test_AS_017_...(hall):
        hall.at(2026, 3, 2, 14, 59)
        r = hall.post("/labor-requests", "dispatcher", {...})
        assert r.status == 201, r.json
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from chalice.test import Client

LA = ZoneInfo("America/Los_Angeles")


@dataclass
class Reply:
    status: int
    json: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.json.get("error") or {}) if isinstance(self.json, dict) else {}


@dataclass
class Hall:
    client: Client
    store: Any
    _travel: Any = None
    users: dict[str, str] = field(default_factory=dict)

    # -- time --------------------------------------------------------------------------------------
    def at(self, y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
        """Stand at this local (America/Los_Angeles) instant; time does not move until the next `at`."""
        when = datetime(y, m, d, hh, mm, ss, tzinfo=LA)
        if self._travel is not None:
            self._travel.stop()
        self._travel = time_machine.travel(when, tick=False)
        self._travel.start()
        return when

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None

    # -- calls ----------------------------------------------------------------------------------------
    def token(self, role: str, user_id: str | None = None, member_id: str | None = None) -> str:
        uid = user_id or f"{role.replace('+', '-')}-1"
        return f"test:{role}:{uid}" + (f":{member_id}" if member_id else "")

    def call(self, method: str, path: str, role: str | None, body: Any = None, *, user_id: str | None = None,
             member_id: str | None = None, query: dict[str, Any] | None = None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if role:
            headers["Authorization"] = f"Bearer {self.token(role, user_id, member_id)}"
        if query:
            from urllib.parse import urlencode

            path = f"{path}?{urlencode(query)}"
        raw = self.client.http.request(method, path, headers=headers,
                                       body=json.dumps(body).encode() if body is not None else b"")
        text = raw.body.decode() if isinstance(raw.body, bytes) else (raw.body or "")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return Reply(raw.status_code, parsed, {k.lower(): v for k, v in raw.headers.items()})

    def get(self, path: str, role: str | None, **kw: Any) -> Reply:
        return self.call("GET", path, role, **kw)

    def post(self, path: str, role: str | None, body: Any = None, **kw: Any) -> Reply:
        return self.call("POST", path, role, body, **kw)

    def patch(self, path: str, role: str | None, body: Any = None, **kw: Any) -> Reply:
        return self.call("PATCH", path, role, body, **kw)

    def put(self, path: str, role: str | None, body: Any = None, **kw: Any) -> Reply:
        return self.call("PUT", path, role, body, **kw)

    def delete(self, path: str, role: str | None, body: Any = None, **kw: Any) -> Reply:
        return self.call("DELETE", path, role, body, **kw)


def fake_authorize(token_header: str, store: Any) -> tuple[str, dict[str, Any]]:
    """`Bearer test:<roles joined by +>:<user id>[:<member id>]` → the authorizer's context."""
    from chalicelib.core.authorizer import Denied

    scheme, _, token = (token_header or "").partition(" ")
    parts = token.split(":")
    if scheme.lower() != "bearer" or len(parts) < 3 or parts[0] != "test":
        raise Denied("not a test token")
    roles = parts[1].split("+")
    member_id = parts[3] if len(parts) > 3 else ""
    return parts[2], {"sub": parts[2], "email": f"{parts[2]}@example.org", "roles": ",".join(sorted(roles)),
                      "member_id": member_id}


@pytest.fixture
def hall(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hall]:
    """The app on a fresh in-memory store with the 12 seeded books, at the real time until `hall.at(...)`."""
    import app as app_module
    from chalicelib.core import authorizer
    from chalicelib.core.store import set_store
    from chalicelib.core.store.memory import MemoryStore
    from chalicelib.referral.domain import seed_catalogue
    from chalicelib.referral.service import context

    monkeypatch.setattr(authorizer, "authorize", fake_authorize)
    store = MemoryStore()
    batch = store.batch()
    for book in seed_catalogue():
        batch.put(book)
    batch.commit()
    set_store(store)
    context.forget_cached()
    with Client(app_module.app) as client:
        h = Hall(client=client, store=store)
        try:
            yield h
        finally:
            h.stop()
            set_store(None)
            context.forget_cached()
