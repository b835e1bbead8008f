"""The webhook route kind (issue 7 #10): a signed sender's call reaches its handler as the exact bytes sent,
with the headers, under a named system principal — and never needs a token."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.core.api import Api, Endpoint, Req
from chalicelib.core.store import set_store
from chalicelib.core.store.memory import MemoryStore


@pytest.fixture
def client() -> Iterator[Client]:
    registry: dict[tuple[str, str], Endpoint] = {}
    api = Api("tests.webhook", registry=registry)

    @api.webhook("/hooks/test", principal="TEST_PROVIDER", summary="a test sender")
    def hook(req: Req) -> dict[str, object]:
        assert req.ctx is not None and req.body is None
        return {"sha256": hashlib.sha256(req.raw_body).hexdigest(), "signature": req.headers.get("test-signature"),
                "actor": req.actor.id, "channel": req.actor.channel, "caller": req.ctx.caller.id}

    app = Chalice("webhook-test")
    app.register_blueprint(api.blueprint)
    set_store(MemoryStore())
    with Client(app) as c:
        yield c
    set_store(None)
    assert registry[("POST", "/hooks/test")].principal == "TEST_PROVIDER"


def test_GIVEN_a_signed_call_WHEN_it_arrives_THEN_the_handler_sees_the_exact_bytes_headers_and_principal(
        client: Client) -> None:
    body = '{"id": "evt_1",  "amount":\t17850, "name": "Łukasz Ñandú"}\r\n'.encode()  # odd spacing on purpose
    r = client.http.post("/hooks/test", body=body,
                         headers={"Content-Type": "application/json", "Test-Signature": "t=1,v1=abc"})
    assert r.status_code == 200, r.body
    out = json.loads(r.body)
    assert out == {"sha256": hashlib.sha256(body).hexdigest(), "signature": "t=1,v1=abc", "actor": "TEST_PROVIDER",
                   "channel": "webhook", "caller": "TEST_PROVIDER"}


def test_GIVEN_a_webhook_WHEN_the_body_is_too_large_THEN_400_naming_body(client: Client) -> None:
    r = client.http.post("/hooks/test", body=b"{" + b" " * (256 * 1024) + b"}",
                         headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and json.loads(r.body)["error"]["fields"][0]["name"] == "body"


def test_GIVEN_a_principal_that_is_not_a_name_WHEN_declared_THEN_refused() -> None:
    with pytest.raises(ValueError, match="principal"):
        Api("tests.bad", registry={}).webhook("/hooks/bad", principal="stripe webhook")
