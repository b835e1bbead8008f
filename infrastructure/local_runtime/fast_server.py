"""Per-request overhead of moto's HTTP server, removed in the local runtime only.

Profiling the runtime under load showed DynamoDB work at ~11 % of moto's time. The rest: moto
re-lists its own service modules (directory scans, `inspect.getmembers`) and tries hundreds of URL
regexes to find the backend for every request; and small header/body writes on keep-alive
connections wait on Nagle's algorithm. Results and behaviour are unchanged.

The runtime now serves moto with waitress (`moto_server.py`, which sets TCP_NODELAY itself); the
werkzeug handler patch still serves the in-process ThreadedMotoServer of the integration tests.
"""

from __future__ import annotations

import functools
import socket
from typing import Any

_installed = False


def set_nodelay(connection: Any) -> None:
    try:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass  # not a TCP socket (tests may use others)


def install() -> None:
    """Idempotent. Call before the moto server starts."""
    global _installed
    if _installed:
        return
    from moto import backends
    from moto.moto_server import werkzeug_app
    from werkzeug.serving import WSGIRequestHandler

    modules = frozenset(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: iter(modules)

    original_lookup = werkzeug_app.DomainDispatcherApplication.get_backend_for_host

    @functools.wraps(original_lookup)
    def cached_lookup(self: Any, host: str | None) -> Any:
        # The host → backend mapping is a pure function of the host and moto's URL table.
        cache = self.__dict__.setdefault("_uc_backend_cache", {})
        if host not in cache:
            cache[host] = original_lookup(self, host)
        return cache[host]

    # Patching a method is the point here; mypy flags any assignment to a method.
    werkzeug_app.DomainDispatcherApplication.get_backend_for_host = cached_lookup  # type: ignore[method-assign]

    original_setup = WSGIRequestHandler.setup

    def setup(self: Any) -> None:
        original_setup(self)
        set_nodelay(self.connection)

    WSGIRequestHandler.setup = setup  # type: ignore[method-assign]  # as above
    _installed = True
