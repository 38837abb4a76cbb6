"""What the benchmark scripts share: free loopback ports, percentiles (nearest rank), and a
server started as `python -m ...` and waited for until its health URL answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def start_server(args: list[str], log: Path, health: str, env: dict | None = None,
                 timeout: float = 60) -> subprocess.Popen:
    """`python -m <args>` with its output in `log`; returns once `health` answers (exits the
    benchmark, naming the log, when the server ends or never answers)."""
    process = subprocess.Popen([sys.executable, "-m", *args], stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})}, cwd=ROOT)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit(f"{args[0]} exited; see {log}")
        try:
            if requests.get(health, timeout=0.5).ok:
                return process
        except requests.RequestException:
            time.sleep(0.05)
    raise SystemExit(f"{args[0]} did not start; see {log}")
