"""Sign-in second step for staff and member self-registration, through the web app."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import boto3
import requests
from playwright.sync_api import Page, expect

from chalicelib.identity.totp import totp

PASSWORD = "Browser-Signup-2026!"


def _admin(live_runtime: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {live_runtime.login(*live_runtime.logins['admin'])['access_token']}"}


def test_member_creates_their_account_with_the_emailed_code_and_signs_in(page: Page, base_url: str,
                                                                          live_runtime: Any) -> None:
    """
    GIVEN a member of the local without a portal account
    WHEN they choose "Create my member account", enter card number, last name, date of birth, e-mail and
         password, then the code from the e-mail
    THEN the page says the account is ready, and they sign in without a second step and see their profile.
    """
    auth = _admin(live_runtime)
    found = requests.get(f"{live_runtime.api}/members", params={"q": "GARCIA", "limit": 5}, headers=auth,
                         timeout=30).json()["items"]
    record = requests.get(f"{live_runtime.api}/members/{found[-1]['id']}", headers=auth, timeout=30).json()
    email = f"browser-{uuid.uuid4().hex[:8]}@example.org"

    page.goto(f"{base_url}/#/login")
    page.get_by_role("button", name="Create my member account").click()
    page.get_by_label("Card number").fill(record["member_number"])
    page.get_by_label("Last name").fill(record["last_name"].title())
    page.get_by_label("Date of birth").fill(record["date_of_birth"])
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Send my code").click()

    expect(page.get_by_test_id("signup-confirm-form")).to_be_visible()
    expect(page.get_by_test_id("login-info")).to_contain_text("we sent a 6-digit code")
    outbox = (live_runtime.data_dir / "outbox.jsonl").read_text().splitlines()
    text = next(m["text"] for m in map(json.loads, reversed(outbox)) if m["to"] == email)
    code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
    page.get_by_label("Verification code").fill(code)
    page.get_by_role("button", name="Confirm and create my account").click()

    expect(page.get_by_test_id("login-info")).to_have_text("Your member account is ready. Sign in with your email "
                                                           "and password.")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("logout-button")).to_be_attached()
    expect(page.get_by_test_id("mfa-form")).to_have_count(0)


def test_new_staff_user_sets_up_an_authenticator_at_first_sign_in(page: Page, base_url: str,
                                                                 live_runtime: Any) -> None:
    """
    GIVEN a newly invited dispatcher without an authenticator
    WHEN they sign in with their password
    THEN the app shows the set-up step with the key (text and QR code) and an otpauth:// link, no tokens are
         stored yet,
     AND entering the authenticator's code signs them in.
    """
    email = f"disp-{uuid.uuid4().hex[:8]}@example.org"
    r = requests.post(f"{live_runtime.api}/users", json={"email": email, "roles": ["dispatcher"]},
                      headers=_admin(live_runtime), timeout=30)
    assert r.status_code == 201, r.text
    env = live_runtime.runtime.env
    boto3.client("cognito-idp", region_name=env["AWS_REGION"], endpoint_url=env["AWS_ENDPOINT_URL"]) \
        .admin_set_user_password(UserPoolId=env["USER_POOL_ID"], Username=email, Password=PASSWORD, Permanent=True)

    page.goto(f"{base_url}/#/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("mfa-setup")).to_be_visible()
    secret = page.get_by_test_id("mfa-secret").inner_text().strip()
    assert secret and page.get_by_test_id("mfa-uri").get_attribute("href").startswith("otpauth://totp/")  # type: ignore[union-attr]
    expect(page.get_by_test_id("mfa-qr")).to_have_attribute("src", re.compile(r"^data:image/gif;base64,"))
    assert page.evaluate("sessionStorage.getItem('unioncore.auth')") is None
    page.get_by_label("Authentication code").fill("12")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#mfa-code-error")).to_be_visible()
    page.get_by_label("Authentication code").fill(totp(secret))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("logout-button")).to_be_attached()
