"""The referral rule set (S9, Appendix A): its versions, a change, and the preview of a change before it takes
effect. Officers and admins change it; dispatchers read it (modules §17)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.api import Req
from chalicelib.core.roles import DISPATCHERS, OFFICERS
from chalicelib.referral.registration_schemas import SettingsChangeBody, SettingsPreviewBody
from chalicelib.referral.routes import api
from chalicelib.referral.service import settings


def _change(b: SettingsChangeBody) -> settings.Change:
    return settings.Change(b.effective_from, b.reason, b.local, b.books, b.packs)


@api.route(
    "/settings",
    "GET",
    roles=DISPATCHERS,
    summary="The rule set in force (with every book's settings), the scheduled versions and the earlier ones",
)
def settings_view(req: Req) -> dict[str, Any]:
    return settings.view(req.auth)


@api.route(
    "/settings",
    "PUT",
    roles=OFFICERS,
    body=SettingsChangeBody,
    summary="A new rule-set version from an effective instant (S9; future-dated allowed; audited)",
)
def settings_change(req: Req) -> dict[str, Any]:
    return settings.change(req.auth, _change(req.body))


@api.route(
    "/settings/preview",
    "POST",
    roles=OFFICERS,
    body=SettingsPreviewBody,
    summary="A proposed change beside the settings in force: a book's queue and each member's treatment, the "
    "last 30 days' what-if; nothing is written",
)
def settings_preview(req: Req) -> dict[str, Any]:
    return settings.preview(req.auth, _change(req.body), req.body.book_code)
