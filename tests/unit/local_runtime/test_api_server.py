"""The local server (infrastructure/local_runtime/api_server.py) never serves a file from outside static_site/."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice import Chalice

from infrastructure.local_runtime.api_server import Server, build_handler, static_target


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


@pytest.fixture
def serve(site: Path) -> Iterator[Any]:
    servers: list[Server] = []

    def start() -> http.client.HTTPConnection:
        server = Server(("127.0.0.1", 0), build_handler(Chalice(app_name="static-test"), site))
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
