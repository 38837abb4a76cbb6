"""Run the upstream: `edge-upstream serve`, or in a thread for tests and `edge demo`."""

from __future__ import annotations


import uvicorn

from edge.protocol.server_thread import ServerThread
from upstream.app import create_app
from upstream.sql import Database

DEFAULT_PORT = 8800


def build_server(db: Database, host: str, port: int, **app_options) -> uvicorn.Server:
    """`app_options`: create_app's keywords (trusted_proxies, clock). uvicorn's own proxy-header
    rewriting is off (it trusts 127.0.0.1 by default): upstream/proxies.py decides."""
    config = uvicorn.Config(create_app(db, **app_options), host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=2, timeout_keep_alive=30, proxy_headers=False)
    return uvicorn.Server(config)


class BackgroundUpstream(ServerThread):
    """The upstream API in a thread of this process (tests, benchmarks)."""

    def __init__(self, db: Database, host: str = "127.0.0.1", port: int = 0, **app_options):
        super().__init__(build_server(db, host, port, **app_options), "upstream-api")
        self.db = db
