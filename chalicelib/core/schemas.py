"""Response shapes every module shares."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import ConfigDict, Field

from chalicelib.core.model import DomainModel

T = TypeVar("T")


class PageOf(DomainModel, Generic[T]):
    """A page of a list: `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None = None


class ItemsOf(DomainModel, Generic[T]):
    """A whole (short) list, e.g. a member's notes."""

    items: list[T]


class StatusMessage(DomainModel):
    status: str


class DeleteBody(DomainModel):
    """A soft delete: why, and the version the caller saw."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    version: int = Field(ge=1)


class VersionBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
