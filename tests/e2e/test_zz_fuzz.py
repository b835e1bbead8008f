"""No malformed input may produce a 5xx: schemathesis fuzzes every operation of /openapi.json
against the running system (valid and invalid data). Runs last in the e2e session: it writes junk."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings


@pytest.fixture(scope="session")
def api_schema(live_runtime: SimpleNamespace):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(f"{live_runtime.api}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.exclude(path="/auth/logout").parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_produces_a_server_error(case, live_runtime, token_for) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    response = case.call(base_url=live_runtime.api, headers=headers, timeout=30)
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body["error"]) >= {"code", "message", "fields"}
