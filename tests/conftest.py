from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# Settings the app needs at import; tests that talk to moto override them.
os.environ.setdefault("TABLE_NAME", "unioncore-test")
os.environ.setdefault("USER_POOL_ID", "us-west-2_test")
os.environ.setdefault("USER_POOL_CLIENT_ID", "test-client")
for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-west-2", "AWS_REGION": "us-west-2",
                   "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
                   "POWERTOOLS_LOG_LEVEL": "WARNING"}.items():
    os.environ.setdefault(key, value)

pytest_plugins = ["runtime_fixture", "api_harness"]
