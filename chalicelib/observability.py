"""Powertools Logger/Tracer/Metrics, configured once. Logs carry ids, never personal data."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="unioncore")
tracer = Tracer(service="unioncore")
metrics = Metrics(namespace="UnionCore", service="unioncore")
