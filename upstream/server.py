"""Run the upstream: `edge-upstream serve`, or in a thread for tests and `edge demo`."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import uvicorn

from upstream.app import create_app
from upstream.schema import migrate
from upstream.sql import Database

DEFAULT_PORT = 8800


def default_database() -> str:
    import platformdirs

    return os.environ.get("EDGE_UPSTREAM_DATABASE") or str(Path(platformdirs.user_data_dir("matou")) / "upstream.sqlite")


def open_database(url: str | None = None) -> Database:
    db = Database(url or default_database())
    migrate(db)
    return db


def build_server(db: Database, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(create_app(db), host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", timeout_graceful_shutdown=2, timeout_keep_alive=30)
    return uvicorn.Server(config)


class BackgroundUpstream:
    """The upstream API in a thread of this process (tests, benchmarks, demo)."""

    def __init__(self, db: Database, host: str = "127.0.0.1", port: int = 0):
        self.db = db
        self.server = build_server(db, host, port)
        self.thread = threading.Thread(target=self.server.run, name="upstream-api", daemon=True)

    def start(self, timeout: float = 10.0) -> "BackgroundUpstream":
        self.thread.start()
        waited = 0.0
        while not self.server.started and waited < timeout:
            threading.Event().wait(0.02)
            waited += 0.02
        if not self.server.started:
            raise RuntimeError("upstream API did not start")
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
