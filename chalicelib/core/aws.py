"""boto3 clients for the integrations, built on first use.

Importing boto3 costs a cold start ~100 ms, and most routes never call Cognito or SES (the store
has its own botocore client), so boto3 is imported when the first client is made.
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.core.settings import get_settings


@functools.lru_cache(maxsize=8)
def interactive_client(service: str) -> Any:
    """A client for calls a person is waiting on: fail fast rather than retry for seconds."""
    import boto3
    from botocore.config import Config

    s = get_settings()
    config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=10)
    make: Any = boto3.client  # typed per literal service name; ours is a parameter
    return make(service, region_name=s.aws_region, endpoint_url=s.aws_endpoint_url, config=config)


@functools.lru_cache(maxsize=1)
def s3_client() -> Any:
    """S3 for job results and presigned links: SigV4 (presigned GETs need it), path-style addressing for
    an emulator endpoint (moto at 127.0.0.1 has no per-bucket host names), and patient retries, since a
    background job, not a person, waits on it."""
    import boto3
    from botocore.config import Config

    s = get_settings()
    config = Config(signature_version="s3v4", s3={"addressing_style": "path" if s.aws_endpoint_url else "auto"},
                    retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=60)
    make: Any = boto3.client
    return make("s3", region_name=s.aws_region, endpoint_url=s.aws_endpoint_url, config=config)
