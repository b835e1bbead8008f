"""A clone of the repository, alone, runs the product: the local runtime makes its own demo data.

This tests COMMITTED code: it clones the repository's current HEAD commit (uncommitted changes are not in the
clone) into a temporary folder that holds nothing else — no `shared/` beside it — and starts the local runtime
(`make run`'s code) there with the shared virtualenv's Python, a free port, a temporary data folder and a small
demo scale. The runtime generates the LaborPower exports itself (chalicelib/imports/demo_exports.py), seeds
from them, and serves the API.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from infrastructure.local_runtime.run import free_port
from signin import requests_poster, sign_in

ROOT = Path(__file__).resolve().parents[3]
DEMO_SCALE = "0.02"  # the registered members (~1,740) and 843 employers are seeded at any scale
START_TIMEOUT_S = 600

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_a_clone_alone_generates_its_demo_data_seeds_and_serves(tmp_path: Path) -> None:
    """
    GIVEN a clone of the committed HEAD in a folder with nothing beside it (no shared fixtures folder)
    WHEN the local runtime starts there with a small demo scale and an empty data folder
    THEN it generates the demo exports into <data-dir>/demo-exports, seeds, and is ready;
     AND a demo staff user signs in (password, then the authenticator code) and reads a member that is in the
         generated members.csv.
    """
    alone = tmp_path / "alone"
    repo = alone / "repo"
    alone.mkdir()
    head = _git(ROOT, "rev-parse", "HEAD")
    _git(tmp_path, "clone", "--quiet", "--no-checkout", str(ROOT), str(repo))
    _git(repo, "checkout", "--quiet", "--detach", head)
    assert [p.name for p in alone.iterdir()] == ["repo"]  # nothing beside the clone
    assert not (alone / "shared").exists()

    data_dir = tmp_path / "data"
    port = free_port()
    # A clean environment: nothing of this test session's runtime (endpoints, table names) leaks in.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", str(tmp_path)),
           "LANG": "C.UTF-8", "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "infrastructure.local_runtime.run", "--port", str(port),
                             "--data-dir", str(data_dir), "--demo-scale", DEMO_SCALE],
                            cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    output: list[str] = []
    assert proc.stdout is not None
    stream = proc.stdout
    reader = threading.Thread(target=lambda: output.extend(stream), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, "the runtime exited:\n" + "".join(output)
            assert time.monotonic() < deadline, "the runtime was not ready in time:\n" + "".join(output)
            try:
                if requests.get(f"{base}/api/health/ready", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(1)
        log = "".join(output)
        exports = data_dir / "demo-exports"
        assert f"seeding demo data from {exports}" in log, log
        manifest = json.loads((exports / "MANIFEST.json").read_text())
        assert manifest["generator"]["scale"] == float(DEMO_SCALE)

        logins = json.loads((data_dir / "demo-logins.json").read_text())
        login = logins["dispatcher"]
        session = requests.Session()
        tokens = sign_in(requests_poster(session, f"{base}/api"), login["email"], login["password"],
                         login.get("totp_secret"))
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        page = session.get(f"{base}/api/members", params={"limit": 1}, headers=auth, timeout=30)
        assert page.status_code == 200, page.text
        summary = page.json()["items"][0]
        member = session.get(f"{base}/api/members/{summary['id']}", headers=auth, timeout=30)
        assert member.status_code == 200, member.text
        with (exports / "members.csv").open(newline="", encoding="utf-8") as fh:
            cards = {r["card_number"] for r in csv.DictReader(fh)}
        assert member.json()["member_number"] in cards
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # saves its data and stops moto and the API server
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the group this test started
                proc.wait(10)
    assert proc.returncode == 0, "".join(output)
