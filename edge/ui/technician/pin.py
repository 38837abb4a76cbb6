"""The way in: the technician PIN on a digit keypad (or setting one on a fresh device).

- a PIN is set on this device (or the store has technician PINs): enter it; wrong PINs count
  towards the core's lockout, which the screen shows ("try again in 30 s");
- no PIN yet and the device was never used (`fresh`: no enrollment, printer, settings or order):
  choose a PIN (6-12 digits, twice) — the first provisioning step;
- no PIN but the device is set up (a demo, a device in use): refused, with the way to set one on
  the device's console (`edge technician set-pin`); the core refuses it through the API too.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical

from edge.ui.technician.technician_screen import Keypad, TechScreen, bilingual, leave_technician
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label

MAX_DIGITS = 12


class PinScreen(TechScreen):
    TITLE_KEY = "pin_login"
    DEFAULT_CSS = """
    PinScreen #pin-display { height: 3; border: round $primary; width: 30; content-align: center middle; }
    PinScreen #pin-prompt { height: auto; text-style: bold; }
    """

    def __init__(self, change: bool = False):
        super().__init__()
        self.change = change
        self.mode = "set" if change else "loading"  # loading | login | set | confirm | refused
        self.digits, self.first = "", ""

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("", id="pin-prompt")
            yield Label("", id="pin-display")
            yield Label("", id="pin-message", classes="message")
            yield Keypad(id="pin-pad")
        yield self.footer(TouchButton(bilingual("back") if self.change else bilingual("exit"), id="back"))

    def on_mount(self) -> None:
        self._show()
        if self.mode == "loading":
            self.call(self.client.state, done=self._state)

    def _state(self, state: dict) -> None:
        if state["pin_set"]:
            self.mode = "login"
            if state.get("locked_for_s"):
                self._message(f"锁定中 Locked: try again in {state['locked_for_s']} s")
        elif state["fresh"]:
            self.mode = "set"
            self._message("首次设置 First setup: choose the PIN technicians will use on this device")
        else:
            self.mode = "refused"
            self._message("Set one on the device's console (or over SSH): `edge technician set-pin`, or ask the "
                          "operator for the store's technician PIN (`edge-upstream staff set --role technician`)")
        self._show()

    def _show(self) -> None:
        prompt = {"loading": "…", "login": bilingual("pin_login"), "set": bilingual("pin_new"),
                  "confirm": bilingual("pin_again"), "refused": bilingual("not_set_up")}[self.mode]
        self.query_one("#pin-prompt", Label).update(prompt)
        self.query_one("#pin-display", Label).update("●" * len(self.digits) or " ")
        self.query_one("#pin-pad").display = self.mode in ("login", "set", "confirm")

    def _message(self, text: str, good: bool = False) -> None:
        label = self.query_one("#pin-message", Label)
        label.update(text)
        label.set_class(good, "good")

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        if self.mode not in ("login", "set", "confirm"):
            return
        if event.key == "⌫":
            self.digits = self.digits[:-1]
        elif event.key == "OK":
            self._submit()
        elif event.key.isdigit() and len(self.digits) < MAX_DIGITS:
            self.digits += event.key
        self._show()

    def _submit(self) -> None:
        pin, self.digits = self.digits, ""
        if not pin:
            return
        if self.mode == "login":
            self.call(self.client.login, pin, done=self._in, failed=self._refused)
        elif self.mode == "set":
            self.first, self.mode = pin, "confirm"
            self._message("")
        elif self.mode == "confirm":
            if pin != self.first:
                self.mode, self.first = "set", ""
                self._message(bilingual("pin_mismatch"))
            else:
                self.call(self.client.set_pin, pin, done=self._in, failed=self._refused)
                self.first = ""
        self._show()

    def _refused(self, error) -> None:
        if self.mode == "confirm":
            self.mode = "set"
        self._message(error.message)
        self._show()

    def _in(self, _: dict) -> None:
        if self.change:
            self.notify("PIN 已修改 PIN changed")
        self.app.pop_screen()

    def action_back(self) -> None:
        if self.change:
            super().action_back()
            return
        leave_technician(self.app)
