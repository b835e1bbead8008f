"""The one sign-in helper every suite uses (e2e, browser API calls, runtime fixture, bench).

Staff roles answer the TOTP step (modules.md §1.2) with the code a real authenticator would show for the
demo user's secret (`totp_secret` in demo-logins.json). moto accepts any 6-digit code, so locally this
proves the flow and the enforcement, not the code check itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.identity.totp import totp

# post_json(path under /api, body) -> (status code, JSON body)
PostJson = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]


def sign_in(post_json: PostJson, email: str, password: str, totp_secret: str | None = None) -> dict[str, Any]:
    """Password, then the authenticator code when asked; returns the token body."""
    status, body = post_json("/auth/login", {"email": email, "password": password})
    assert status == 200, body
    if body.get("challenge") == "SOFTWARE_TOKEN_MFA":
        assert totp_secret, f"{email} must answer a TOTP challenge but no secret is known"
        status, body = post_json("/auth/mfa", {"email": email, "session": body["session"],
                                               "code": totp(totp_secret)})
        assert status == 200, body
    assert "access_token" in body, body
    return body


def requests_poster(session: Any, api: str) -> PostJson:
    def post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        r = session.post(f"{api}{path}", json=body, timeout=30)
        return r.status_code, r.json()

    return post
