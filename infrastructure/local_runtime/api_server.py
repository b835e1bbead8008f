"""Serves the Chalice app (under /api) and the static site (under /) from one origin, so the
browser talks to the API without CORS. Runs the same `app` object that deploys to Lambda; what API
Gateway answers by itself (a missing or refused token, an unknown route, a failing authorizer) is
answered from the template's gateway responses (`gateway.py`), as the deployed API does."""

from __future__ import annotations

import gc
import json
import mimetypes
import os
import sys
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalice.config import Config
from chalice.local import (
    ForbiddenError,
    InvalidAuthorizerError,
    LocalGateway,
    LocalGatewayException,
    NotAuthorizedError,
)

from infrastructure.local_runtime.fast_server import set_nodelay
from infrastructure.local_runtime.gateway import GatewayAnswer, GatewayResponses

API_PREFIX = "/api"


def make_thread_safe(app: Any) -> None:
    """Chalice keeps `current_request` and `lambda_context` as plain attributes (one request per
    Lambda container). A threaded local server needs them per thread."""
    local = threading.local()
    base = type(app)

    def _prop(name: str) -> property:
        return property(lambda self: getattr(local, name, None), lambda self, v: setattr(local, name, v))

    safe = type(f"ThreadSafe{base.__name__}", (base,), {
        "current_request": _prop("current_request"),
        "lambda_context": _prop("lambda_context"),
    })
    app.__dict__.pop("current_request", None)
    app.__dict__.pop("lambda_context", None)
    app.__class__ = safe


def _error(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "fields": []}}).encode()


def _contract_error(status: int, body: bytes) -> bytes:
    """Chalice answers some requests itself (405 for a method a route lacks, 415 …) in its own shape;
    keep the one error contract for every error the browser can see."""
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        parsed = {}
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        return body
    code = str(parsed.get("Code") or f"HTTP_{status}") if isinstance(parsed, dict) else f"HTTP_{status}"
    message = str(parsed.get("Message") or "Request refused.") if isinstance(parsed, dict) else "Request refused."
    return json.dumps({"error": {"code": code, "message": message, "fields": []}}).encode()


class PeerAddressGateway(LocalGateway):
    """API Gateway puts the caller's address in `requestContext.identity.sourceIp`; Chalice's local gateway
    always says 127.0.0.1. Per-client limits and the per-client sign-in lockout key on that address, so the
    local runtime passes the real TCP peer (tests reach it from several loopback addresses, 127.0.0.x)."""

    def __init__(self, app: Any, config: Config) -> None:
        super().__init__(app, config)
        self.peer = threading.local()

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        address = getattr(self.peer, "address", None)
        if address:
            event["requestContext"]["identity"]["sourceIp"] = address
        return event


def gateway_response_type(exc: Exception) -> str:
    """The API Gateway response type for what chalice's local gateway raised instead of calling the app."""
    if isinstance(exc, NotAuthorizedError):  # no Authorization header
        return "UNAUTHORIZED"
    if isinstance(exc, ForbiddenError):
        # No route for the path or method: API Gateway's MISSING_AUTHENTICATION_TOKEN, whose message
        # complains about a SigV4 signature when the request has an Authorization header.
        body = exc.body or b""
        if b"Missing Authentication Token" in body or b"Authorization header requires" in body:
            return "MISSING_AUTHENTICATION_TOKEN"
        return "ACCESS_DENIED"  # the authorizer's Deny
    if isinstance(exc, InvalidAuthorizerError):
        return "AUTHORIZER_CONFIGURATION_ERROR"
    if isinstance(exc, LocalGatewayException):
        return "UNAUTHORIZED" if exc.CODE == 401 else "ACCESS_DENIED" if exc.CODE == 403 else "AUTHORIZER_FAILURE"
    # An exception out of the authorizer: Lambda's error message "Unauthorized" is API Gateway's 401,
    # anything else a failed authorizer (500).
    return "UNAUTHORIZED" if str(exc) == "Unauthorized" else "AUTHORIZER_FAILURE"


def static_target(site_root: Path, request_path: str) -> Path | None:
    """The file under `site_root` a request path names, or None: never a path outside the site (`..`,
    an encoded `%2e%2e`, a symlink leading out, a sibling folder whose name starts like the site's)."""
    rel = urllib.parse.unquote(request_path.split("?", 1)[0].split("#", 1)[0])
    if rel.endswith("/"):
        rel += "index.html"
    try:
        target = (site_root / rel.lstrip("/")).resolve()
    except (OSError, ValueError):  # NUL bytes, names the OS refuses
        return None
    if not target.is_relative_to(site_root) or not target.is_file():
        return None
    return target


