"""The demo data and its shared password stay out of deployed stages (UNIONCORE_STAGE other than local/test)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.store.memory import MemoryStore


# -- demo data only in local and test stages (item 4) ---------------------------------------------------------

@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_given_a_deployed_stage_when_seeding_demo_data_then_it_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str], stage: str) -> None:
    from chalicelib import cli
    from chalicelib.demo.seed import DemoDataRefused, seed_demo, seed_demo_users

    monkeypatch.setenv("UNIONCORE_STAGE", stage)
    with pytest.raises(DemoDataRefused):
        seed_demo(MemoryStore(), tmp_path)
    with pytest.raises(DemoDataRefused):
        seed_demo_users(MemoryStore())
    assert cli.main(["seed", "--scale", "0.01"]) == 2
    assert "DEMO_DATA_REFUSED" in capsys.readouterr().err
