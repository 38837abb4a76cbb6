"""Start and stop the device's processes (core, printer simulators) for `edge run` / `edge demo`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from edge.protocol.private_files import create_private, private_dir, private_file


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the launcher dies, even by kill -9."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


class Processes:
    """Child processes that end when this object is closed (or this process exits)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.children: list[tuple[str, subprocess.Popen]] = []

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None,
              module: str = "edge") -> subprocess.Popen:
        """Start `python -m <module> <args>` with its output in <log_dir>/<name>.log."""
        private_dir(self.log_dir)
        log_path = self.log_dir / f"{name}.log"
        create_private(log_path)
        private_file(log_path)
        log = open(log_path, "ab")
        process = subprocess.Popen([sys.executable, "-m", module, *args], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})},
                                   preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        self.children.append((name, process))
        return process

    def dead(self) -> list[str]:
        """'core (exit code -9)' for every child that has ended on its own (empty: all run)."""
        return [f"{name} (exit code {process.returncode})" for name, process in self.children
                if process.poll() is not None]

    def close(self) -> None:
        for _, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in self.children:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
        self.children.clear()

    def __enter__(self) -> Processes:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so that close() runs on SIGTERM too
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wait_for_core(url: str, process: subprocess.Popen | None = None, timeout: float = 20.0,
                  what: str = "the core") -> None:
    """Block until GET /v1/health answers; explain when the server exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}; see its log")
        try:
            if requests.get(f"{url}/v1/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer at {url} within {timeout:.0f} s")


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f} s")
