"""Staff modes on the kiosk: the hook the kiosk app calls (edge/ui/kiosk_app.py, `StaffHooks`).

- The kiosk's hidden key (ctrl+k) or a long press (2 s) on its status line calls `open()`: the
  cashier's PIN login, then the cashier screens on top of the kiosk (ctrl+t / a long press on
  the title are the technician's, edge/ui/technician/kiosk_entry.py). Modes added with `register_mode`
  are offered in a switch screen first.
- While a staff screen is on top, the core's events go to it first (`core_event`): scans are
  the staff screen's, not the customer's.
- After `idle_timeout` s without a touch or a key, the kiosk goes back to its start screen with
  an empty cart, and a staff member still logged in on it is logged out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from edge.ui.cashier.cashier_client import CashierClient
from edge.ui.cashier.cashier_screen import CashierMixin, CashierScreen
from edge.ui.cashier.cashier_texts import t
from edge.ui.cashier.login import LoginScreen
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label

IDLE_CHECK_S = 1.0
DEFAULT_IDLE_S = 120.0
BUSY_SCREENS = ("edge.ui.technician", "edge.ui.screens.pay")  # the idle timer leaves these alone

# name -> ((zh, en) label, opener(app)); cashier is built in
STAFF_MODES: dict[str, tuple[tuple[str, str], Callable]] = {}


def register_mode(name: str, label: tuple[str, str], opener: Callable) -> None:
    """Offer another staff mode in the switch (e.g. technician: its own login, its own screens)."""
    STAFF_MODES[name] = (label, opener)


def open_cashier(app) -> None:
    if getattr(app, "cashier_client", None) is None:
        app.cashier_client = CashierClient(app.client.base_url, screen=app.client.screen_id)  # one screen, one id
    app.push_screen(LoginScreen())


class ModeSwitchScreen(CashierScreen):
    def compose(self) -> ComposeResult:
        with Vertical(id="mode-box"):
            yield Label(self.tr("mode_title"), classes="c-heading")
            with Horizontal(classes="c-actions"):
                yield TouchButton(self.tr("mode_cashier"), id="mode-cashier", classes="mode", value="cashier",
                                  variant="primary")
                for name, (label, _) in STAFF_MODES.items():
                    yield TouchButton(label[self.lang == "en"], id=f"mode-{name}", classes="mode", value=name)
            yield TouchButton(self.tr("back_to_kiosk"), id="mode-back")

    @on(Button.Pressed, ".mode")
    def choose(self, event: Button.Pressed) -> None:
        self.app.pop_screen()
        if event.button.value == "cashier":
            open_cashier(self.app)
        else:
            STAFF_MODES[event.button.value][1](self.app)

    @on(Button.Pressed, "#mode-back")
    def back(self) -> None:
        self.app.pop_screen()


class StaffHooks:
    """What the kiosk app delegates: staff mode entry, event routing, inactivity."""

    def __init__(self, app, idle_timeout: float = DEFAULT_IDLE_S) -> None:
        self.app, self.idle_timeout = app, idle_timeout
        self.last_input = time.monotonic()

    def start(self) -> None:
        if self.idle_timeout:
            self.app.set_interval(min(IDLE_CHECK_S, self.idle_timeout / 2), self.check_idle, name="idle")

    def open(self) -> None:
        if any(isinstance(s, (CashierMixin, ModeSwitchScreen)) for s in self.app.screen_stack):
            return
        if STAFF_MODES:
            self.app.push_screen(ModeSwitchScreen())
        else:
            open_cashier(self.app)

    def input(self, event: events.Event) -> None:
        """Every key and touch resets the inactivity timer."""
        if isinstance(event, (events.Key, events.MouseDown, events.MouseUp)):
            self.last_input = time.monotonic()

    def core_event(self, kind: str, data: dict) -> bool:
        """True when a staff screen on top took the event (the kiosk must not act on it)."""
        handler = getattr(self.app.screen, "staff_event", None)
        if handler is None:
            return False
        return bool(handler(kind, data)) or kind == "scan"

    def check_idle(self) -> None:
        app = self.app
        if time.monotonic() - self.last_input < self.idle_timeout or getattr(app, "placing", False):
            return
        if any(type(s).__module__.startswith(BUSY_SCREENS) for s in app.screen_stack):
            return  # a technician at work, or a payment under way, is not a customer who walked away
        draft = app.draft
        if len(app.screen_stack) == 1 and draft.cart.is_empty() and not draft.service and not draft.table:
            return
        client = getattr(app, "cashier_client", None)
        if client is not None and any(isinstance(s, CashierMixin) for s in app.screen_stack):
            client.logout()
        draft.placed()
        app.cart_changed()
        app.table_changed()
        app.back_to_start()
        self.last_input = time.monotonic()


__all__ = ["StaffHooks", "register_mode", "t"]
