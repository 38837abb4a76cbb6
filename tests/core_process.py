"""A real `edge core` process for kill -9 tests: start (waits for health), kill -9, alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import requests


class CoreProcess:
    def __init__(self, config_file, port: int, log):
        self.config_file, self.port, self.log = config_file, port, log
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        """Start the core and wait for it; returns once healthy or once it died (killed while starting)."""
        with self.lock:
            self.process = subprocess.Popen([sys.executable, "-m", "edge", "core", "--config", str(self.config_file)],
                                            stdout=self.log, stderr=self.log)
            process = self.process
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if process.poll() is not None:
                assert process.returncode == -signal.SIGKILL, f"core exited by itself ({process.returncode}); see log"
                return
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/v1/health", timeout=0.5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("core did not come up")

    def kill(self) -> bool:
        with self.lock:
            if self.process and self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
                return True
        return False

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None
