"""The base of every cashier screen: works inside the cashier app (`edge ui --mode cashier`) and
on top of the kiosk (hidden key / long-press + PIN), both pure clients of the core.

The host app provides `cashier_client` (CashierClient) and `lang`. Core events reach the screen
on top through `staff_event(kind, data)` (True: handled). Calls to the core run in worker
threads (`call`); their results come back on the app's thread in `done(tag, result, error)`.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widgets import Button

from edge.money import format_fen
from edge.ui.cashier.cashier_texts import t
from edge.ui.core_client import CoreError
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label


def fen(value: object) -> str:
    return format_fen(int(value)) if isinstance(value, int) else "-"


def when(ms: object) -> str:
    return time.strftime("%m-%d %H:%M", time.localtime(ms / 1000)) if isinstance(ms, int) else "?"


STATUS_WORDS = ("placed", "voided", "refunded", "paid", "awaiting_payment")


def status_word(screen, order: dict) -> str:
    """An order's status in the screen's language, and "collected" once it was picked up."""
    word = screen.tr(f"status_{order['status']}") if order["status"] in STATUS_WORDS \
        else order["status"]
    return word + (f" {screen.tr('collected_tag')}" if order.get("collected_ms") else "")


class CashierMixin:
    CSS_PATH = "cashier.tcss"

    @property
    def client(self):
        return self.app.cashier_client  # type: ignore[attr-defined]

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "zh")

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def call(self, tag: str, fn, *args, **kwargs) -> None:
        """Run `fn(*args)` (a core call) in a thread; `done(tag, result, error)` gets the outcome."""
        def job() -> None:
            try:
                result, error = fn(*args, **kwargs), None
            except CoreError as exc:
                result, error = None, exc
            try:
                self.app.call_from_thread(self._finish, tag, result, error)
            except RuntimeError:  # the app closed meanwhile
                pass

        self.run_worker(job, thread=True, group=f"cashier-{tag}", description=f"cashier {tag}")  # type: ignore

    def _finish(self, tag: str, result, error) -> None:
        if self.is_attached:  # type: ignore[attr-defined]
            self.done(tag, result, error)

    def done(self, tag: str, result, error: CoreError | None) -> None:
        if error is not None:
            self.app.notify(self.tr("error", message=error.message), severity="error")  # type: ignore

    def staff_event(self, kind: str, data: dict) -> bool:
        return False

    def leave(self) -> None:
        """Log out: back to the login screen (cashier app) or to the customer (kiosk), in the app's
        own language (a cashier who switched to English leaves the kiosk in Chinese)."""
        self.client.logout()
        app = self.app  # type: ignore[attr-defined]
        start = getattr(app, "start_language", None)  # the staff member's language goes with them
        if start and app.lang != start:
            app.toggle_language()
        leave = getattr(app, "leave_cashier", None)
        if leave:
            leave()
            return
        while isinstance(app.screen, CashierMixin) and len(app.screen_stack) > 1:
            app.pop_screen()


class CashierScreen(CashierMixin, Screen):
    BINDINGS = [Binding("escape", "back", "Back", show=False)]

    def on_mount(self) -> None:
        self.add_class("cashier")

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1 and self.app.screen is self and not isinstance(self, HomeLike):
            self.app.pop_screen()


class HomeLike:
    """Marker: Escape does not leave this screen (log out does)."""


class CashierDialog(CashierMixin, ModalScreen):
    BINDINGS = [Binding("escape", "dismiss_dialog", "Cancel", show=False)]

    def on_mount(self) -> None:
        self.add_class("cashier")

    def action_dismiss_dialog(self) -> None:
        self.dismiss(None)


class CashierBar(Horizontal):
    """Top bar: title and who is logged in, language, log out."""

    def __init__(self, subtitle: str = "") -> None:
        super().__init__(id="cashier-bar")
        self.subtitle = subtitle

    def compose(self) -> ComposeResult:
        screen = self.screen
        staff = (screen.client.staff or {}).get("name", "")  # type: ignore[attr-defined]
        title = screen.tr("title") + (f" · {self.subtitle}" if self.subtitle else "")  # type: ignore
        yield Label(title, id="cashier-title")
        yield Label(staff, id="cashier-staff")
        yield TouchButton(screen.tr("lang"), id="cashier-lang")  # type: ignore[attr-defined]
        yield TouchButton(screen.tr("logout"), id="cashier-logout", variant="warning")  # type: ignore

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cashier-lang":
            event.stop()
            toggle = getattr(self.app, "toggle_language", None)
            if toggle:
                toggle()
            else:
                self.app.lang = "en" if self.app.lang == "zh" else "zh"  # type: ignore[attr-defined]
            self.screen.refresh(recompose=True)
        elif event.button.id == "cashier-logout":
            event.stop()
            self.screen.leave()  # type: ignore[attr-defined]
