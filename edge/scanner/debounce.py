"""Debounce: the same code seen again within a window is the same scan (DESIGN §4).

A code is a new scan when it was not seen during the last `window` seconds; every sighting
refreshes it, so a phone held in front of the camera for 10 s is one scan, and the same code
shown again after it left the view for longer than the window is a second one. The table keeps
keyed hashes (BLAKE2b under a per-process random key), never the codes themselves.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable

DEFAULT_WINDOW = 3.0


class Debouncer:
    def __init__(self, window: float = DEFAULT_WINDOW, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 1024) -> None:
        self.window, self.clock, self.max_entries = window, clock, max_entries
        self._salt = os.urandom(16)
        self._last: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def _key(self, text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), key=self._salt, digest_size=16).digest()

    def seen(self, text: str, now: float | None = None) -> bool:
        """Record a sighting of `text`; True when it starts a new scan."""
        now = self.clock() if now is None else now
        key = self._key(text)
        with self._lock:
            last = self._last.get(key)
            self._last[key] = now
            if len(self._last) > self.max_entries:
                self._prune(now)
        return last is None or now - last > self.window

    def _prune(self, now: float) -> None:
        self._last = {k: t for k, t in self._last.items() if now - t <= self.window}
        while len(self._last) > self.max_entries:  # still too many: forget the oldest
            self._last.pop(min(self._last, key=self._last.__getitem__))

    def __len__(self) -> int:
        return len(self._last)
