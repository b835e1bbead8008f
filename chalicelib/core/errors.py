"""One error contract for the whole API: {"error": {"code", "message", "fields": [...]}}."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    name: str
    problem: str


@dataclass
class AppError(Exception):
    status: int
    code: str
    message: str
    fields: list[FieldProblem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "fields": [{"name": f.name, "problem": f.problem} for f in self.fields],
        }
        error.update(self.extra)
        return {"error": error}


def bad_request(message: str, *fields: FieldProblem, code: str = "VALIDATION_ERROR") -> AppError:
    return AppError(400, code, message, list(fields))


def unprocessable(code: str, message: str, *fields: FieldProblem) -> AppError:
    return AppError(422, code, message, list(fields))


def unauthorized(message: str = "Authentication required.", code: str = "UNAUTHORIZED") -> AppError:
    return AppError(401, code, message)


def forbidden(message: str = "You are not allowed to do this.") -> AppError:
    return AppError(403, "FORBIDDEN", message)


def not_found(entity: str) -> AppError:
    return AppError(404, "NOT_FOUND", f"{entity} not found.")


def conflict(code: str, message: str, *fields: FieldProblem, **extra: Any) -> AppError:
    return AppError(409, code, message, list(fields), extra)


def too_many(message: str, retry_after_s: int, code: str = "RATE_LIMITED") -> AppError:
    return AppError(429, code, message, headers={"Retry-After": str(max(1, retry_after_s))})


def unavailable(message: str, retry_after_s: int, code: str = "SERVICE_UNAVAILABLE") -> AppError:
    """503: a service we depend on is out of reach; the same request may succeed shortly."""
    return AppError(503, code, message, headers={"Retry-After": str(max(1, retry_after_s))})


class DuplicateKey(Exception):
    """A uniqueness rule (enforced by a conditional write) refused the change."""

    def __init__(self, field_name: str) -> None:
        super().__init__(field_name)
        self.field_name = field_name


class StaleVersion(Exception):
    """An optimistic-lock condition failed: someone else changed the record first."""
