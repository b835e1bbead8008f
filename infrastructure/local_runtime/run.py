"""`make run`: the whole product on one machine, no AWS account, no internet.

moto (DynamoDB, S3, Cognito, SES, Step Functions) on 127.0.0.1 in this process; resources created
from infrastructure/resources.yaml; demo data seeded at real scale on first start; everything
snapshotted to the data folder (periodically and on shutdown) and restored on the next start.
The API + static site run in a second process so both cores work.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-west-2"
DEMO_SCALE_ENV = "UNIONCORE_DEMO_SCALE"  # scale of the generated demo exports (tests use a small one)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fake_aws_env() -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "MOTO_ALLOW_NONEXISTENT_REGION": "true",
            "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING")}


def quiet_moto_logs() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)


class Runtime:
    def __init__(self, port: int, data_dir: Path, fixtures: Path | None = None, moto_port: int = 0,
                 extra_env: dict[str, str] | None = None, quiet: bool = False,
                 demo_scale: float | None = None) -> None:
        self.port = port
        self.data_dir = data_dir
        self.fixtures = fixtures
        self.demo_scale = demo_scale if demo_scale is not None else float(os.environ.get(DEMO_SCALE_ENV, "1"))
        self.moto_port = moto_port or free_port()
        self.extra_env = extra_env or {}
        self.quiet = quiet
        self.api: subprocess.Popen[bytes] | None = None
        self.moto: Any = None
        self.env: dict[str, str] = {}
        self.logins: dict[str, dict[str, str]] = {}
        self._stop_snapshots: Any = None

    def log(self, msg: str) -> None:
        if not self.quiet:
            print(msg, flush=True)

    def start(self) -> None:
        os.environ.update(fake_aws_env())
        from infrastructure.local_runtime import cognito_fidelity, fast_dynamodb, fast_server, snapshot
        from infrastructure.local_runtime.moto_server import MotoServer
        from infrastructure.provision import provision

        fast_dynamodb.install()
        cognito_fidelity.install()  # the app client is confidential: Cognito's SECRET_HASH checks
        fast_server.install()
        quiet_moto_logs()
        self.moto = MotoServer(port=self.moto_port)
        self.moto.start()
        endpoint = f"http://127.0.0.1:{self.moto_port}"
        # moto's Step Functions interpreter calls its own DynamoDB at localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.moto_port)
        resources = provision(stage="local", endpoint_url=endpoint, region=REGION)
        # Mail the app sends (sign-up codes) is also written to <data-dir>/outbox.jsonl (local only).
        env = {**fake_aws_env(), **resources.as_env(), "LOCAL_OUTBOX_DIR": str(self.data_dir), **self.extra_env}
        os.environ.update(env)
        self.env = env
        self.data_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        restored = snapshot.restore_snapshot(self.data_dir, region=REGION)
        logins_file = self.data_dir / "demo-logins.json"
        if restored and logins_file.exists():
            self.logins = json.loads(logins_file.read_text())
            self.log(f"restored data from {self.data_dir} in {time.perf_counter() - t0:.1f}s")
        else:
            exports = self.demo_exports()
            self.log(f"seeding demo data from {exports} (first start; about a minute)...")
            self.logins = self._seed(exports)
            logins_file.write_text(json.dumps(self.logins, indent=2))
            snapshot.save_snapshot(self.data_dir, region=REGION)
            self.log(f"seeded in {time.perf_counter() - t0:.1f}s")
        self._stop_snapshots = snapshot.start_periodic_snapshots(self.data_dir, interval_s=30)
        self._start_api()

    def demo_exports(self) -> Path:
        """The LaborPower exports to seed from: --fixtures if given, else the project's own demo exports,
        generated once into <data-dir>/demo-exports (chalicelib/imports/demo_exports.py)."""
        if self.fixtures is not None:
            return self.fixtures
        from chalicelib.imports.demo_exports import ensure

        t0 = time.perf_counter()
        folder = ensure(self.data_dir / "demo-exports", scale=self.demo_scale)
        self.log(f"demo exports (scale {self.demo_scale:g}) ready in {time.perf_counter() - t0:.1f}s")
        return folder

    def _seed(self, exports: Path) -> dict[str, dict[str, str]]:
        from chalicelib.core import app_secrets
        from chalicelib.core.settings import reset_settings
        from chalicelib.core.store.dynamo import DynamoStore
        from chalicelib.demo.seed import seed_demo, seed_demo_users
        from chalicelib.identity import cognito as identity

        reset_settings()
        identity.reset_client()
        app_secrets.reset()  # this pool's client secret, not one read earlier in this process
        from chalicelib.core.settings import get_settings

        s = get_settings()
        store = DynamoStore(s.table_name, s.aws_region, s.aws_endpoint_url)
        report = seed_demo(store, exports)
        self.log(f"seeded {report}")
        return seed_demo_users(store)

    def _start_api(self) -> None:
        env = {**os.environ, **self.env, "UNIONCORE_HOST": "127.0.0.1", "UNIONCORE_PORT": str(self.port),
               "PYTHONPATH": str(ROOT)}
        self.api = subprocess.Popen([sys.executable, "-m", "infrastructure.local_runtime.api_server"], cwd=ROOT,
                                    env=env, stdout=subprocess.PIPE)
        stdout = self.api.stdout
        assert stdout is not None
        line = stdout.readline().decode()
        if "api-ready" not in line:
            raise RuntimeError(f"API server failed to start: {line!r}")
        # Keep draining its output so the pipe never blocks it.
        threading.Thread(target=lambda: [None for _ in iter(stdout.readline, b"")], daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        from infrastructure.local_runtime import snapshot

        if self.api and self.api.poll() is None:
            self.api.terminate()
            try:
                self.api.wait(10)
            except subprocess.TimeoutExpired:
                self.api.kill()
        if self._stop_snapshots:
            self._stop_snapshots()
        try:
            snapshot.save_snapshot(self.data_dir, region=REGION)
            self.log(f"saved data to {self.data_dir}")
        finally:
            if self.moto:
                self.moto.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run UnionCore locally")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8765")))
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data")
    parser.add_argument("--fixtures", type=Path, default=None,
                        help="seed from this folder of LaborPower exports instead of the generated demo exports")
    parser.add_argument("--demo-scale", type=float, default=float(os.environ.get(DEMO_SCALE_ENV, "1")),
                        help=f"scale of the generated demo exports (default 1: 4,000 members; env {DEMO_SCALE_ENV})")
    parser.add_argument("--reset", action="store_true", help="delete the saved data first")
    args = parser.parse_args()
    if args.reset and args.data_dir.exists():
        import shutil

        shutil.rmtree(args.data_dir)
    if not args.demo_scale > 0:
        parser.error("--demo-scale must be positive")
    runtime = Runtime(args.port, args.data_dir, args.fixtures, demo_scale=args.demo_scale)
    stopping = threading.Event()

    def _stop(*_: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    runtime.start()
    print(f"\nUnionCore is running at {runtime.base_url}/  (API at {runtime.base_url}/api)")
    print(f"Data folder: {args.data_dir} (delete it, or `make reset`, to start from the demo data)")
    print("Demo logins:")
    for role, login in runtime.logins.items():
        mfa = f"  TOTP secret {login['totp_secret']}" if login.get("totp_secret") else ""
        print(f"  {role:<11} {login['email']:<42} {login['password']}{mfa}")
    print("Staff roles sign in with a second step: the 6-digit code of an authenticator app set up with the\n"
          "TOTP secret above. Locally moto accepts any 6-digit code (e.g. 123456).")
    print(f"Mail the app sends (member sign-up codes) is also written to {args.data_dir / 'outbox.jsonl'}")
    print("Press Ctrl+C to stop (data is saved).", flush=True)
    while not stopping.is_set():
        if runtime.api and runtime.api.poll() is not None:
            print("API process exited; stopping.", flush=True)
            break
        stopping.wait(1)
    runtime.stop()


if __name__ == "__main__":
    main()
