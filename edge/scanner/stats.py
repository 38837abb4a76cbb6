"""Live numbers of a scan loop for `edge scan --stats` and the core's status: fps, ms per frame,
reads per second, share of frames skipped as unchanged, scan latency, the last codes (masked)."""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque

WINDOW_S = 2.0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class LoopStats:
    def __init__(self, keep: int = 300) -> None:
        self._lock = threading.Lock()
        self.frames = self.decoded = self.reads = self.scans = 0
        self._frame_times: deque[float] = deque(maxlen=keep)
        self._work_ms: deque[float] = deque(maxlen=keep)
        self._read_times: deque[float] = deque(maxlen=keep)
        self.latency_ms: deque[float] = deque(maxlen=keep)
        self.last: deque[str] = deque(maxlen=5)

    def frame(self, started: float, decoded: bool) -> None:
        """A frame was handled; `started` is its time.perf_counter() at the start of the work."""
        with self._lock:
            self.frames += 1
            self.decoded += decoded
            self._frame_times.append(time.monotonic())
            self._work_ms.append((time.perf_counter() - started) * 1000)

    def read(self) -> None:
        with self._lock:
            self.reads += 1
            self._read_times.append(time.monotonic())

    def scan(self, code) -> None:
        """A new scan went out; `code.captured_ns` is when its frame (or wedge line) arrived."""
        with self._lock:
            self.scans += 1
            self.last.appendleft(str(code))
            if code.captured_ns:
                self.latency_ms.append((time.monotonic_ns() - code.captured_ns) / 1e6)

    def snapshot(self) -> dict:
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._frame_times if now - t <= WINDOW_S]
            work = list(self._work_ms)
            return {
                "fps": round(len(recent) / WINDOW_S, 1),
                "ms_per_frame": round(statistics.median(work), 2) if work else 0.0,
                "ms_p95": round(percentile(work, 95), 2),
                "reads_per_s": round(sum(1 for t in self._read_times if now - t <= WINDOW_S) / WINDOW_S, 1),
                "frames": self.frames, "decoded": self.decoded, "scans": self.scans,
                "skipped": round(1 - self.decoded / self.frames, 2) if self.frames else 0.0,
                "latency_p95_ms": round(percentile(list(self.latency_ms), 95), 1),
                "last": list(self.last),
            }

    def line(self) -> str:
        s = self.snapshot()
        return (f"{s['fps']:5.1f} fps  {s['ms_per_frame']:5.1f} ms/frame (p95 {s['ms_p95']:.1f})  "
                f"{s['reads_per_s']:4.1f} reads/s  skipped {s['skipped']:.0%}  scans {s['scans']}  "
                f"last: {', '.join(s['last']) or '-'}")
