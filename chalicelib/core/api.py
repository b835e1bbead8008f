"""The route registry: every route of every module is declared through `Api.route` with the roles allowed
(deny by default), its body model, query parameters, response model and, for member-reachable routes, the
path parameter that must be the caller's own member id. OpenAPI and the route × role matrix read this one
registry. Each module has its own `Api` over a Chalice Blueprint; app.py registers the blueprints.

A route handler receives a `Req` and returns a pydantic model, a `Page`, a dataclass, a list, a dict or
None; the registry serialises it once (JSON, pages as {"items", "next_cursor"}).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice import Blueprint, CORSConfig, Response
from pydantic import BaseModel, ValidationError

from chalicelib.core.audit import Actor, AuditAction
from chalicelib.core.context import Caller, Ctx
from chalicelib.core.errors import AppError, FieldProblem, bad_request
from chalicelib.core.model import ID_PATTERN
from chalicelib.core.observability import annotate, logger, metrics
from chalicelib.core.roles import ALL_ROLES, Role
from chalicelib.core.store import get_store
from chalicelib.core.store.ports import Page

MAX_BODY_BYTES = 256 * 1024
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class QueryParam:
    name: str
    kind: str = "string"  # string | integer | boolean | date
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    max_length: int = 200
    default: Any = None


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
    response: type[BaseModel] | None = None
    module: str = ""
    # A webhook: public, signed by its sender; the handler gets the exact body bytes and the headers, and
    # acts as this named system principal (audit entries name it as the actor).
    principal: str | None = None

    @property
    def is_webhook(self) -> bool:
        return self.principal is not None


REGISTRY: dict[tuple[str, str], Endpoint] = {}

# Paging is declared once: every list route takes these two and gets the default page size applied here.
LIMIT = QueryParam("limit", "integer", f"page size (default {DEFAULT_PAGE_SIZE}, max {MAX_PAGE_SIZE})", 1,
                   MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)
CURSOR = QueryParam("cursor", "string", "opaque cursor from next_cursor", max_length=2048)
PAGING = (LIMIT, CURSOR)


@dataclass
class Req:
    ctx: Ctx | None
    body: Any
    query: dict[str, Any]
    actor: Actor
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    raw_body: bytes = b""  # webhooks only: exactly the bytes that were sent (signatures are over these)

    @property
    def auth(self) -> Ctx:
        """The context of an authenticated route (the registry never calls one without it)."""
        assert self.ctx is not None
        return self.ctx

    @property
    def limit(self) -> int:
        return int(self.query.get("limit", DEFAULT_PAGE_SIZE))

    @property
    def cursor(self) -> str | None:
        return self.query.get("cursor")


def client_actor(request: Any, request_id: str) -> Actor:
    ctx = request.context or {}
    identity = ctx.get("identity") or {}
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    auth = ctx.get("authorizer") or {}
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
    out: dict[str, Any] = {p.name: p.default for p in ep.query if p.default is not None}
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


_ID = re.compile(ID_PATTERN)


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


def to_json(result: Any) -> Any:
    """The one serialiser of route results."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, Page):
        return {"items": [to_json(i) for i in result.items], "next_cursor": result.next_cursor}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    if isinstance(result, list | tuple):
        return [to_json(i) for i in result]
    if isinstance(result, dict):
        return {k: to_json(v) for k, v in result.items()}
    if isinstance(result, date):
        return result.isoformat()
    return result


def error_response(err: AppError) -> Response:
    return Response(body=err.body(), status_code=err.status,
                    headers={"Content-Type": "application/json", **err.headers})


def cors_for(allowed_origin: str) -> CORSConfig | None:
    """On AWS the site (CloudFront) and the API are different origins: allow exactly the site.
    Locally both are one origin and no CORS is sent at all (never `*` with credentials)."""
    if not allowed_origin:
        return None
    return CORSConfig(allow_origin=allowed_origin.split(",")[0].strip(),
                      allow_headers=["Authorization", "Content-Type"],
                      expose_headers=["Retry-After", "X-Request-Id"], max_age=600)


