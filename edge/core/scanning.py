"""Scanning in the core: the camera's ScanLoop, wedge input from UIs, `scan` events.

The core owns the camera. Every code seen (camera) or typed (keyboard-wedge scanner, forwarded
by a UI through POST /v1/scans) goes through one debounce and one classification with the
store's current keys, and becomes one `scan` event on the event stream — masked: a payment code
is never in an event, a log line or the database. The clear payment code is kept in memory only,
for the payment flow, for a short time.

Every payment code is tied to the screen where it was shown (docs/payments.md "Which screen a
code pays"): a wedge scan carries the screen id of the UI that read it, a camera scan the screen
the camera belongs to (`[scanner] screen`), or none when the camera is unbound. Pay screens say
which order they show (`showing`); a code is handed only to its own screen, and an unbound camera's
code only when exactly one pay screen waits. Otherwise it is refused, never guessed.
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
SHOWING_TTL_S = 15 * 60.0  # a pay screen that vanished without saying so stops counting after this


class ScanRefused(Exception):
    """A held payment code that may not pay for the asking screen: (status, code, message)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ScanService:
    def __init__(self, source: str, fps: int, context: Callable[[], CodeContext],
                 publish: Callable[[str, dict], None], camera_screen: str = ""):
        from edge.scanner.loop import ScanLoop  # lazy: `edge cashier` uses code_context without the camera stack

        self.publish = publish
        self._lock = threading.Lock()
        self._payment: tuple[ScannedCode, float, str | None] | None = None  # code, when, its screen
        self._showing: dict[str, tuple[str, float]] = {}  # screen id -> (order id, since)
        self._submitting = threading.local()  # the screen of the wedge scan being submitted
        self.camera_screen = camera_screen or None
        self.last_status: str | None = None if source else "no camera configured"
        self.loop = ScanLoop(source or None, self._on_scan, self._on_status, fps=fps, keyring_provider=context)

    def start(self) -> ScanService:
        self.loop.start()
        return self

    def stop(self) -> None:
        self.loop.stop()

    def submit(self, text: str, source: str = "wedge", screen: str | None = None) -> None:
        """A code typed by a wedge scanner at the UI `screen`; it reaches subscribers as a `scan` event."""
        self._submitting.screen = screen or None
        try:
            self.loop.submit(text, symbology=source)
        finally:
            self._submitting.screen = None

    def showing(self, screen: str, order_id: str | None) -> None:
        """The UI `screen` shows the pay screen of `order_id` now (None: it left it)."""
        with self._lock:
            if order_id:
                self._showing[screen] = (order_id, time.monotonic())
            else:
                self._showing.pop(screen, None)

    def waiting_screens(self) -> dict[str, str]:
        """Screen id -> order id of the pay screens waiting now."""
        now = time.monotonic()
        with self._lock:
            for screen in [s for s, (_, since) in self._showing.items() if now - since > SHOWING_TTL_S]:
                del self._showing[screen]
            return {screen: order for screen, (order, _) in self._showing.items()}

    def take_payment_code(self, screen: str | None = None) -> ScannedCode | None:
        """The last payment code scanned, once, if it is fresh and belongs to `screen` (for the
        payment flow). A code read at another screen stays held for it; an unbound camera's code
        goes only to the one pay screen waiting. Refusals raise ScanRefused."""
        others = {s for s in self.waiting_screens() if s != screen}
        with self._lock:
            held = self._payment
            if held is None or time.monotonic() - held[1] > PAYMENT_CODE_TTL_S:
                self._payment = None
                return None
            code, _, owner = held
            if owner is not None and owner != screen:
                raise ScanRefused(409, "scan_other_screen", "the payment code was shown at another screen: "
                                  "it pays that screen's order only")
            if owner is None and others:
                self._payment = None  # never guessed: the customer shows it again, or the cashier takes it
                raise ScanRefused(409, "scan_ambiguous", "the camera belongs to no screen and several pay "
                                  "screens are waiting: the cashier takes the code on the order itself")
            self._payment = None
            return code

    def status(self) -> dict:
        snapshot = self.loop.stats.snapshot() if hasattr(self.loop.stats, "snapshot") else {}
        return {"camera": self.last_status, "reconnects": self.loop.reconnects, **snapshot}

    def _on_scan(self, code: ScannedCode) -> None:
        screen = getattr(self._submitting, "screen", None) if code.symbology == "wedge" else self.camera_screen
        if code.kind in PAYMENT_KINDS:
            with self._lock:
                self._payment = (code, time.monotonic(), screen)
        self.publish("scan", {**code.to_event(), "screen": screen})

    def _on_status(self, status: str) -> None:
        self.last_status = status
        log.info("scanner: %s", status)
        self.publish("camera", {"status": status})
