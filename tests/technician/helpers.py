"""Helpers shared by the technician tests (tests/technician and tests/ui/test_technician_*):
a real core over HTTP on 127.0.0.1 with its config in a file, a TCP server that is not a printer."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import requests

from edge.config import load_config
from edge.core.app import create_app
from edge.core.service import EdgeService
from edge.demo.setup import MENU_FILE
from tests.support import AppServer

PIN = "305917"


def write_config(root: Path, extra: str = "", menu: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "edge.toml"
    text = f'[device]\ndata_dir = "{root / "data"}"\n' + (f'[menu]\nfile = "{MENU_FILE}"\n' if menu else "") + extra
    path.write_text(text, encoding="utf-8")
    return path


class Core:
    """EdgeService + its HTTP API on 127.0.0.1, restartable."""

    def __init__(self, config_path: Path):
        self.config_path = config_path
        self.service: EdgeService | None = None
        self.server: AppServer | None = None
        self.http = requests.Session()

    def start(self) -> Core:
        self.service = EdgeService(load_config(self.config_path, environ={})).open()
        app = create_app(self.service)
        self.server = AppServer(app, name="core-api").start()
        self.url = self.server.url
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.service.events.close()
            self.server.stop()
            self.service.close()
            self.server = None

    def get(self, path: str, **kw):
        return self.http.get(self.url + path, timeout=30, **kw)

    def post(self, path: str, body: dict | None = None, session: str | None = None):
        headers = {"X-Technician-Session": session} if session else {}
        return self.http.post(self.url + path, json=body or {}, headers=headers, timeout=60)

    def login(self, pin: str = PIN) -> str:
        """Set the technician PIN if none is set (through the API on a fresh device, else as
        `edge technician set-pin` does on the console), else log in; returns a session token."""
        state = self.get("/v1/technician/state").json()
        if not state["pin_set"] and state["fresh"]:
            return self.post("/v1/technician/pin", {"pin": pin}).json()["session"]
        if not state["pin_set"]:
            set_console_pin(self.service, pin)
        return self.post("/v1/technician/login", {"pin": pin}).json()["session"]


def set_console_pin(service: EdgeService, pin: str = PIN) -> None:
    """What `edge technician set-pin` does on the device's console: the PIN straight into the database."""
    service.technician.auth.set_pin(pin)


class NotAPrinter:
    """A TCP server on 127.0.0.1 that answers like a web server: port open, but no ESC/POS."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(64)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
