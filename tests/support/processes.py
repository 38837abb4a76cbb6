"""Real processes for the tests: waiting until a started process answers its health check, stopping
one politely, `edge core` started until healthy, kill -9 of a process, and a thread that kill -9s a
target at random moments while the test keeps working."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import requests


def kill9(process: subprocess.Popen) -> bool:
    """kill -9 a child process if it still runs, and reap it; True when it was killed."""
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return True


def wait_healthy(url: str, process: subprocess.Popen, timeout: float, what: str) -> None:
    """Poll `url` until it answers OK; fails (with the process's output, if piped) when the process
    dies first or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            assert process.poll() is None, process.stdout.read() if process.stdout else f"{what} exited"
            assert time.monotonic() < deadline, f"{what} did not start"
            time.sleep(0.1)


def stop_process(process: subprocess.Popen, grace_s: float = 10) -> None:
    """Terminate a child process and reap it; kill it if it does not stop within `grace_s`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class CoreProcess:
    """A real `edge core` process: start (waits for health), kill -9, alive."""

    def __init__(self, config_file, port: int, log, start_timeout: float = 60.0):
        self.config_file, self.port, self.log = config_file, port, log
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        """Start the core and wait for it; returns once healthy or once it died (killed while starting)."""
        with self.lock:
            self.process = subprocess.Popen([sys.executable, "-m", "edge", "core", "--config", str(self.config_file)],
                                            stdout=self.log, stderr=self.log)
            process = self.process
        deadline = time.monotonic() + self.start_timeout
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
            return self.process is not None and kill9(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class KillLoop:
    """A thread that calls `target.kill()` after random pauses until `most` kills landed or the
    `with` block ends; `kills` counts the kills that hit a running process."""

    def __init__(self, target, rng: random.Random, most: int, pause: tuple[float, float]):
        self.target, self.rng, self.most, self.pause = target, rng, most, pause
        self.kills = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="kill-loop", daemon=True)

    def _run(self) -> None:
        while not self.done.is_set() and self.kills < self.most:
            time.sleep(self.rng.uniform(*self.pause))
            if self.target.kill():
                self.kills += 1

    def start(self) -> KillLoop:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.done.set()
        self.thread.join()

    def __enter__(self) -> KillLoop:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
