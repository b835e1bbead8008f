"""Environment configuration: one pydantic model, validated once, read lazily."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    """Read from the environment by `from_env` (names as in `alias`, any case).

    A plain pydantic model rather than pydantic-settings: the environment is the only source, and
    pydantic-settings (with the asyncio and dotenv modules it loads) cost a cold start ~40 ms.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

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
    # The write-once archive of the audit trail (S3 Object Lock, docs/audit.md "Archive").
    audit_archive_bucket: str = Field(default="", alias="AUDIT_ARCHIVE_BUCKET")
    # The Lambda function that runs background jobs (core/jobs.py). Set on AWS (the API's environment);
    # unset, jobs run in a background thread of the process that started them (the local runtime).
    jobs_worker_function: str = Field(default="", alias="JOBS_WORKER_FUNCTION")
    local_time_zone: str = Field(default="America/Los_Angeles", alias="LOCAL_TIME_ZONE")
    # The nightly audit seal + verification runs in this hour of the local time zone (docs/audit.md).
    audit_seal_local_hour: int = Field(default=2, ge=0, le=23, alias="AUDIT_SEAL_LOCAL_HOUR")
    allowed_origins: str = Field(default="", alias="ALLOWED_ORIGINS")
    # Per-client limits per minute (modules.md §1.3); raised only by the test runtime, where every
    # client is 127.0.0.1.
    login_rate_per_minute: int = Field(default=10, ge=1, alias="LOGIN_RATE_PER_MINUTE")
    reset_rate_per_minute: int = Field(default=3, ge=1, alias="RESET_RATE_PER_MINUTE")
    # How long the authorizer may reuse a user record (store/recent_users.py); 0 = never.
    user_cache_seconds: float = Field(default=5, ge=0, le=60, alias="USER_CACHE_SECONDS")
    signup_rate_per_minute: int = Field(default=5, ge=1, alias="SIGNUP_RATE_PER_MINUTE")
    # Roles that must sign in with a second factor (TOTP), modules.md §1.2. Comma-separated.
    mfa_required_roles_raw: str = Field(default="admin,officer,dispatcher,staff", alias="MFA_REQUIRED_ROLES")
    sender_email: str = Field(default="", alias="SENDER_EMAIL")
    # Local runtime only: every e-mail the app sends is also appended to <dir>/outbox.jsonl so the demo
    # and the tests can read verification codes (moto's SES keeps sent mail in its own process).
    local_outbox_dir: str | None = Field(default=None, alias="LOCAL_OUTBOX_DIR")

    @field_validator("mfa_required_roles_raw")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        from chalicelib.core.roles import ALL_ROLES

        names = {r.value for r in ALL_ROLES}
        unknown = [r for r in cls._split(value) if r not in names]
        if unknown:
            raise ValueError(f"unknown roles in MFA_REQUIRED_ROLES: {unknown}")
        return value

    @staticmethod
    def _split(value: str) -> list[str]:
        return [r.strip() for r in value.split(",") if r.strip()]

    @property
    def mfa_required_roles(self) -> frozenset[str]:
        return frozenset(self._split(self.mfa_required_roles_raw))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls.model_validate({name.upper(): value for name, value in env.items()})

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
    return Settings.from_env()


def reset_settings() -> None:
    """Tests and the local runtime re-read the environment after provisioning."""
    get_settings.cache_clear()
