"""moto's WSGI app served with keep-alive connections.

moto's own ``ThreadedMotoServer`` runs werkzeug's development server, which closes the connection
after every response (werkzeug ≥ 2.1 disables HTTP/1.1 keep-alive) and starts a thread per
connection: every DynamoDB call from the API paid a TCP connect, an accept and a thread start.
waitress keeps connections alive, reuses a fixed pool of worker threads and sets TCP_NODELAY.
It serves the same ``DomainDispatcherApplication``, so moto's behaviour is unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

LOOPBACK = "127.0.0.1"


class MotoServer:
    """Same surface as ``moto.server.ThreadedMotoServer`` (start / stop / get_host_and_port)."""

    def __init__(self, port: int = 0, threads: int = 8) -> None:
        self._port = port
        self._threads = threads
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        # waitress ships no type hints and types-waitress is not installed.
        from waitress.server import create_server  # type: ignore[import-untyped]

        app = DomainDispatcherApplication(create_backend_app)
        # Never 0.0.0.0: the emulator holds every local secret and is for this machine only.
        self._server = create_server(app, host=LOOPBACK, port=self._port, threads=self._threads,
                                     connection_limit=512, channel_timeout=300, ident="moto")
        self._thread = threading.Thread(target=self._server.run, name="moto-server", daemon=True)
        self._thread.start()

    def get_host_and_port(self) -> tuple[str, int]:
        assert self._server is not None, "call start() first"
        return LOOPBACK, int(self._server.effective_port)

    def stop(self) -> None:
        if self._server is not None:
            # Closing every channel empties waitress's socket map, which ends its loop.
            for channel in list(self._server._map.values()):
                channel.close()
            self._server.task_dispatcher.shutdown()
        if self._thread is not None:
            self._thread.join(10)
