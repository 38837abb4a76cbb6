"""Into technician mode from the kiosk.

The kiosk (edge/ui/kiosk_app.py) calls `open_technician(app)` on its hidden key (ctrl+t) or
after a long press (`LONG_PRESS_S`, `LongPress`) on its title; the technician screens go over
the kiosk's, starting with the PIN. The way out, `leave_technician(app)`
(edge/ui/technician/technician_screen.py), logs out and takes them all away again — or ends the
app when it is the stand-alone `edge ui --mode technician`.
"""

from __future__ import annotations

import time

from edge.ui.technician.screens import SCREENS
from edge.ui.technician.technician_client import TechnicianClient
from edge.ui.technician.technician_screen import TechnicianSession, TechScreen

LONG_PRESS_S = 2.0
HOT_ZONE = ("brand",)  # widget ids a long press opens technician mode on


class LongPress:
    """Mouse / touch down on a hot widget, held `seconds`, released on it: a long press."""

    def __init__(self, seconds: float = LONG_PRESS_S, ids: tuple[str, ...] = HOT_ZONE):
        self.seconds, self.ids = seconds, ids
        self._down: float | None = None

    def _hot(self, event) -> bool:
        widget = getattr(event, "widget", None)
        return widget is not None and widget.id in self.ids

    def down(self, event) -> None:
        self._down = time.monotonic() if self._hot(event) else None

    def up(self, event) -> bool:
        started, self._down = self._down, None
        return started is not None and self._hot(event) and time.monotonic() - started >= self.seconds


def open_technician(app) -> None:
    """Push the technician screens (home, and the PIN over it) over whatever the kiosk shows."""
    if isinstance(app.screen, TechScreen):
        return
    app.technician_session = TechnicianSession(TechnicianClient(app.client.base_url), SCREENS, from_kiosk=True)
    app.push_screen(SCREENS.home())
    app.push_screen(SCREENS.pin())
