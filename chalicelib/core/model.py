"""The base of every request, response and domain model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DomainModel(BaseModel):
    # A Lambda container serves a few routes; building every model's validator at import cost a
    # cold start ~100 ms. Deferred, each is built on its first use (JSON schema included).
    model_config = ConfigDict(defer_build=True)


# Record ids are ULIDs or Cognito subs: anything else never reaches a key (DynamoDB caps key sizes).
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
