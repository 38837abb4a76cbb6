"""The last enrollment code the core's scanner saw, held in memory for "enroll with the last code".

An enrollment code carries a one-time token, so like a payment code it never travels in an
event: the `scan` event shows it masked, the core keeps the clear text here for at most
`HOLD_S` (the token lives 10 minutes upstream) and hands it out once, to the enroll endpoint.
What the technician screen may see is the code's public part: store, role, upstream, expiry.

Codes whose upstream is plain http on this machine (demo, tests) are classified "unknown"
(claimed "enroll") by edge.codes, which wants https; they are held too, and
edge.protocol.enroll_code.parse_enroll_code — the parser enrollment itself uses — decides.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from edge.sync.enroll import EnrollError, parse_enroll_code

HOLD_S = 600.0


@dataclass(frozen=True)
class HeldSummary:
    store_id: str
    role: str
    upstream_url: str
    expires_s: int
    age_s: float

    def to_json(self) -> dict:
        return {"store_id": self.store_id, "role": self.role, "upstream": self.upstream_url,
                "expires_s": self.expires_s, "age_s": round(self.age_s, 1)}


class EnrollCodeHolder:
    def __init__(self, hold_s: float = HOLD_S):
        self.hold_s = hold_s
        self._lock = threading.Lock()
        self._held: tuple[str, float] | None = None
        self.last_problem: str | None = None  # why the last enrollment-looking scan was not held

    def observe(self, code) -> None:
        """Called with every ScannedCode the core's scanner emits (camera and wedge)."""
        if code.kind != "enroll" and code.claimed != "enroll":
            return
        text = code.reveal()
        try:
            parse_enroll_code(text)
        except EnrollError as error:
            with self._lock:
                self.last_problem = str(error)
            return
        with self._lock:
            self._held, self.last_problem = (text, time.monotonic()), None

    def _fresh(self) -> tuple[str, float] | None:
        if self._held and time.monotonic() - self._held[1] <= self.hold_s:
            return self._held
        self._held = None
        return None

    def summary(self) -> HeldSummary | None:
        with self._lock:
            held = self._fresh()
        if held is None:
            return None
        code = parse_enroll_code(held[0])
        return HeldSummary(code.store_id, code.role, code.upstream_url, code.expires_s, time.monotonic() - held[1])

    def take(self) -> str | None:
        """The clear code, once."""
        with self._lock:
            held, self._held = self._fresh(), None
        return held[0] if held else None

    def put_back(self, text: str) -> None:
        """Hold a taken code again (its enrollment failed, e.g. upstream not reachable yet)."""
        with self._lock:
            if self._held is None:
                self._held = (text, time.monotonic())

    def attach(self, scan_service) -> None:
        """Watch a ScanService's loop: every code it emits passes `observe` first.

        The scan loop calls `loop.on_scan(code)`; wrapping it keeps edge/core/scanning.py as it is.
        """
        loop = scan_service.loop
        inner = loop.on_scan

        def on_scan(code) -> None:
            try:
                self.observe(code)
            finally:
                inner(code)

        loop.on_scan = on_scan
