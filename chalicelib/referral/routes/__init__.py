"""Referral routes, one file per area, all on the module's one Blueprint (app.py registers it once)."""

from __future__ import annotations

from chalicelib.core.api import Api

api = Api(__name__)

from chalicelib.referral.routes import (  # noqa: E402,F401  (they declare their routes on `api`)
    board,
    catalogue,
    dispatches,
    labor_requests,
    registrations,
    rounds,
    settings,
)
