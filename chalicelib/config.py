"""Environment configuration: one pydantic model, validated once, read lazily."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    stage: str = Field(default="local", alias="UNIONCORE_STAGE")
    table_name: str = Field(alias="TABLE_NAME")
    aws_region: str = Field(default="us-west-2", alias="AWS_REGION")
    # Only set locally (moto) – on AWS the SDK's default endpoints are used.
    aws_endpoint_url: str | None = Field(default=None, alias="AWS_ENDPOINT_URL")
    user_pool_id: str = Field(alias="USER_POOL_ID")
    user_pool_client_id: str = Field(alias="USER_POOL_CLIENT_ID")
    # Override for the JWKS document (moto serves it from its own endpoint).
    jwks_url: str | None = Field(default=None, alias="JWKS_URL")
    token_issuer: str | None = Field(default=None, alias="TOKEN_ISSUER")
    uploads_bucket: str = Field(default="", alias="UPLOADS_BUCKET")
    reports_bucket: str = Field(default="", alias="REPORTS_BUCKET")
    import_state_machine_arn: str = Field(default="", alias="IMPORT_STATE_MACHINE_ARN")
    local_time_zone: str = Field(default="America/Los_Angeles", alias="LOCAL_TIME_ZONE")
    # The nightly audit seal + verification runs in this hour of the local time zone (docs/audit.md).
    audit_seal_local_hour: int = Field(default=2, ge=0, le=23, alias="AUDIT_SEAL_LOCAL_HOUR")
    allowed_origins: str = Field(default="", alias="ALLOWED_ORIGINS")
    # Per-client limits per minute (modules.md §1.3); raised only by the test runtime, where every
    # client is 127.0.0.1.
    login_rate_per_minute: int = Field(default=10, ge=1, alias="LOGIN_RATE_PER_MINUTE")
    reset_rate_per_minute: int = Field(default=3, ge=1, alias="RESET_RATE_PER_MINUTE")

    @field_validator("local_time_zone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone: refuse to start
        return value

    @property
    def issuer(self) -> str:
        if self.token_issuer:
            return self.token_issuer
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks(self) -> str:
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.local_time_zone)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]


def reset_settings() -> None:
    """Tests and the local runtime re-read the environment after provisioning."""
    get_settings.cache_clear()
