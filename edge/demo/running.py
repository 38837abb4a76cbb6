"""One demo at a time: `edge demo` takes a lock in its folder and checks its ports before it starts
anything, and says plainly what is running and how to stop it or attach to it.

The lock is an flock on `<dir>/demo.lock` (0600), held for the demo's life and dropped by the
kernel when the demo's process ends however it ends (a stale file locks nothing). It holds the
running demo's pid and URLs, for the message a second `edge demo` prints."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path

LOCK_FILE = "demo.lock"


class DemoRunning(Exception):
    """Another demo (or another program) holds what this demo needs; the message says what to do."""


def port_busy(port: int, host: str = "127.0.0.1") -> bool:
    """True when something listens on host:port (a server of ours could not bind it)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(ports: dict[str, int]) -> None:
    """DemoRunning naming each busy port (by what the demo would run there)."""
    busy = [f"{port} ({name})" for name, port in ports.items() if port and port_busy(port)]
    if busy:
        raise DemoRunning(
            f"port {', '.join(busy)} already in use on 127.0.0.1: another demo (from another folder?) "
            "or another program runs there. Stop it, or start this demo on free ports: "
            "edge demo --core-port N --printer-port N --upstream-port N")


class DemoLock:
    """Held while a demo runs from `root`; `acquire` raises DemoRunning when another demo holds it."""

    def __init__(self, root: Path):
        self.path = root / LOCK_FILE
        self.fd: int | None = None

    def acquire(self, core_url: str) -> DemoLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            url = holder.get("core_url", "its core URL")
            pid = holder.get("pid", "?")
            raise DemoRunning(
                f"a demo is already running from {self.path.parent} (pid {pid}, core {url}). "
                f"Stop it with Ctrl-Q in its terminal (Ctrl-C with --no-ui; or: kill {pid}), "
                f"or attach another screen to it: edge ui --url {url} [--mode cashier]") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "core_url": core_url}).encode(), 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None


def _read_holder(fd: int) -> dict:
    try:
        doc = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}
