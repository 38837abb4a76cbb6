"""The last enrollment code the core's scanner saw, held in memory until a technician uses it.

An enrollment code carries a one-time token, so like a payment code it never travels in an
event: the `scan` event shows it masked, the core keeps the clear text here for at most
`HOLD_S` (the token lives 10 minutes upstream) and hands it out once, to the enroll endpoint.
Only a code this device may enroll with is held: `vet` (the technician desk's, built on
edge.sync.enroll.vet_code's rules) checks its signature, the allow-list and the pinned key; a
refused code leaves the held one as it is and says why in `last_problem`. Holding changes
nothing on the device: enrollment is the technician's action (and, on an enrolled device, an
explicit confirmation of the held code's `id`).
What the technician screen may see is the code's public part: store, role, upstream, expiry,
the signing key's first characters and the id.

Codes whose upstream is plain http on this machine (demo, tests) are classified "unknown"
(claimed "enroll") by edge.codes, which wants https; they are held too, and `vet` decides.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge.sync.enroll import EnrollCode, EnrollError, parse_enroll_code

HOLD_S = 600.0


def code_id(text: str) -> str:
    """A short id of a held code, shown and sent back to confirm exactly that code (no secret in it)."""
    return hashlib.sha256(b"matou-held-enroll-code\n" + text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class HeldSummary:
    id: str
    store_id: str
    role: str
    upstream_url: str
    upstream_key: str
    expires_s: int
    age_s: float

    def to_json(self) -> dict:
        return {"id": self.id, "store_id": self.store_id, "role": self.role, "upstream": self.upstream_url,
                "upstream_key": self.upstream_key[:8], "expires_s": self.expires_s, "age_s": round(self.age_s, 1)}


class EnrollCodeHolder:
    def __init__(self, hold_s: float = HOLD_S, vet: Callable[[str], EnrollCode] = parse_enroll_code):
        self.hold_s = hold_s
        self.vet = vet
        self._lock = threading.Lock()
        self._held: tuple[str, float] | None = None
        self.last_problem: str | None = None  # why the last enrollment-looking scan was not held

    def observe(self, code) -> None:
        """Called with every ScannedCode the core's scanner emits (camera and wedge)."""
        if code.kind != "enroll" and code.claimed != "enroll":
            return
        text = code.reveal()
        try:
            self.vet(text)
        except EnrollError as error:
            with self._lock:
                self.last_problem = str(error)
            return
        except Exception as error:  # noqa: BLE001 - a code that cannot be checked is not held; the scan loop goes on
            with self._lock:
                self.last_problem = f"enrollment code not checked ({type(error).__name__}): scan it again"
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
        return HeldSummary(code_id(held[0]), code.store_id, code.role, code.upstream_url, code.upstream_key,
                           code.expires_s, time.monotonic() - held[1])

    def take(self, expected_id: str | None = None) -> str | None:
        """The clear code, once; None when none is held or (with `expected_id`) another one is."""
        with self._lock:
            held = self._fresh()
            if held is None or (expected_id is not None and code_id(held[0]) != expected_id):
                return None
            self._held = None
        return held[0]

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
