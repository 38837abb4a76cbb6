"""Run the core: open the service, serve the API with uvicorn until SIGINT/SIGTERM, close."""

from __future__ import annotations

import logging

import uvicorn

from edge import running_core
from edge.config import Config
from edge.core.app import create_app
from edge.core.service import EdgeService
from edge.protocol.server_thread import ServerThread

log = logging.getLogger(__name__)


class CoreServer(uvicorn.Server):
    """uvicorn that ends the event streams first, so shutdown does not wait for them."""

    def __init__(self, config: uvicorn.Config, service: EdgeService):
        super().__init__(config)
        self.service = service

    advertise = False  # `serve` sets it: write the runtime file once listening (edge/running_core.py)
    advertised = None  # the runtime file written, removed again on shutdown

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        config = self.service.config
        if self.started and self.advertise:  # listening: commands without --config may now find us
            self.advertised = running_core.advertise(config.source, config.core_url, config.db_path)

    async def shutdown(self, sockets=None) -> None:
        running_core.withdraw(self.advertised)  # here: uvicorn re-raises SIGTERM once `run` ends
        self.advertised = None
        await super().shutdown(sockets)

    def handle_exit(self, sig, frame) -> None:
        self.service.events.close()
        super().handle_exit(sig, frame)


def build_server(service: EdgeService, host: str, port: int) -> CoreServer:
    config = uvicorn.Config(create_app(service), host=host, port=port, log_level="warning",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    return CoreServer(config, service)


def serve(config: Config) -> None:
    """Blocking: the `edge core` daemon."""
    if config.core.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("core API bound to %s: it has no authentication, keep it on loopback", config.core.host)
    service = EdgeService(config).open()
    try:
        log.info("core listening on http://%s:%d (db %s)", config.core.host, config.core.port, config.db_path)
        server = build_server(service, config.core.host, config.core.port)
        server.advertise = True
        try:
            server.run()
        finally:
            running_core.withdraw(server.advertised)
    finally:
        service.close()


class BackgroundCore(ServerThread):
    """The core API in a thread of this process: used by tests and tools."""

    def __init__(self, service: EdgeService, host: str = "127.0.0.1", port: int = 0):
        super().__init__(build_server(service, host, port), "core-api")
        self.service = service

    def start(self, timeout: float = 10.0) -> BackgroundCore:
        self.service.events.closed = False  # a service may be served again after a stop
        return super().start(timeout)

    def stop(self) -> None:
        self.service.events.close()  # end the event streams first: shutdown need not wait for them
        super().stop()
