"""OpenAPI 3 document generated from the route registry and the pydantic models."""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import BaseModel

from chalicelib.core.api import REGISTRY

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "fields"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "problem": {"type": "string"}}}}}}},
}


def _component(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    """The model's JSON schema under components (with the models it nests); a $ref to it."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", model.__name__)
    if name not in schemas:
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for nested, definition in model_schema.pop("$defs", {}).items():
            schemas[nested] = definition
        schemas[name] = model_schema
    return {"$ref": f"#/components/schemas/{name}"}


@functools.lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _ERROR}
    for (method, path), ep in sorted(REGISTRY.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        op: dict[str, Any] = {
            "operationId": f"{method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
            "summary": ep.summary,
            "tags": [ep.module] if ep.module else [],
            "parameters": [],
            "responses": {str(ep.status): {"description": "success"}},
        }
        if ep.status == 204:
            op["responses"]["204"] = {"description": "no content"}
        for name in re.findall(r"{(\w+)}", path):
            op["parameters"].append({"name": name, "in": "path", "required": True,
                                     "schema": {"type": "string", "maxLength": 64}})
        for p in ep.query:
            schema: dict[str, Any] = {"type": p.kind if p.kind != "date" else "string"}
            if p.kind == "date":
                schema["format"] = "date"
            if p.minimum is not None:
                schema["minimum"] = p.minimum
            if p.maximum is not None:
                schema["maximum"] = p.maximum
            if p.kind == "string":
                schema["maxLength"] = p.max_length
            if p.enum:
                schema["enum"] = list(p.enum)
            op["parameters"].append({"name": p.name, "in": "query", "required": False, "schema": schema,
                                     "description": p.description})
        if ep.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": _component(schemas, ep.body)}}}
        if ep.is_webhook:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
            op["x-webhook-principal"] = ep.principal
            op["description"] = "Signed by its sender: the handler verifies the signature over the exact body."
        if ep.response is not None:
            op["responses"][str(ep.status)]["content"] = {"application/json": {
                "schema": _component(schemas, ep.response)}}
        error_codes = ["400", "429"] if ep.public else ["400", "401", "403", "404", "409", "422", "429"]
        for code in error_codes:
            op["responses"][code] = {"description": "error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
        if not ep.public:
            op["security"] = [{"bearer": []}]
            op["x-roles"] = sorted(r.value for r in ep.roles)
        paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "UnionCore API", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
