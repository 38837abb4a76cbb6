"""`edge ui --mode cashier`: the cashier screens as their own Textual app, a pure client of the
core (on a second display next to the kiosk, or over SSH). Several can run on one core at once;
each has its own staff login. A keyboard-wedge scanner works here as on the kiosk: its burst of
keys becomes one POST /v1/scans and comes back as a `scan` event."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App
from textual.binding import Binding

from edge.ui.cashier.cashier_client import CashierClient
from edge.ui.cashier.login import LoginScreen
from edge.ui.core_client import CoreError
from edge.ui.core_events import CoreEvents
from edge.ui.wedge_keys import WedgeKeys
from edge.ui.widgets.plain import PlainNotices
from edge.ui.worker_messages import CoreEvent, CoreState



class CashierApp(PlainNotices, CoreEvents, WedgeKeys, App):
    CSS_PATH = "cashier.tcss"
    TITLE = "Matou cashier"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False)]

    def __init__(self, client: CashierClient, language: str = "zh"):
        super().__init__()
        self.animation_level = "none"
        self.client = self.cashier_client = client
        self.lang = self.start_language = language if language in ("zh", "en") else "zh"
        self.core_state = "connecting"
        self.init_wedge()
        self._stopping = threading.Event()

    def get_default_screen(self):
        return LoginScreen()

    def on_mount(self) -> None:
        self.watch_events()

    def on_unmount(self) -> None:
        self._stopping.set()
        self.client.close()

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def leave_cashier(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        login = self.screen_stack[0]
        login.chosen, login.pin, login.message = None, "", ""
        login.refresh(recompose=True)

    def on_core_state(self, message: CoreState) -> None:
        self.core_state = message.state

    def on_core_event(self, message: CoreEvent) -> None:
        handler = getattr(self.screen, "staff_event", None)
        if handler is not None:
            handler(message.kind, message.data)

    @work(thread=True, group="scan", description="wedge scan")
    def send_scan(self, text: str) -> None:
        try:
            self.client.scan(text)
        except CoreError as error:
            self._post(CoreState(self.core_state, error.message))


def create_cashier_app(core_url: str, language: str = "zh", screen: str = "") -> CashierApp:
    """The cashier UI for the core at `core_url` (`edge ui --mode cashier`); `screen` its screen id."""
    return CashierApp(CashierClient(core_url, screen=screen or None), language=language)
