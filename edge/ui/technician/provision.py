"""The provisioning wizard's steps around enrollment: device name and ticket prefix, the
enrollment QR, and the summary at the end. Printers, stations and camera are in their modules.

Wizard (edge/ui/technician/wizard.py): device → enroll → printers → stations → camera → done,
in that order in edge/ui/technician/screens.py. Each step saves through the core at once (POST
/v1/technician/settings | /enroll); "Next" moves on, "Back" returns, and the same screens open
one by one from the home screen (then "Next" reads "Back").
"""

from __future__ import annotations

import string
import time

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from edge.ui.technician.technician_screen import Keypad, bilingual
from edge.ui.technician.wizard import WizardStep
from edge.ui.widgets.buttons import ToggleButton, TouchButton
from edge.ui.widgets.plain import Label

NAME_BASES = ("counter", "kiosk", "cashier", "kitchen")
LETTERS = string.ascii_uppercase


class DeviceScreen(WizardStep):
    """Device name = a base word + a number (digits only); ticket prefix = a letter (◀ ▶)."""

    TITLE_KEY = "device"
    DEFAULT_CSS = """
    DeviceScreen #name-bases { height: 3; }
    DeviceScreen #name-bases Button { width: 1fr; }
    DeviceScreen #device-name { height: 1; text-style: bold; }
    DeviceScreen #prefix-label { height: 3; width: auto; content-align: left middle; text-style: bold; }
    DeviceScreen #prefix-row { height: 3; }
    DeviceScreen #prefix-row Button { width: 8; min-width: 6; }
    DeviceScreen #prefix { width: 6; height: 3; content-align: center middle; text-style: bold; }
    """

    def __init__(self, step: int | None = None):
        super().__init__(step)
        self.base, self.number, self.prefix = "counter", "1", "A"
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("", id="device-name")
            with Horizontal(id="name-bases"):
                for base in NAME_BASES:
                    yield ToggleButton(base, id=f"base-{base}", value=base, selected=base == self.base)
            yield Keypad(extra=("⌫",), id="number-pad")
            with Horizontal(id="prefix-row"):
                yield Label("取餐号前缀 Ticket prefix", id="prefix-label")
                yield TouchButton("◀", id="prefix-prev")
                yield Label(self.prefix, id="prefix")
                yield TouchButton("▶", id="prefix-next")
        yield self.nav("save")

    def on_mount(self) -> None:
        self.call(self.client.state, done=self._loaded)

    def _loaded(self, state: dict) -> None:
        name, prefix = state["device"]["name"], state["device"]["ticket_prefix"]
        base, _, number = name.rpartition("-")
        if base in NAME_BASES and number.isdigit():
            self.base, self.number = base, number
        self.prefix = prefix[:1].upper() if prefix[:1].upper() in LETTERS else "A"
        self.loaded = True
        self._show()

    @property
    def device_name(self) -> str:
        return f"{self.base}-{self.number or '1'}"

    def _show(self) -> None:
        self.query_one("#device-name", Label).update(f"设备名称 Device name: {self.device_name}")
        self.query_one("#prefix", Label).update(self.prefix)
        for button in self.query(ToggleButton):
            button.selected = button.value == self.base

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        if event.key == "⌫":
            self.number = self.number[:-1]
        elif event.key.isdigit() and len(self.number) < 3:
            self.number = (self.number + event.key).lstrip("0") or "0"
        self._show()

    def on_button_pressed(self, event) -> None:
        button = event.button
        if button.id and button.id.startswith("base-"):
            self.base = button.value
        elif button.id in ("prefix-prev", "prefix-next"):
            step = -1 if button.id == "prefix-prev" else 1
            self.prefix = LETTERS[(LETTERS.index(self.prefix) + step) % len(LETTERS)]
        elif button.id == "next":
            event.stop()
            self.call(self.client.settings, {"device": {"name": self.device_name, "ticket_prefix": self.prefix}},
                      done=lambda _: self.go_next())
            return
        else:
            super().on_button_pressed(event)
            return
        event.stop()
        self._show()


