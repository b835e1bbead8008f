"""Powertools Logger, Metrics and Tracer. Logs carry ids, routes and timings, never personal data.

The Tracer is built on first use and only where tracing is on: importing the X-Ray SDK costs
~400 ms of cold start, paid only by functions deployed with active tracing.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="unioncore")
metrics = Metrics(namespace="UnionCore", service="unioncore")


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() not in ("1", "true")


@functools.cache
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer(service="unioncore")


def annotate(route: str, status: int) -> None:
    """Route and status on the X-Ray segment, when tracing is on."""
    if tracing_enabled():
        t = tracer()
        t.put_annotation(key="route", value=route)
        t.put_annotation(key="status", value=status)
