"""Session fixture: the real local runtime (`make run`'s code) with the full demo data, seeded from the
project's own generated exports (scale 1 unless UNIONCORE_DEMO_SCALE says otherwise)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from infrastructure.local_runtime.run import free_port


@pytest.fixture(scope="session")
def live_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    from infrastructure.local_runtime.run import Runtime

    data_dir = tmp_path_factory.mktemp("runtime-data")
    rt = Runtime(free_port(), data_dir, quiet=True,
                 extra_env={"LOGIN_RATE_PER_MINUTE": "100000", "RESET_RATE_PER_MINUTE": "100000",
                            "ADDRESS_RATE_PER_MINUTE": "100000",
                            # low enough for the rate-limit test to reach, high enough for the other tests
                            "SIGNUP_RATE_PER_MINUTE": "15"})
    rt.start()
    try:
        import requests

        from signin import requests_poster, sign_in

        logins = {role: (v["email"], v["password"]) for role, v in rt.logins.items()}
        # e-mail -> TOTP secret of the demo users enrolled in MFA (staff roles)
        totp_secrets = {v["email"]: v["totp_secret"] for v in rt.logins.values() if v.get("totp_secret")}
        member = rt.logins["member"]
        session = requests.Session()
        post = requests_poster(session, f"{rt.base_url}/api")

        def login(email: str, password: str) -> dict[str, Any]:
            return sign_in(post, email, password, totp_secrets.get(email))

        token = login(*logins["admin"])["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        record = session.get(f"{rt.base_url}/api/members/{member['member_id']}", headers=headers, timeout=30).json()
        others = session.get(f"{rt.base_url}/api/members", params={"q": "WEBB", "limit": 5}, headers=headers,
                             timeout=30).json()["items"]
        other = next(m for m in others if m["id"] != member["member_id"])
        yield SimpleNamespace(base_url=rt.base_url, api=f"{rt.base_url}/api", logins=logins,
                              member_login=logins["member"], member_record=record,
                              other_member_number=other["member_number"], other_member_id=other["id"],
                              runtime=rt, data_dir=data_dir, totp_secrets=totp_secrets, login=login)
    finally:
        rt.stop()
