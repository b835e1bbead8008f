from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

from infrastructure.local_runtime.run import free_port


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
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
