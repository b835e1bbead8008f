"""Request and response bodies of the member routes."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from chalicelib.core.api import PAGING, QueryParam
from chalicelib.core.model import DomainModel
from chalicelib.members.domain import CardType, Classification, MemberStatus, StatusAction

MEMBER_FILTERS = (
    QueryParam("q", description="7-digit card number, e-mail, or last-name prefix ('LAST, FIRST')"),
    QueryParam("status", enum=tuple(s.value for s in MemberStatus)),
    QueryParam("classification", enum=tuple(c.value for c in Classification)),
    QueryParam("card_type", enum=tuple(c.value for c in CardType)),
    QueryParam("include_deleted", "boolean"),
    *PAGING,
)


class StatusBody(DomainModel):
    model_config = ConfigDict(extra="forbid")
    action: StatusAction
    reason: str = Field(min_length=1, max_length=500)
    version: int = Field(ge=1)
