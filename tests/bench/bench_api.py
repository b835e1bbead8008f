"""`make bench`: latency and throughput of the local runtime with the full demo data.

Prints one key=value per line:
- member_get_p95_ms, member_search_p95_ms, employer_list_p95_ms: 50 simulated users, each sending one
  request per second for 30 s (open loop, like the earlier system's load test);
- member_get_c50_rps / _p95_ms, member_search_c50_rps / _p95_ms: 50 concurrent closed-loop clients;
- cold_import_ms: `import app` in a fresh interpreter; lambda_zip_mb: the packaged deployment zip.
The load generator runs on the same 2-core machine as the API and moto, so figures are conservative.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.signin import sign_in  # noqa: E402 - after the path set-up


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


class Client:
    """One keep-alive HTTP connection, like one browser."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status = 599
        return status, (time.perf_counter() - started) * 1000


def open_loop(port: int, token: str, make_path: Callable[[random.Random], str], users: int = 50,
              seconds: int = 30) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def user(n: int) -> None:
        rng = random.Random(n)
        client = Client(port, token)
        offset = rng.random()  # users do not fire in lock-step
        for i in range(seconds):
            due = start + offset + i
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status, ms = client.get(make_path(rng))
            with lock:
                latencies.append(ms)
                if status >= 400:
                    errors[0] += 1

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {"p95": p95(latencies), "p50": statistics.median(latencies), "rps": len(latencies) / elapsed,
            "errors": errors[0], "n": len(latencies)}


def closed_loop(port: int, token: str, make_path: Callable[[random.Random], str], clients: int = 50,
                seconds: int = 20) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(n: int) -> None:
        rng = random.Random(1000 + n)
        client = Client(port, token)
        while time.perf_counter() < stop_at:
            status, ms = client.get(make_path(rng))
            with lock:
                latencies.append(ms)
                if status >= 400:
                    errors[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)  # a hang shows as a missing result, never as a stuck benchmark
    elapsed = time.perf_counter() - started
    return {"p95": p95(latencies), "rps": len(latencies) / elapsed, "errors": errors[0], "n": len(latencies)}


def cold_import_ms(env: dict[str, str]) -> float:
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); import app; "
                              "print((time.perf_counter()-t)*1000)"], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def lambda_zip_mb() -> float:
    out = Path(tempfile.mkdtemp(prefix="uc-package-"))
    try:
        subprocess.run([str(ROOT / ".venv" / "bin" / "chalice"), "package", "--stage", "dev",
                        "--merge-template", "infrastructure/resources.yaml", str(out)], cwd=ROOT, check=True,
                       capture_output=True, env={**os.environ, "AWS_DEFAULT_REGION": "us-west-2"})
        from infrastructure.slim_package import slim

        _, size = slim(out / "deployment.zip")  # as `make infra-package` ships it
        return size / 1_000_000
    finally:
        shutil.rmtree(out, ignore_errors=True)


def start_runtime(port: int, data_dir: Path, fixtures: Path | None) -> subprocess.Popen[str]:
    """The runtime runs as `make run` runs it, in its own processes: the load generator must not share
    moto's interpreter (and its GIL). Without --fixtures it seeds from the generated demo exports."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOGIN_RATE_PER_MINUTE": "1000"}
    source = ["--fixtures", str(fixtures)] if fixtures else []
    runtime = subprocess.Popen([sys.executable, "-m", "infrastructure.local_runtime.run", "--port", str(port),
                                "--data-dir", str(data_dir), *source],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert runtime.stdout is not None
    for line in runtime.stdout:
        if "UnionCore is running" in line:
            break
    else:
        raise SystemExit("the runtime did not start")
    stream = runtime.stdout
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()
    return runtime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixtures", type=Path, default=None,
                        help="LaborPower exports to seed from (default: the generated demo exports)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data-bench",
                        help="seeded once, restored afterwards (delete to re-seed)")
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()

    from infrastructure.local_runtime.run import free_port

    def report(key: str, value: float) -> None:
        print(f"{key}={value}", flush=True)

    env = {**os.environ, "TABLE_NAME": "t", "USER_POOL_ID": "us-west-2_x", "USER_POOL_CLIENT_ID": "c",
           "PYTHONPATH": str(ROOT)}
    report("cold_import_ms", round(cold_import_ms(env), 1))
    report("lambda_zip_mb", round(lambda_zip_mb(), 2))

    port = free_port()
    runtime = start_runtime(port, args.data_dir, args.fixtures)
    try:
        login = json.loads((args.data_dir / "demo-logins.json").read_text())["dispatcher"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            conn.request("POST", f"/api{path}", body=json.dumps(body), headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, json.loads(r.read())

        token = sign_in(post, login["email"], login["password"], login.get("totp_secret"))["access_token"]
        client = Client(port, token)
        ids: list[str] = []
        names: set[str] = set()
        cursor = None
        while True:
            query = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            client.conn.request("GET", "/api/members?" + urlencode(query), headers=client.headers)
            page = json.loads(client.conn.getresponse().read())
            ids += [m["id"] for m in page["items"]]
            names |= {m["last_name"][:3] for m in page["items"] if len(m["last_name"]) >= 3}
            cursor = page["next_cursor"]
            if not cursor:
                break
        prefixes = sorted(names)
        report("members_in_table", len(ids))

        def member_get(rng: random.Random) -> str:
            return f"/api/members/{rng.choice(ids)}"

        def member_search(rng: random.Random) -> str:
            return "/api/members?" + urlencode({"q": rng.choice(prefixes), "limit": 50})

        def employer_list(rng: random.Random) -> str:
            return "/api/employers?" + urlencode({"limit": 50})

        for name, fn in (("member_get", member_get), ("member_search", member_search),
                         ("employer_list", employer_list)):
            r = open_loop(port, token, fn, seconds=args.seconds)
            report(f"{name}_p95_ms", round(r["p95"], 1))
            report(f"{name}_p50_ms", round(r["p50"], 1))
            report(f"{name}_rps", round(r["rps"], 1))
            report(f"{name}_errors", r["errors"])
        for name, fn in (("member_get", member_get), ("member_search", member_search)):
            r = closed_loop(port, token, fn)
            report(f"{name}_c50_rps", round(r["rps"], 1))
            report(f"{name}_c50_p95_ms", round(r["p95"], 1))
            report(f"{name}_c50_errors", r["errors"])
    finally:
        runtime.send_signal(signal.SIGINT)
        try:
            runtime.wait(120)
        except subprocess.TimeoutExpired:
            runtime.kill()


if __name__ == "__main__":
    main()