class EnrollScreen(WizardStep):
    """Show the enrollment QR to the camera; the core keeps the code, we enroll with it.

    On an enrolled device "Enroll" only asks: the screen shows where the device is enrolled and
    where the code would move it, and only "Confirm" (sending the held code's id) enrolls again."""

    TITLE_KEY = "enroll"
    DEFAULT_CSS = """
    EnrollScreen #enroll-help { height: auto; margin-bottom: 1; }
    EnrollScreen #enroll-current, EnrollScreen #enroll-code { height: auto; margin-bottom: 1; }
    EnrollScreen #reenroll-box { height: auto; display: none; border: heavy $warning; padding: 0 1; }
    EnrollScreen #reenroll-box.shown { display: block; }
    EnrollScreen #reenroll-box Label { height: auto; }
    EnrollScreen #reenroll-buttons { height: 3; }
    """
    enrolled: dict | None = None
    held: dict | None = None
    asked: dict | None = None  # the held code the confirmation box asks about

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("请把开通二维码对准摄像头（由运营方 edge-upstream enroll-token 生成）\n"
                        "Show the enrollment QR code (from the operator: `edge-upstream enroll-token STORE`) "
                        "to the camera.", id="enroll-help")
            yield Label("…", id="enroll-current")
            yield Label("等待扫码 Waiting for the code…", id="enroll-code")
            yield Label("", id="enroll-message", classes="message")
            with Vertical(id="reenroll-box"):
                yield Label("", id="reenroll-question")
                with Horizontal(id="reenroll-buttons"):
                    yield TouchButton("取消 Cancel", id="reenroll-cancel")
                    yield TouchButton("确认重新开通 Confirm re-enrollment", id="reenroll-confirm", variant="warning")
        yield self.nav("next", TouchButton(bilingual("enroll"), id="enroll", variant="success", disabled=True))

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(1.0, self.poll)

    def poll(self) -> None:
        self.call(self.client.state, done=self._state, group="poll")

    def _state(self, state: dict) -> None:
        e, code = state.get("enrollment"), state.get("enroll_code")
        self.enrolled, self.held = e, code
        if self.asked and (not code or code["id"] != self.asked["id"]):
            self._ask(None)  # the code changed or expired: ask again about the new one
        self.query_one("#enroll-current", Label).update(
            f"现在 Now: store {e['store_id']}, role {e['role']}, {e['status']} ({e['upstream']})" if e else
            "现在 Now: 未开通 not enrolled")
        if code:
            left = code["expires_s"] - int(time.time())
            text = (f"已扫到 Code for store {code['store_id']}, role {code['role']}, upstream {code['upstream']}, "
                    + (f"valid {left // 60} min {left % 60} s" if left > 0 else "EXPIRED: ask for a new code"))
        else:
            text = "等待扫码 Waiting for the code…" + (f"  ({state['enroll_code_problem']})"
                                                  if state.get("enroll_code_problem") else "")
        self.query_one("#enroll-code", Label).update(text)
        self.query_one("#enroll", TouchButton).disabled = not code

    def on_button_pressed(self, event) -> None:
        if event.button.id == "enroll":
            event.stop()
            if self.enrolled and self.held:
                self._ask(self.held)
                return
            self._start(None)
            return
        if event.button.id == "reenroll-confirm" and self.asked:
            event.stop()
            self._start(self.asked["id"])
            self._ask(None)
            return
        if event.button.id == "reenroll-cancel":
            event.stop()
            self._ask(None)
            return
        super().on_button_pressed(event)

    def _ask(self, code: dict | None) -> None:
        """Show (or hide) the re-enrollment question about `code`, the held code."""
        self.asked = code
        box = self.query_one("#reenroll-box", Vertical)
        box.set_class(code is not None, "shown")
        if code and self.enrolled:
            e = self.enrolled
            self.query_one("#reenroll-question", Label).update(
                f"⚠ 本设备已开通 This device is enrolled with store {e['store_id']} ({e['upstream']}).\n"
                f"重新开通到 Move it to store {code['store_id']}, role {code['role']}, upstream {code['upstream']}"
                f" (key {code.get('upstream_key', '?')}…)?\n"
                "它的订单和付款将发往新的上游 Its orders and payments will go to the new upstream.")

    def _start(self, confirm: str | None) -> None:
        self.query_one("#enroll", TouchButton).disabled = True
        self.query_one("#enroll-message", Label).update("正在开通 Enrolling…")
        self.call(self.client.enroll, confirm, done=self._enrolled, failed=self._failed_enroll)

    def _enrolled(self, e: dict) -> None:
        label = self.query_one("#enroll-message", Label)
        label.update(f"✔ 已开通 Enrolled: device {e['device_id']}, store {e['store_id']}, role {e['role']}")
        label.add_class("good")
        self.poll()

    def _failed_enroll(self, error) -> None:
        label = self.query_one("#enroll-message", Label)
        label.remove_class("good")
        label.update(f"✖ {error.message}")
        self.poll()


class DoneScreen(WizardStep):
    TITLE_KEY = "done"
    DEFAULT_CSS = "DoneScreen #done-summary { height: auto; }"

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("…", id="done-summary")
        yield self.footer(TouchButton(bilingual("back"), id="back"),
                          TouchButton(bilingual("done"), id="finish", variant="success"))

    def on_mount(self) -> None:
        self.call(self.client.state, done=self._summary)

    def _summary(self, state: dict) -> None:
        e, device = state.get("enrollment"), state["device"]
        printers = ", ".join(f"{n} ({p['profile']})" for n, p in state["printers"].items()) or "无 none"
        stations = ", ".join(f"{s}→{p}" for s, p in state["stations"].items()) or "无 none"
        enrollment = "store " + e["store_id"] + " (" + e["status"] + ")" if e else "未开通 not enrolled"
        lines = [f"设备 Device: {device['name']}, 前缀 prefix {device['ticket_prefix']}",
                 f"开通 Enrollment: {enrollment}",
                 f"打印机 Printers: {printers}", f"档口 Stations: {stations}",
                 f"摄像头 Camera: {state['scanner']['source'] or '无 none'}",
                 f"设置保存在 Saved in {state['settings_file']}"]
        self.query_one("#done-summary", Label).update("\n".join(lines))

    def on_button_pressed(self, event) -> None:
        if event.button.id == "finish":
            event.stop()
            home = self.tech.screens.home
            while not isinstance(self.app.screen, home) and len(self.app.screen_stack) > 1:
                self.app.pop_screen()
            return
        super().on_button_pressed(event)
