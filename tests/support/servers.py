"""An ASGI app on 127.0.0.1 in a thread of the test process (the product's ServerThread with
the settings every test server uses), stoppable like a process that died."""

from __future__ import annotations

import uvicorn

from edge.protocol.server_thread import ServerThread


class AppServer(ServerThread):
    def __init__(self, app, port: int = 0, name: str = "test-api"):
        super().__init__(uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                       access_log=False, lifespan="off")), name)

    def start(self, timeout: float = 20.0) -> AppServer:
        return super().start(timeout)

    def stop(self, kill: bool = False) -> None:
        """kill: do not wait for requests in flight (long polls), like a process that died."""
        self.server.force_exit = kill
        super().stop()
