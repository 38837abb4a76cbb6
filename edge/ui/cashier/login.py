"""Staff login: tap your name, type the PIN on the keypad (or the keyboard), OK. Wrong PINs say
how many tries are left; after 5 the core locks the name for a growing time and says so."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button

from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.cashier_screen import CashierScreen, HomeLike
from edge.ui.widgets.buttons import ToggleButton, TouchButton
from edge.ui.widgets.plain import Label

PIN_MAX = 12


class LoginScreen(HomeLike, CashierScreen):
    def __init__(self, then=None) -> None:
        super().__init__()
        self.staff: list[dict] = []
        self.chosen: str | None = None
        self.pin = ""
        self.message = ""
        self.then = then  # what to show after a good PIN (default: the cashier home)

    def compose(self) -> ComposeResult:
        with Horizontal(id="cashier-bar"):
            yield Label(f"{self.tr('title')} · {self.tr('choose_staff')}", id="cashier-title")
            yield TouchButton(self.tr("lang"), id="cashier-lang")
            if getattr(self.app, "leave_cashier", None) is None:
                yield TouchButton(self.tr("back_to_kiosk"), id="back-to-kiosk")
        with Horizontal(id="login-body"):
            with Grid(id="staff-list"):
                for s in self.staff:
                    yield ToggleButton(s["name"], selected=s["staff_id"] == self.chosen, id=f"staff-{s['staff_id']}",
                                       classes="staff", value=s["staff_id"])
            with Vertical(id="pin-column"):
                yield Label(self.tr("pin"), classes="c-label")
                yield Label("●" * len(self.pin) or " ", id="pin-display")
                with Grid(id="pin-pad"):
                    for key in "123456789":
                        yield TouchButton(key, id=f"key-{key}", classes="pin-key", value=key)
                    yield TouchButton(self.tr("clear"), id="key-clear", classes="pin-key")
                    yield TouchButton("0", id="key-0", classes="pin-key", value="0")
                    yield TouchButton(self.tr("ok"), id="key-ok", classes="pin-key", variant="primary")
                yield Label(self.message, id="login-message")

    def on_mount(self) -> None:
        super().on_mount()
        self.call("staff", self.client.staff_list)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.call("staff", self.client.staff_list)  # after a log out: the list as it is now

    def staff_event(self, kind: str, data: dict) -> bool:
        """The staff list synced from upstream changed: show it without 刷新 (a new cashier can log in)."""
        if kind in ("staff.changed", "resync"):
            self.call("staff", self.client.staff_list)
        return False

    def done(self, tag, result, error) -> None:
        if tag == "staff" and error is None:
            if result == self.staff:
                return  # unchanged: keep the PIN being typed and the focus
            self.staff = result
            if len(result) == 1:
                self.chosen = result[0]["staff_id"]
            elif self.chosen not in {s["staff_id"] for s in result}:
                self.chosen = None
            self.refresh(recompose=True)
        elif tag == "login":
            self.pin = ""
            if error is None:
                self.app.notify(self.tr("logged_in", name=result["name"]))
                following = self.then() if self.then else HomeScreen()
                if self.app.screen_stack[0] is self:  # the cashier app's base screen: stays below
                    self.refresh(recompose=True)
                    self.app.push_screen(following)
                else:  # on top of the kiosk: the login gives way
                    self.app.switch_screen(following)
                return
            detail = getattr(error, "detail", {}) or {}
            if error.code == "locked":
                self.message = self.tr("locked", seconds=detail.get("retry_after_s", "?"))
            elif error.code in ("bad_pin", "unknown_staff"):
                self.message = self.tr("bad_pin", left=detail.get("attempts_left", "?"))
            elif error.code == "not_cashier":  # a technician: the core keeps them out of cashier mode
                self.message = self.tr("not_cashier")
            else:
                self.message = self.tr("error", message=error.message)
            self.refresh(recompose=True)
        else:
            super().done(tag, result, error)

    @on(Button.Pressed, ".staff")
    def choose(self, event: Button.Pressed) -> None:
        self.chosen = event.button.value
        for button in self.query(".staff").results(ToggleButton):
            button.selected = button.value == self.chosen

    @on(Button.Pressed, ".pin-key")
    def key(self, event: Button.Pressed) -> None:
        if event.button.id == "key-clear":
            self.pin = ""
        elif event.button.id == "key-ok":
            self.submit()
            return
        elif len(self.pin) < PIN_MAX:
            self.pin += event.button.value
        self.query_one("#pin-display", Label).update("●" * len(self.pin) or " ")

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit() and event.character.isascii() and len(self.pin) < PIN_MAX:
            self.pin += event.character
        elif event.key == "backspace":
            self.pin = self.pin[:-1]
        elif event.key == "enter":
            self.submit()
            return
        else:
            return
        event.stop()
        self.query_one("#pin-display", Label).update("●" * len(self.pin) or " ")

    def submit(self) -> None:
        if not self.chosen:
            self.message = self.tr("pick_staff_first")
            self.query_one("#login-message", Label).update(self.message)
            return
        self.call("login", self.client.login, self.chosen, self.pin)

    @on(Button.Pressed, "#cashier-lang")
    def switch_language(self) -> None:
        toggle = getattr(self.app, "toggle_language", None)
        if toggle:
            toggle()
        self.refresh(recompose=True)

    @on(Button.Pressed, "#back-to-kiosk")
    def back_to_kiosk(self) -> None:
        self.leave()
