from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from moto.server import ThreadedMotoServer

from infrastructure.local_runtime.run import free_port


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto in this process with the local runtime's patch (what `make run` serves)."""
    from infrastructure.local_runtime import fast_dynamodb

    fast_dynamodb.install()
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def provisioned(moto_endpoint: str):  # type: ignore[no-untyped-def]
    from infrastructure.provision import provision

    return provision(stage="contract", endpoint_url=moto_endpoint, region="us-west-2")


@pytest.fixture(scope="session")
def stock_moto_endpoint() -> Iterator[str]:
    """moto exactly as published, in a process of its own: our patch never touches it, so the contract
    suite's DynamoDB half is not only proved against the patch."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("stock moto did not start") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def stock_provisioned(stock_moto_endpoint: str):  # type: ignore[no-untyped-def]
    from infrastructure.provision import provision

    return provision(stage="stock", endpoint_url=stock_moto_endpoint, region="us-west-2")
