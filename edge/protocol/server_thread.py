"""A uvicorn server in a thread of this process (tests, benchmarks, tools): start, url, stop."""

from __future__ import annotations

import threading
import time

import uvicorn


class ServerThread:
    def __init__(self, server: uvicorn.Server, name: str):
        self.server = server
        self.name = name
        self.thread = threading.Thread(target=server.run, name=name, daemon=True)

    def start(self, timeout: float = 10.0):
        """Returns once the server listens (self, for chaining)."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError(f"{self.name} did not start within {timeout:.0f} s")
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        host = self.server.servers[0].sockets[0].getsockname()[0]
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
