"""Request and response bodies of the referral routes."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from chalicelib.core.model import DomainModel
from chalicelib.core.schemas import ItemsOf
from chalicelib.referral.domain import Book, Qualification

BookList = ItemsOf[Book]
QualificationList = ItemsOf[Qualification]


class QualificationBody(DomainModel):
    """Record (no `version`) or change (the version you saw) a member's qualified tier on a book."""

    model_config = ConfigDict(extra="forbid")
    tier: int = Field(ge=1, le=4, description="1 is the highest priority")
    qualified_on: date
    active: bool = True
    reason: str = Field(min_length=1, max_length=500, description="why the member qualifies (audited)")
    version: int | None = Field(default=None, ge=1)
