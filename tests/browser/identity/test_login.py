"""Sign-in page behaviour: wrong password, labelled inputs, phone viewport."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

PHONE = {"width": 390, "height": 844}  # same as the phone_page fixture


def test_wrong_password_shows_clear_message(page: Page, base_url: str, live_runtime: Any) -> None:
    """
    GIVEN an existing staff account
    WHEN someone signs in with the right email and a wrong password
    THEN the page shows "Incorrect email or password." in an alert
     AND stays on the sign-in form with the password cleared
     AND no tokens are stored.
    """
    email, _ = live_runtime.logins["staff"]
    page.goto(f"{base_url}/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("definitely-not-the-password-1!")
    page.get_by_role("button", name="Sign in").click()

    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Incorrect email or password.")
    expect(error).to_have_attribute("role", "alert")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_value("")
    assert page.evaluate("sessionStorage.getItem('unioncore.auth')") is None
    assert page.context.cookies() == []


def test_login_page_is_labelled_and_usable_on_a_phone(phone_page: Page, base_url: str, live_runtime: Any) -> None:
    """
    GIVEN a phone-sized screen (390x844)
    WHEN the sign-in page loads
    THEN every form control has a programmatic label
     AND nothing overflows horizontally, the button is a comfortable touch target
     AND a member can sign in with the keyboard alone (Tab / Enter)
         and lands on their profile with visible focus styling on inputs.
    """
    page = phone_page
    page.goto(f"{base_url}/")
    expect(page.get_by_test_id("login-form")).to_be_visible()

    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
              .filter(el => !(el.labels && el.labels.length))
              .filter(el => !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
              .map(el => el.outerHTML)"""
    )
    assert unlabelled == []
    email_input = page.get_by_label("Email")
    password_input = page.get_by_label("Password")
    expect(email_input).to_have_attribute("type", "email")
    expect(email_input).to_have_attribute("autocomplete", "username")
    expect(password_input).to_have_attribute("type", "password")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for locator in (email_input, password_input, page.get_by_role("button", name="Sign in")):
        box = locator.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["height"] >= 44, f"touch target too small: {box}"
    font_size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('login-email')).fontSize)")
    assert font_size >= 16  # no zoom-on-focus on iOS

    email, password = live_runtime.member_login
    email_input.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(password_input).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")

    expect(page.get_by_test_id("profile-name")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