class Api:
    """One module's routes: a Chalice Blueprint whose routes are all declared in `REGISTRY`."""

    def __init__(self, import_name: str, registry: dict[tuple[str, str], Endpoint] | None = None) -> None:
        self.blueprint = Blueprint(import_name)
        self.registry = REGISTRY if registry is None else registry
        self.module = import_name.split(".")[1] if import_name.count(".") >= 1 else import_name
        # Read straight from the environment: route declarations happen at import, before any request.
        self.cors = cors_for(os.environ.get("ALLOWED_ORIGINS", ""))

    def route(self, path: str, method: str, *, roles: frozenset[Role] | set[Role] | None = None,
              public: bool = False, body: type[BaseModel] | None = None, query: tuple[QueryParam, ...] = (),
              own: str | None = None, summary: str = "", status: int = 200, response: type[BaseModel] | None = None,
              content_type: str = "application/json") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        allowed = frozenset(roles or ())
        if not public and not allowed:
            raise ValueError(f"{method} {path}: declare the roles allowed (deny by default)")
        if not allowed <= ALL_ROLES:
            raise ValueError(f"{method} {path}: unknown role")
        ep = Endpoint(path, method, allowed, public, body, query, own, summary, status, content_type, response,
                      self.module)
        return self._declare(ep)

    def webhook(self, path: str, *, principal: str, summary: str = "",
                status: int = 200) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A route for a sender that signs its calls (Stripe): public at the gateway, POST, the raw body and
        headers handed over unparsed; the handler must verify the signature before it trusts anything."""
        if not re.fullmatch(r"[A-Z][A-Z0-9_]{2,40}", principal):
            raise ValueError(f"POST {path}: a webhook principal is a name like STRIPE_WEBHOOK")
        ep = Endpoint(path, "POST", frozenset(), True, None, (), None, summary, status, module=self.module,
                      principal=principal)
        return self._declare(ep)

    def _declare(self, ep: Endpoint) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        path, method, public = ep.path, ep.method, ep.public
        if (method, path) in self.registry:
            raise ValueError(f"{method} {path} is declared twice")
        self.registry[(method, path)] = ep

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            def view(**params: str) -> Response:
                return self._handle(ep, fn, params)

            view.__name__ = fn.__name__
            kwargs: dict[str, Any] = {"methods": [method]}
            if self.cors is not None:
                kwargs["cors"] = self.cors
            if not public:
                from chalicelib.core.authorizer import jwt_auth

                kwargs["authorizer"] = jwt_auth
            self.blueprint.route(path, **kwargs)(view)
            return fn

        return decorate

    def _handle(self, ep: Endpoint, fn: Callable[..., Any], params: dict[str, str]) -> Response:
        started = time.perf_counter()
        req = self.blueprint.current_request
        request_id = str((req.context or {}).get("requestId") or uuid.uuid4())
        logger.set_correlation_id(request_id)
        actor = client_actor(req, request_id)
        try:
            store = get_store()
            ctx = None
            if ep.principal is not None:
                actor = Actor(id=ep.principal, roles=["system"], request_id=request_id, source_ip=actor.source_ip,
                              user_agent=actor.user_agent, channel="webhook")
                ctx = Ctx(store=store, caller=Caller(actor))
            elif not ep.public:
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
            raw = req.raw_body or b""
            raw_bytes = raw.encode() if isinstance(raw, str) else bytes(raw)
            headers = {k.lower(): v for k, v in (req.headers or {}).items()}
            if ep.is_webhook:
                if len(raw_bytes) > MAX_BODY_BYTES:
                    raise AppError(400, "BODY_TOO_LARGE", "The request body is too large.",
                                   [FieldProblem("body", "larger than 256 KiB")])
                call = Req(ctx=ctx, body=None, query=query, actor=actor, headers=headers, raw_body=raw_bytes)
            else:
                call = Req(ctx=ctx, body=_parse_body(ep, raw_bytes), query=query, actor=actor, headers=headers)
            result = fn(call, **params)
            if isinstance(result, Response):
                response = result
            elif ep.content_type != "application/json":
                response = Response(body=result, status_code=ep.status, headers={"Content-Type": ep.content_type})
            else:
                response = Response(body=to_json(result) if result is not None else "", status_code=ep.status,
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
        ctx.store.create(ctx.audit_entry(AuditAction.READ, "authorization", target, refused=True,
                                         route=f"{ep.method} {ep.path}"))
