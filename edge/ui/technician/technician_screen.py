"""What every technician screen shares: bilingual labels, the session, the digit keypad, the
screen base (header, footer, calls to the core in worker threads, session expiry) and the way
out of technician mode (`leave_technician`).

This module imports no screen: the screens the shared code opens (the PIN on session expiry,
the wizard's next step, the home screen the wizard returns to) come from the session's
`TechnicianScreens`, which edge/ui/technician/screens.py builds and whoever starts technician
mode (edge/ui/technician/technician_app.py, edge/ui/technician/kiosk_entry.py) hands over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.message import Message
from textual.screen import Screen

from edge.ui.core_client import CoreError
from edge.ui.technician.technician_client import TechnicianClient
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label

WORDS: dict[str, tuple[str, str]] = {
    "title": ("技术员", "Technician"),
    "back": ("返回", "Back"), "next": ("下一步", "Next"), "skip": ("跳过", "Skip"), "save": ("保存", "Save"),
    "done": ("完成", "Done"), "exit": ("退出", "Exit"), "refresh": ("刷新", "Refresh"), "ok": ("确定", "OK"),
    "provision": ("开通向导", "Provision"), "diagnostics": ("诊断", "Diagnostics"),
    "printers": ("打印机", "Printers"), "camera": ("摄像头", "Camera"), "stations": ("出单档口", "Stations"),
    "enroll": ("开通", "Enroll"), "device": ("设备", "Device"), "change_pin": ("修改 PIN", "Change PIN"),
    "pin_login": ("请输入技术员 PIN", "Technician PIN"),
    "pin_new": ("设置技术员 PIN（6-12 位）", "Set a technician PIN (6-12 digits)"),
    "pin_again": ("再输入一次", "Enter it again"),
    "pin_mismatch": ("两次不一致，请重新设置", "The two PINs differ: start again"),
    "not_set_up": ("此设备未设置技术员 PIN", "No technician PIN on this device"),
    "scan_lan": ("扫描局域网", "Scan LAN"), "address": ("输入地址", "Address"),
    "test_page": ("打印测试页", "Test page"), "use": ("使用", "Use"), "remove": ("删除", "Remove"),
    "check": ("检查", "Check"),
}


def bilingual(key: str) -> str:
    """The label for `key`, Chinese then English: bilingual("back") == "返回 Back"."""
    zh, en = WORDS[key]
    return f"{zh} {en}"


@dataclass(frozen=True)
class TechnicianScreens:
    """The screens that shared code opens without importing them (they import this module)."""

    home: type[Screen]  # the wizard's "done" goes back to it
    pin: Callable[[], Screen]  # pushed when the core says the technician session expired
    wizard: tuple[Callable[..., Screen], ...]  # the wizard's steps in order, each made with `step=n`


@dataclass
class TechnicianSession:
    client: TechnicianClient
    screens: TechnicianScreens
    from_kiosk: bool = False
    scan_subnet: str | None = None  # LAN printer scan: None = the device's own subnet (the core decides)
    scan_ports: list[int] | None = None  # None = [9100]


class Keypad(Grid):
    """Big keys; a tap posts `Keypad.Pressed(key)`. Keys: digits, ".", ":", "⌫" (delete), "C" (clear), "OK"."""

    DEFAULT_CSS = """
    Keypad { grid-size: 6; grid-gutter: 0 1; height: auto; grid-rows: 3; }
    Keypad > Button { width: 1fr; min-width: 5; }
    """

    class Pressed(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, keys: str = "1234567890", extra: tuple[str, ...] = ("⌫", "OK"), **kwargs):
        super().__init__(**kwargs)
        self.keys = [*keys, *extra]

    def compose(self) -> ComposeResult:
        names = {".": "dot", ":": "colon", "⌫": "del", "C": "clear", "OK": "ok"}
        for key in self.keys:
            yield TouchButton(key, id=f"key-{names.get(key, key)}", classes="key", value=key,
                              variant="primary" if key == "OK" else "default")

    def on_button_pressed(self, event) -> None:
        event.stop()
        self.post_message(self.Pressed(event.button.value))


KEY_NAMES = {"backspace": "⌫", "enter": "OK", "full_stop": ".", "colon": ":", "delete": "C"}


class TechScreen(Screen):
    """A technician screen: a one-line header, a body, a row of big buttons at the bottom."""

    BINDINGS = [Binding("escape", "back", "Back", show=False)]
    DEFAULT_CSS = """
    TechScreen { layout: vertical; }
    TechScreen .tech-header { height: 1; width: 100%; background: $primary; color: $text; text-style: bold;
                              padding: 0 1; }
    TechScreen .tech-body { height: 1fr; padding: 0 1; }
    TechScreen .tech-footer { height: 3; dock: bottom; }
    TechScreen .tech-footer Button { width: 1fr; min-width: 8; }
    TechScreen .message { color: $warning; height: auto; }
    TechScreen .good { color: $success; }
    TechScreen .bad { color: $error; }
    TechScreen .row { height: 3; }
    TechScreen .row Button { width: 1fr; min-width: 6; }
    TechScreen .row Label { height: 3; content-align: left middle; padding: 0 1; }
    """
    TITLE_KEY = "title"

    @property
    def tech(self) -> TechnicianSession:
        return self.app.technician_session  # type: ignore[attr-defined]

    @property
    def client(self) -> TechnicianClient:
        return self.tech.client

    def header(self, extra: str = "") -> Label:
        text = f"Matou · {bilingual('title')} · {bilingual(self.TITLE_KEY)}" + (f" · {extra}" if extra else "")
        return Label(text, classes="tech-header")

    def footer(self, *buttons: TouchButton) -> Horizontal:
        return Horizontal(*buttons, classes="tech-footer")

    def compose(self) -> ComposeResult:  # pragma: no cover - every screen has its own
        yield self.header()

    # -- talking to the core without blocking the screen ------------------------------------------
    def call(self, fn: Callable, *args, done: Callable | None = None, failed: Callable | None = None,
             group: str = "call") -> None:
        """Run `fn(*args)` in a worker thread; `done(result)` or `failed(CoreError)` on the screen."""

        def work() -> None:
            try:
                result = fn(*args)
            except CoreError as error:
                self._back(self._failed, error, failed)
            else:
                if done is not None:
                    self._back(done, result)

        self.run_worker(work, thread=True, group=group, exit_on_error=False)

    def _back(self, fn, *args) -> None:
        try:
            self.app.call_from_thread(fn, *args)
        except RuntimeError:  # the app stopped while the call ran
            pass

    def _failed(self, error: CoreError, failed: Callable | None) -> None:
        if error.code == "technician_login":
            self.notify("登录已过期 Session expired: enter the PIN again", severity="warning")
            self.app.push_screen(self.tech.screens.pin())
            return
        if failed is not None:
            failed(error)
        else:
            self.notify(error.message, severity="error", timeout=8)

    # -- navigation -----------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def on_button_pressed(self, event) -> None:
        if event.button.id == "back":
            event.stop()
            self.action_back()

    def on_key(self, event: events.Key) -> None:
        """Digits (and . : ⌫ ⏎) from a keyboard act like the keypad's keys."""
        key = KEY_NAMES.get(event.key, event.character if event.character and event.character.isdigit() else None)
        pads = list(self.query(Keypad))
        if key and pads and key in pads[0].keys:
            event.stop()
            self.post_message(Keypad.Pressed(key))


def leave_technician(app: Any) -> None:
    """Log out; pop every technician screen (back to the kiosk), or exit a stand-alone app."""
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


def _logout(client: TechnicianClient) -> None:
    try:
        client.logout()
    except CoreError:
        pass
    finally:
        client.close()
