"""API Gateway's own answers, as the deployed API gives them.

On AWS, API Gateway answers some requests itself, without calling the Lambda: no `Authorization` header
(UNAUTHORIZED), a token the authorizer refuses (ACCESS_DENIED), a path or method no route has
(MISSING_AUTHENTICATION_TOKEN), a failing authorizer (AUTHORIZER_FAILURE, 500). What those answers look
like is configured in `infrastructure/resources.yaml` (`RestAPI` → `GatewayResponses`). The local server
(`api_server.py`) answers the same situations from the same configuration, so the tests and the local web
app see what users of the deployed API see - including API Gateway's bare defaults (`{"message": ...}`,
403 for a refused token, no CORS headers) for a response type the template does not configure.

Only what the template uses is reproduced: static header values (`'...'`), the site origin as
Access-Control-Allow-Origin (locally ALLOWED_ORIGINS; none when the site and API share an origin, as the
API's own CORS), and the `$context.error.*` variables below in the body templates. Anything else is a
`TemplateError` at start-up rather than a silent difference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infrastructure.provision import TEMPLATE_PATH, TemplateError, load_template

# The response types the local gateway produces, with API Gateway's default status code and message.
DEFAULTS: dict[str, tuple[int, str | None]] = {
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "AUTHORIZER_FAILURE": (500, None),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None),
}

# Every response type API Gateway (REST) has; a template naming another one is a mistake.
RESPONSE_TYPES = frozenset({
    "ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE",
    "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "THROTTLED",
    "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
})

_VARIABLE = re.compile(r"\$(?:!?\{[^}]*\}|[A-Za-z][\w.]*[\w])")
SUPPORTED_VARIABLES = frozenset({"$context.error.responseType", "$context.error.message",
                                 "$context.error.messageString"})
_API_GATEWAY_DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


@dataclass(frozen=True)
class GatewayAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


def template_gateway_responses(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """The `GatewayResponses` the template merges into chalice's `RestAPI` ({} when there are none)."""
    resources = load_template(path)["Resources"]
    api = resources.get("RestAPI") or {}
    responses = (api.get("Properties") or {}).get("GatewayResponses") or {}
    if not isinstance(responses, dict):
        raise TemplateError("RestAPI.Properties.GatewayResponses must be a mapping")
    return responses


class GatewayResponses:
    """Renders API Gateway's answer for a response type from the configured gateway responses."""

    def __init__(self, responses: Mapping[str, Any], allowed_origin: str = "") -> None:
        self.allowed_origin = allowed_origin
        self.responses: dict[str, dict[str, Any]] = {}
        for response_type, spec in responses.items():
            self.responses[response_type] = self._check(response_type, spec)

    @classmethod
    def from_template(cls, path: Path | str = TEMPLATE_PATH, allowed_origin: str = "") -> GatewayResponses:
        return cls(template_gateway_responses(path), allowed_origin)

    @staticmethod
    def _check(response_type: str, spec: Any) -> dict[str, Any]:
        where = f"GatewayResponses.{response_type}"
        if response_type not in RESPONSE_TYPES:
            raise TemplateError(f"{where}: unknown response type")
        if not isinstance(spec, dict) or set(spec) - {"StatusCode", "ResponseParameters", "ResponseTemplates"}:
            raise TemplateError(f"{where}: only StatusCode, ResponseParameters and ResponseTemplates")
        status = spec.get("StatusCode")
        if status is not None and not re.fullmatch(r"[1-5]\d\d", str(status)):
            raise TemplateError(f"{where}.StatusCode: not an HTTP status code")
        parameters = spec.get("ResponseParameters") or {}
        if set(parameters) - {"Headers"}:
            raise TemplateError(f"{where}.ResponseParameters: only Headers are reproduced locally")
        for name, value in (parameters.get("Headers") or {}).items():
            literal = isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'"
            if not literal and name != "Access-Control-Allow-Origin":
                raise TemplateError(f"{where}: header {name} must be a static value in single quotes")
        for content_type, body in (spec.get("ResponseTemplates") or {}).items():
            unknown = set(_VARIABLE.findall(str(body))) - SUPPORTED_VARIABLES
            if unknown:
                raise TemplateError(f"{where}.ResponseTemplates[{content_type}]: {sorted(unknown)} are not "
                                    "reproduced by the local gateway")
        return spec

    def answer(self, response_type: str, message: str | None = None) -> GatewayAnswer:
        default_status, default_message = DEFAULTS[response_type]
        text = default_message if message is None else message
        spec = self.responses.get(response_type) or self.responses.get(
            "DEFAULT_5XX" if default_status >= 500 else "DEFAULT_4XX")
        if spec is None:  # API Gateway's own default: its status, {"message": ...}, no CORS headers
            return GatewayAnswer(default_status, {"Content-Type": "application/json"},
                                 _render(_API_GATEWAY_DEFAULT_TEMPLATE, response_type, text))
        status = int(spec.get("StatusCode") or default_status)
        headers = {"Content-Type": "application/json"}
        for name, value in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items():
            if name.lower().startswith("access-control-") and not self.allowed_origin:
                continue  # one origin locally: no CORS at all, as the API's own responses
            headers[name] = self.allowed_origin if name == "Access-Control-Allow-Origin" else value[1:-1]
        templates = spec.get("ResponseTemplates") or {}
        template = templates.get("application/json", _API_GATEWAY_DEFAULT_TEMPLATE)
        return GatewayAnswer(status, headers, _render(template, response_type, text))


def _render(template: str, response_type: str, message: str | None) -> bytes:
    values = {
        "$context.error.responseType": response_type,
        "$context.error.message": message or "",
        "$context.error.messageString": json.dumps(message),
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(0), m.group(0)), template).encode()
