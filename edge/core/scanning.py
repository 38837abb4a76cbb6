"""Scanning in the core: the camera's ScanLoop, wedge input from UIs, `scan` events.

The core owns the camera. Every code seen (camera) or typed (keyboard-wedge scanner, forwarded
by a UI through POST /v1/scans) goes through one debounce and one classification with the
store's current keys, and becomes one `scan` event on the event stream — masked: a payment code
is never in an event, a log line or the database. The clear payment code is kept in memory only,
for the payment flow, for a short time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from edge.codes import CodeContext, ScannedCode

log = logging.getLogger(__name__)
PAYMENT_KINDS = ("alipay", "wechat", "unionpay")
PAYMENT_CODE_TTL_S = 60.0  # a payment code shown on a phone refreshes about every minute


class ScanService:
    def __init__(self, source: str, fps: int, context: Callable[[], CodeContext],
                 publish: Callable[[str, dict], None]):
        from edge.scanner.loop import ScanLoop  # lazy: `edge cashier` uses code_context without the camera stack

        self.publish = publish
        self._lock = threading.Lock()
        self._payment: tuple[ScannedCode, float] | None = None
        self.last_status: str | None = None if source else "no camera configured"
        self.loop = ScanLoop(source or None, self._on_scan, self._on_status, fps=fps, keyring_provider=context)

    def start(self) -> ScanService:
        self.loop.start()
        return self

    def stop(self) -> None:
        self.loop.stop()

    def submit(self, text: str, source: str = "wedge") -> None:
        """A code typed by a wedge scanner; it reaches subscribers as a `scan` event."""
        self.loop.submit(text, symbology=source)

    def take_payment_code(self) -> ScannedCode | None:
        """The last payment code scanned, once, if it is fresh (for the payment flow)."""
        with self._lock:
            held, self._payment = self._payment, None
        if held and time.monotonic() - held[1] <= PAYMENT_CODE_TTL_S:
            return held[0]
        return None

    def status(self) -> dict:
        snapshot = self.loop.stats.snapshot() if hasattr(self.loop.stats, "snapshot") else {}
        return {"camera": self.last_status, "reconnects": self.loop.reconnects, **snapshot}

    def _on_scan(self, code: ScannedCode) -> None:
        if code.kind in PAYMENT_KINDS:
            with self._lock:
                self._payment = (code, time.monotonic())
        self.publish("scan", code.to_event())

    def _on_status(self, status: str) -> None:
        self.last_status = status
        log.info("scanner: %s", status)
        self.publish("camera", {"status": status})
