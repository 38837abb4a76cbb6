"""Into technician mode from the kiosk, and out again.

The kiosk (edge/ui/kiosk_app.py) calls `open_technician(app)` on its hidden key (ctrl+t) or after a
long press (`LONG_PRESS_S`) on its title; the technician screens go over the kiosk's, starting
with the PIN. `leave(app)` logs out and takes them all away again — or ends the app when it is
the stand-alone `edge ui --mode technician`.
"""

from __future__ import annotations

import time

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
    from edge.ui.technician.technician_screen import TechnicianSession, TechScreen
    from edge.ui.technician.technician_client import TechnicianClient
    from edge.ui.technician.technician_home import HomeScreen
    from edge.ui.technician.pin import PinScreen

    if isinstance(app.screen, TechScreen):
        return
    app.technician_session = TechnicianSession(TechnicianClient(app.client.base_url), from_kiosk=True)
    app.push_screen(HomeScreen())
    app.push_screen(PinScreen())


def leave(app) -> None:
    """Log out; pop every technician screen (back to the kiosk), or exit a stand-alone app."""
    from edge.ui.technician.technician_screen import TechScreen

    session = getattr(app, "technician_session", None)
    if session is not None:
        client = session.client
        app.run_worker(lambda: _logout(client), thread=True, exit_on_error=False)
    below = [s for s in app.screen_stack if not isinstance(s, TechScreen)]
    if not below or not getattr(session, "from_kiosk", False):
        app.exit()
        return
    while isinstance(app.screen, TechScreen):
        app.pop_screen()


def _logout(client) -> None:
    from edge.ui.core_client import CoreError

    try:
        client.logout()
    except CoreError:
        pass
    finally:
        client.close()
