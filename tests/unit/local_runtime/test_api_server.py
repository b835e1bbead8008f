"""The local server (infrastructure/local_runtime/api_server.py): it never serves a file from outside
static_site/, and what API Gateway answers by itself it answers from the template's gateway responses -
the same status, body and CORS headers the deployed API gives a browser."""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice import AuthResponse, Chalice

from infrastructure.local_runtime.api_server import Server, build_handler, static_target
from infrastructure.local_runtime.gateway import GatewayResponses

SITE_ORIGIN = "https://d111111abcdef8.cloudfront.net"


# --------------------------------------------------------------------------- static files


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """static_site-like folder, with things next to it that must never be served."""
    root = tmp_path / "site"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "js" / "app.js").write_text("// app")
    # A sibling whose name starts with the site folder's name: a string prefix check lets it through.
    (tmp_path / "site-private").mkdir()
    (tmp_path / "site-private" / "secret.txt").write_text("secret next door")
    (tmp_path / "outside.txt").write_text("secret outside")
    (root / "link").symlink_to(tmp_path / "site-private", target_is_directory=True)
    return root


def _app() -> Chalice:
    app = Chalice(app_name="gateway-test")

    @app.authorizer()
    def auth(auth_request: Any) -> AuthResponse:
        if auth_request.token == "Bearer good":
            return AuthResponse(routes=["*"], principal_id="someone")
        if auth_request.token == "Bearer crash":
            raise RuntimeError("the JWKS could not be fetched")
        if auth_request.token == "Bearer unauthorized":
            raise Exception("Unauthorized")  # noqa: TRY002 - what a Lambda authorizer raises for API Gateway's 401
        return AuthResponse(routes=[], principal_id="anonymous")  # Deny

    @app.route("/thing", authorizer=auth)
    def thing() -> dict[str, str]:
        return {"ok": "yes"}

    return app


@pytest.fixture
def serve(site: Path) -> Iterator[Any]:
    servers: list[Server] = []

    def start(responses: GatewayResponses | None = None) -> http.client.HTTPConnection:
        server = Server(("127.0.0.1", 0), build_handler(_app(), site, responses))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _get(conn: http.client.HTTPConnection, path: str,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn.request("GET", path, headers=headers or {})  # sent as written: no client-side `..` clean-up
    res = conn.getresponse()
    return res.status, dict(res.getheaders()), res.read()


@pytest.mark.parametrize("path", [
    "/../site-private/secret.txt",          # a sibling folder whose name starts like the site's
    "/js/../../site-private/secret.txt",
    "/%2e%2e/outside.txt",                  # encoded dots
    "/..%2foutside.txt",
    "/link/secret.txt",                     # a symlink inside the site pointing out of it
    "/js/%00app.js",
])
def test_paths_outside_the_site_are_not_found(serve: Any, path: str) -> None:
    conn = serve()
    status, _, body = _get(conn, path)
    assert status == 404 and b"secret" not in body


def test_files_of_the_site_are_served(serve: Any, site: Path) -> None:
    conn = serve()
    assert _get(conn, "/")[2].startswith(b"<!doctype html>")
    status, headers, body = _get(conn, "/js/app.js?v=1")
    assert (status, body) == (200, b"// app") and headers["X-Content-Type-Options"] == "nosniff"
    assert static_target(site.resolve(), "/js/%61pp.js") == (site / "js" / "app.js").resolve()


# --------------------------------------------------------------------------- API Gateway's own answers


def _contract(body: bytes) -> dict[str, Any]:
    parsed = json.loads(body)
    assert set(parsed) == {"error"} and set(parsed["error"]) == {"code", "message", "fields"}, parsed
    assert parsed["error"]["fields"] == []
    return dict(parsed["error"])


def test_a_refused_token_is_a_401_the_site_can_read(serve: Any) -> None:
    """GIVEN the template's gateway responses and the site on its own origin (as on AWS)
    WHEN a request has no token, a token the authorizer denies, or one it raises "Unauthorized" for
    THEN each is a 401 in the error contract, with the site's origin in Access-Control-Allow-Origin
         (without it the browser sees a network error and the web app cannot refresh)."""
    conn = serve(GatewayResponses.from_template(allowed_origin=SITE_ORIGIN))
    assert _get(conn, "/api/thing", {"Authorization": "Bearer good"})[0] == 200
    for headers in ({}, {"Authorization": "Bearer expired"}, {"Authorization": "Bearer unauthorized"}):
        status, got, body = _get(conn, "/api/thing", headers)
        assert status == 401, (headers, status, body)
        assert _contract(body)["code"] == "UNAUTHORIZED"
        assert got["Access-Control-Allow-Origin"] == SITE_ORIGIN
        assert got["WWW-Authenticate"] == "Bearer" and got["Cache-Control"] == "no-store"
        assert got["Content-Type"] == "application/json"


def test_unknown_routes_and_failing_authorizers_keep_the_contract(serve: Any) -> None:
    conn = serve(GatewayResponses.from_template(allowed_origin=SITE_ORIGIN))
    status, headers, body = _get(conn, "/api/nowhere", {"Authorization": "Bearer good"})
    assert status == 404 and _contract(body)["code"] == "NOT_FOUND"
    assert headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    status, headers, body = _get(conn, "/api/thing", {"Authorization": "Bearer crash"})
    assert status == 500 and _contract(body)["code"] == "AUTHORIZER_FAILURE"
    assert headers["Access-Control-Allow-Origin"] == SITE_ORIGIN


def test_same_origin_locally_means_no_cors_headers(serve: Any) -> None:
    conn = serve(GatewayResponses.from_template(allowed_origin=""))
    status, headers, body = _get(conn, "/api/thing", {"Authorization": "Bearer expired"})
    assert status == 401 and _contract(body)["code"] == "UNAUTHORIZED"
    assert not [h for h in headers if h.lower().startswith("access-control-")]


def test_without_gateway_responses_the_local_server_shows_api_gateways_defaults(serve: Any) -> None:
    """What the deployed API did before the template configured gateway responses - a 403 in another shape
    and no CORS headers - is what the local server shows too: it no longer hides it behind a 401."""
    conn = serve(GatewayResponses({}, allowed_origin=SITE_ORIGIN))
    status, headers, body = _get(conn, "/api/thing", {"Authorization": "Bearer expired"})
    assert status == 403 and json.loads(body) == {"message": "User is not authorized to access this resource"}
    assert "Access-Control-Allow-Origin" not in headers
    assert _get(conn, "/api/thing")[0] == 401


def test_the_server_reads_its_gateway_responses_from_the_template(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{SITE_ORIGIN}, https://other.example")
    handler = build_handler(_app(), site)
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        status, headers, _ = _get(conn, "/api/thing", {"Authorization": "Bearer expired"})
        assert status == 401 and headers["Access-Control-Allow-Origin"] == SITE_ORIGIN
    finally:
        server.shutdown()
        server.server_close()
    assert os.environ["ALLOWED_ORIGINS"].startswith(SITE_ORIGIN)
