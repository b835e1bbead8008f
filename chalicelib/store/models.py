"""PynamoDB models for the single table. Key layout: docs/data-model.md.

Every model shares PK/SK and the three overloaded GSIs; each entity type uses the slice it needs.
Dates are ISO strings (sortable), money and APNs are exact Decimals (never floats).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.constants import NUMBER
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model


class DecimalAttribute(Attribute[Decimal]):
    """DynamoDB number <-> Decimal, exactly (PynamoDB's NumberAttribute goes through float)."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        if not isinstance(value, Decimal):
            raise TypeError("DecimalAttribute takes Decimal values only")
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class _Gsi1(GlobalSecondaryIndex["BaseItem"]):
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class _Gsi2(GlobalSecondaryIndex["BaseItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class _Gsi3(GlobalSecondaryIndex["BaseItem"]):
    class Meta:
        index_name = "GSI3"
        projection = AllProjection()

    GSI3PK = UnicodeAttribute(hash_key=True)
    GSI3SK = UnicodeAttribute(range_key=True)


class BaseItem(Model):
    class Meta:
        table_name = "unioncore-local"
        region = "us-west-2"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)
    entity = UnicodeAttribute()

    gsi1 = _Gsi1()
    gsi2 = _Gsi2()
    gsi3 = _Gsi3()


class UniqueKey(BaseItem):
    """Marker item that makes a business key unique through a conditional put (never check-then-insert)."""

    owner_id = UnicodeAttribute()


class Counter(BaseItem):
    """Fixed-window counters and lockouts, shared by every Lambda (not process memory)."""

    # Named `hits` in Python: `count` would shadow PynamoDB's Model.count() query helper.
    hits = NumberAttribute(default=0, attr_name="count")
    locked_until = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class MemberItem(BaseItem):
    id = UnicodeAttribute()
    member_number = UnicodeAttribute()
    local_number = UnicodeAttribute()
    first_name = UnicodeAttribute()
    middle_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute()
    suffix = UnicodeAttribute(null=True)
    date_of_birth = UnicodeAttribute()
    address_line1 = UnicodeAttribute(null=True)
    address_line2 = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    zip = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    card_type = UnicodeAttribute()
    classification = UnicodeAttribute()
    trade_classification = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    initiation_date = UnicodeAttribute(null=True)
    gender = UnicodeAttribute(null=True)
    ethnicity = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)
    deleted_by = UnicodeAttribute(null=True)
    delete_reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class OrganizationItem(BaseItem):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    legal_name = UnicodeAttribute(null=True)
    org_type = UnicodeAttribute(default="employer")
    code = UnicodeAttribute(null=True)
    address_line1 = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    zip = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    website = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="active")
    contract_codes = ListAttribute(of=UnicodeAttribute, default=list)
    deleted_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class ChildItem(BaseItem):
    """Contracts, contacts, worksites, employment records and notes: small records under a parent.

    Their fields vary by kind and are validated by the domain models, so they are stored as one map.
    """

    id = UnicodeAttribute()
    parent_id = UnicodeAttribute()
    data = MapAttribute[str, Any](default=dict)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class AuditItem(BaseItem):
    """Append-only. Nothing in the code base updates or deletes these; IAM denies it too."""

    id = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    action = UnicodeAttribute()
    entity_type = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_email = UnicodeAttribute(null=True)
    actor_roles = ListAttribute(of=UnicodeAttribute, default=list)
    changed_fields = ListAttribute(of=UnicodeAttribute, default=list)
    old_values = MapAttribute[str, Any](default=dict)
    new_values = MapAttribute[str, Any](default=dict)
    request_id = UnicodeAttribute(null=True)
    source_ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(default="api")
    extra = MapAttribute[str, Any](default=dict)


class AuditSealItem(BaseItem):
    """One UTC day's seal (PK SEAL#AUDIT, SK DAY#<date>); its entry list is in AuditSealPart items."""

    day = UnicodeAttribute()
    prev = UnicodeAttribute()
    hash = UnicodeAttribute()
    entry_count = NumberAttribute()
    parts = NumberAttribute()
    manifest = UnicodeAttribute()  # the hash at sealing time: names the part items
    sealed_at = UnicodeAttribute()
    seal_version = NumberAttribute()


class AuditSealPart(BaseItem):
    """Up to PART_ROWS "<entry id> <digest> <occurred at>" lines of a seal, in seal order."""

    rows = UnicodeAttribute()


class UserItem(BaseItem):
    id = UnicodeAttribute()  # Cognito sub
    email = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    roles = ListAttribute(of=UnicodeAttribute, default=list)
    member_id = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    # Tokens issued before this instant are refused (logout everywhere, password change, disable).
    tokens_valid_after = NumberAttribute(default=0)
    mfa_enabled = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class TicketItem(BaseItem):
    """Single-use, short-lived: PK `TICKET#<purpose>#<id>`, SK `TICKET`; removed by TTL (`expires_at`)."""

    data = UnicodeAttribute()  # JSON
    expires_at = NumberAttribute()


ALL_MODELS: tuple[type[BaseItem], ...] = (
    BaseItem,
    UniqueKey,
    Counter,
    TicketItem,
    MemberItem,
    OrganizationItem,
    ChildItem,
    AuditItem,
    AuditSealItem,
    AuditSealPart,
    UserItem,
)


def bind_models(table_name: str, region: str, host: str | None) -> None:
    """Point every model at the configured table/endpoint (moto locally, AWS otherwise)."""
    for model in ALL_MODELS:
        model.Meta.table_name = table_name
        model.Meta.region = region
        model.Meta.host = host  # type: ignore[attr-defined]
        model._connection = None
