"""Thin HTTP adapter: every route is declared here with the roles allowed (deny by default),
its body model and its query parameters, so the permission matrix and OpenAPI come from one place."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice import Chalice, CORSConfig, Response
from pydantic import BaseModel, ValidationError

from chalicelib.domain.audit import Actor, AuditAction
from chalicelib.domain.roles import ALL_ROLES, Role
from chalicelib.errors import AppError, FieldProblem, bad_request
from chalicelib.observability import annotate, logger, metrics
from chalicelib.services.context import Caller, Ctx

MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True)
class QueryParam:
    name: str
    kind: str = "string"  # string | integer | boolean | date
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    max_length: int = 200


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    roles: frozenset[Role]
    public: bool = False
    body: type[BaseModel] | None = None
    query: tuple[QueryParam, ...] = ()
    own_param: str | None = None  # member role: this path parameter must be the caller's member id
    summary: str = ""
    status: int = 200
    content_type: str = "application/json"


REGISTRY: dict[tuple[str, str], Endpoint] = {}

LIMIT = QueryParam("limit", "integer", "page size (default 50, max 500)", 1, 500)
CURSOR = QueryParam("cursor", "string", "opaque cursor from next_cursor", max_length=2048)


@dataclass
class Req:
    ctx: Ctx | None
    body: Any
    query: dict[str, Any]
    actor: Actor
    headers: dict[str, str] = field(default_factory=dict)


def _client_actor(app: Chalice, request_id: str) -> Actor:
    req = app.current_request
    assert req is not None  # only called while Chalice handles a request
    ctx = req.context or {}
    identity = ctx.get("identity") or {}
    headers = {k.lower(): v for k, v in (req.headers or {}).items()}
    auth = (ctx.get("authorizer") or {})
    roles = [r for r in str(auth.get("roles", "")).split(",") if r]
    return Actor(
        id=str(auth.get("principalId") or auth.get("sub") or "anonymous"),
        email=auth.get("email") or None,
        roles=roles,
        member_id=auth.get("member_id") or None,
        request_id=request_id,
        source_ip=identity.get("sourceIp") or headers.get("x-forwarded-for", "").split(",")[0].strip() or None,
        user_agent=(identity.get("userAgent") or headers.get("user-agent") or "")[:200] or None,
        channel="web",
    )


def _parse_query(ep: Endpoint, raw: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for p in ep.query:
        value = raw.get(p.name)
        if value is None or value == "":
            continue
        if p.kind == "integer":
            try:
                number = int(value)
            except ValueError:
                problems.append(FieldProblem(p.name, "must be a whole number"))
                continue
            if (p.minimum is not None and number < p.minimum) or (p.maximum is not None and number > p.maximum):
                problems.append(FieldProblem(p.name, f"must be between {p.minimum} and {p.maximum}"))
                continue
            out[p.name] = number
        elif p.kind == "boolean":
            if value not in ("true", "false"):
                problems.append(FieldProblem(p.name, "must be true or false"))
                continue
            out[p.name] = value == "true"
        elif p.kind == "date":
            from datetime import date

            try:
                out[p.name] = date.fromisoformat(value)
            except ValueError:
                problems.append(FieldProblem(p.name, "must be a date YYYY-MM-DD"))
        else:
            if len(value) > p.max_length:
                problems.append(FieldProblem(p.name, "too long"))
            elif p.enum and value not in p.enum:
                problems.append(FieldProblem(p.name, f"must be one of {', '.join(p.enum)}"))
            else:
                out[p.name] = value
    if problems:
        raise bad_request("Some query parameters are not valid.", *problems)
    return out


_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _check_path(params: dict[str, str]) -> None:
    """Ids are opaque ULIDs/UUIDs: anything else never reaches the table (DynamoDB caps key sizes)."""
    bad = [FieldProblem(name, "not a valid id") for name, value in params.items() if not _ID.match(value or "")]
    if bad:
        raise bad_request("The address names no valid record.", *bad)


def _parse_body(ep: Endpoint, raw: bytes | None) -> Any:
    if ep.body is None:
        return None
    if raw and len(raw) > MAX_BODY_BYTES:
        raise AppError(400, "BODY_TOO_LARGE", "The request body is too large.",
                       [FieldProblem("body", "larger than 256 KiB")])
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("The body is not valid JSON.", FieldProblem("body", "invalid JSON")) from exc
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.", FieldProblem("body", "must be an object"))
    try:
        return ep.body.model_validate(data)
    except ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in err["loc"]) or "body",
                         "unknown field" if err["type"] == "extra_forbidden" else err["msg"])
            for err in exc.errors()
        ]
        raise bad_request("Some fields are not valid.", *problems) from exc


def error_response(err: AppError) -> Response:
    return Response(body=err.body(), status_code=err.status,
                    headers={"Content-Type": "application/json", **err.headers})


def cors_for(allowed_origin: str) -> CORSConfig | None:
    """On AWS the site (CloudFront) and the API are different origins: allow exactly the site.
    Locally both are one origin and no CORS is sent at all (flaw 12: never `*` with credentials)."""
    if not allowed_origin:
        return None
    return CORSConfig(allow_origin=allowed_origin.split(",")[0].strip(),
                      allow_headers=["Authorization", "Content-Type"],
                      expose_headers=["Retry-After", "X-Request-Id"], max_age=600)


class Api:
    """Registers Chalice routes with their declared permissions."""

    def __init__(self, app: Chalice, authorizer: Any, store_factory: Callable[[], Any],
                 allowed_origin: str = "") -> None:
        self.app = app
        self.authorizer = authorizer
        self.store_factory = store_factory
        self.cors = cors_for(allowed_origin)

    def route(self, path: str, method: str, *, roles: frozenset[Role] | set[Role] | None = None,
              public: bool = False, body: type[BaseModel] | None = None, query: tuple[QueryParam, ...] = (),
              own: str | None = None, summary: str = "", status: int = 200,
              content_type: str = "application/json") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        allowed = frozenset(roles or ())
        if not public and not allowed:
            raise ValueError(f"{method} {path}: declare the roles allowed (deny by default)")
        if not allowed <= ALL_ROLES:
            raise ValueError(f"{method} {path}: unknown role")
        ep = Endpoint(path, method, allowed, public, body, query, own, summary, status, content_type)
        REGISTRY[(method, path)] = ep

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            def view(**params: str) -> Response:
                return self._handle(ep, fn, params)

            view.__name__ = fn.__name__
            kwargs: dict[str, Any] = {"methods": [method]}
            if self.cors is not None:
                kwargs["cors"] = self.cors
            if not public:
                kwargs["authorizer"] = self.authorizer
            self.app.route(path, **kwargs)(view)
            return fn

        return decorate

    def _handle(self, ep: Endpoint, fn: Callable[..., Any], params: dict[str, str]) -> Response:
        started = time.perf_counter()
        req = self.app.current_request
        assert req is not None  # only called while Chalice handles a request
        request_id = str((req.context or {}).get("requestId") or uuid.uuid4())
        logger.set_correlation_id(request_id)
        actor = _client_actor(self.app, request_id)
        try:
            store = self.store_factory()
            ctx = None
            if not ep.public:
                caller = Caller(actor)
                ctx = Ctx(store=store, caller=caller)
                if not (caller.roles & ep.roles):
                    self._refused(ctx, ep, params)
                    raise AppError(403, "FORBIDDEN", "Your role may not do this.")
                if ep.own_param and caller.roles <= {Role.MEMBER} and params.get(ep.own_param) != caller.member_id:
                    self._refused(ctx, ep, params)
                    raise AppError(403, "FORBIDDEN", "You can only reach your own record.")
            _check_path(params)
            query = _parse_query(ep, dict(req.query_params or {}))
            raw = req.raw_body
            body = _parse_body(ep, raw.encode() if isinstance(raw, str) else raw)
            result = fn(Req(ctx=ctx, body=body, query=query, actor=actor), **params)
            if isinstance(result, Response):
                response = result
            elif ep.content_type != "application/json":
                response = Response(body=result, status_code=ep.status, headers={"Content-Type": ep.content_type})
            else:
                response = Response(body=result if result is not None else "", status_code=ep.status,
                                    headers={"Content-Type": "application/json"})
        except AppError as err:
            response = error_response(err)
        except Exception:  # noqa: BLE001 - the one place that turns a defect into a 500
            logger.exception("unhandled error", extra={"route": f"{ep.method} {ep.path}"})
            response = error_response(AppError(500, "INTERNAL", "Something went wrong; it has been logged."))
        response.headers["X-Request-Id"] = request_id
        response.headers["Cache-Control"] = "no-store"
        route = f"{ep.method} {ep.path}"
        logger.info("request", extra={"route": route, "status": response.status_code,
                                      "ms": round((time.perf_counter() - started) * 1000, 1)})
        self._measure(route, response.status_code)
        return response

    @staticmethod
    def _measure(route: str, status: int) -> None:
        annotate(route, status)
        if status >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        elif status in (401, 403, 429):
            metrics.add_metric(name="RefusedRequests", unit=MetricUnit.Count, value=1)
        else:
            return
        metrics.flush_metrics()  # EMF line to stdout: CloudWatch turns it into a metric

    @staticmethod
    def _refused(ctx: Ctx, ep: Endpoint, params: dict[str, str]) -> None:
        """Every refused authorization attempt on a protected action is audited (§16.2)."""
        target = next(iter(params.values()), "ROUTE")
        ctx.store.audit_log.append(ctx.audit_entry(AuditAction.READ, "authorization", target, refused=True,
                                                   route=f"{ep.method} {ep.path}"))


STAFF = frozenset({Role.ADMIN, Role.OFFICER, Role.DISPATCHER, Role.STAFF})
MEMBER_READERS = STAFF | {Role.ORGANIZER}
EVERYONE = ALL_ROLES