def build_handler(app: Any, site_dir: Path, responses: GatewayResponses | None = None) -> type[BaseHTTPRequestHandler]:
    gateway = PeerAddressGateway(app, Config())
    site_root = site_dir.resolve()
    if responses is None:
        origins = os.environ.get("ALLOWED_ORIGINS", "")
        responses = GatewayResponses.from_template(allowed_origin=origins.split(",")[0].strip())
    gateway_responses = responses

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "UnionCoreLocal"

        def setup(self) -> None:
            super().setup()
            set_nodelay(self.connection)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            if os.environ.get("UNIONCORE_ACCESS_LOG"):
                super().log_message(format, *args)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _api(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = self.path[len(API_PREFIX):] or "/"
            headers = {k: v for k, v in self.headers.items()}
            gateway.peer.address = self.client_address[0]
            try:
                resp = gateway.handle_request(self.command, path, headers, body)
            except LocalGatewayException as exc:
                # API Gateway answers these itself, from the template's gateway responses.
                self._answer(gateway_responses.answer(gateway_response_type(exc)))
                return
            except Exception as exc:  # noqa: BLE001 - raised by the authorizer (the app catches its own errors)
                if str(exc) != "Unauthorized":
                    traceback.print_exc(file=sys.stderr)
                self._answer(gateway_responses.answer(gateway_response_type(exc)))
                return
            out_headers = dict(resp.get("headers") or {})
            for k, values in (resp.get("multiValueHeaders") or {}).items():
                out_headers[k] = ", ".join(values)
            raw = resp.get("body") or ""
            if resp.get("isBase64Encoded"):
                import base64

                data = base64.b64decode(raw)
            else:
                data = raw.encode() if isinstance(raw, str) else raw
            status = int(resp["statusCode"])
            if status >= 400:
                data = _contract_error(status, data)
                out_headers["Content-Type"] = "application/json"
            self._send(status, out_headers, data)

        def _answer(self, answer: GatewayAnswer) -> None:
            self._send(answer.status, answer.headers, answer.body)

        def _static(self) -> None:
            target = static_target(site_root, self.path)
            if target is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if target.suffix == ".webmanifest":
                ctype = "application/manifest+json"
            headers = {"Content-Type": ctype, "Cache-Control": "no-cache",
                       "X-Content-Type-Options": "nosniff"}
            if target.name == "sw.js":
                headers["Service-Worker-Allowed"] = "/"
            self._send(200, headers, target.read_bytes())

        def _dispatch(self) -> None:
            try:
                if self.path == API_PREFIX or self.path.startswith(API_PREFIX + "/"):
                    self._api()
                elif self.command in ("GET", "HEAD"):
                    self._static()
                else:
                    self._refuse_method()
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

        def __getattr__(self, name: str) -> Any:
            # Any other method (TRACE, CONNECT, made-up verbs): a 405 in the error contract, not a 501 page.
            if name.startswith("do_"):
                return self._refuse_method
            raise AttributeError(name)

        def _refuse_method(self) -> None:
            self._send(405, {"Content-Type": "application/json", "Allow": "GET, POST, PUT, PATCH, DELETE"},
                       _error(405, "METHOD_NOT_ALLOWED", f"{self.command} is not supported."))

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def serve(host: str, port: int, site_dir: Path) -> Server:
    import app as app_module  # imported after the environment points at the emulated resources

    make_thread_safe(app_module.app)
    return Server((host, port), build_handler(app_module.app, site_dir))


def warm_up() -> None:
    """What a Lambda container does on its first request, done once before requests run concurrently:
    the store with its SDK client (threads racing to build it each made their own botocore session:
    a ~10 s stall, then multi-second garbage collections), then `gc.freeze()` so that the long-lived
    objects made at start-up (SDK service model, validators) are not walked by every later collection."""
    from chalicelib.core.store import get_store

    get_store()
    gc.collect()
    gc.freeze()


def start_event_sources() -> list[Any]:
    """What Lambda's event sources do on AWS: the app's DynamoDB stream handlers (the audit archive's
    consumer) fed from the local table's stream, in background threads of this process. Background jobs
    need nothing here: core/jobs.py runs them in a thread when no worker function is configured."""
    import app as app_module
    from chalicelib.core.settings import get_settings
    from infrastructure.local_runtime.stream_poller import start_dynamodb_event_sources

    s = get_settings()
    return start_dynamodb_event_sources(app_module.app, app_module, s.table_name, s.aws_endpoint_url, s.aws_region)


def main() -> None:
    host = os.environ.get("UNIONCORE_HOST", "127.0.0.1")
    port = int(os.environ.get("UNIONCORE_PORT", "8765"))
    site = Path(os.environ.get("UNIONCORE_SITE_DIR", Path(__file__).resolve().parents[2] / "static_site"))
    warm_up()
    server = serve(host, port, site)
    start_event_sources()
    print(f"api-ready http://{host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
