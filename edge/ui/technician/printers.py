"""Printers: the configured ones, a LAN scan on request, an address on the digit keypad; per
printer a test page per profile and "use" (stations: edge/ui/technician/stations.py).

The LAN scan runs in the core (POST /v1/technician/printers/scan): the device's own subnet, at
most a /24; `TechnicianSession.scan_subnet` / `scan_ports` pin the range (tests use loopback).
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Grid, Vertical, VerticalScroll

from edge.ui.technician.stations import StationsScreen
from edge.ui.technician.technician_screen import Keypad, TechScreen, bilingual
from edge.ui.technician.wizard import WizardStep
from edge.ui.widgets.buttons import ToggleButton, TouchButton, safe_id
from edge.ui.widgets.plain import Label

ADDRESS_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$")


def printer_name(url: str, taken) -> str:
    """'printer-50' for tcp://192.168.1.50:9100 ('printer-50-9101' on another port), unique."""
    match = re.match(r"^tcp://(?:\d+\.){3}(\d+):(\d+)$", url)
    base = f"printer-{match[1]}" + ("" if match[2] == "9100" else f"-{match[2]}") if match else "printer"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


class PrintersScreen(WizardStep):
    TITLE_KEY = "printers"
    DEFAULT_CSS = """
    PrintersScreen .printer { width: 100%; }
    PrintersScreen .section { height: 1; text-style: bold; margin-top: 1; }
    """

    def __init__(self, step: int | None = None):
        super().__init__(step)
        self.state: dict | None = None
        self.found: list[dict] = []

    def compose(self) -> ComposeResult:
        yield self.header()
        with VerticalScroll(classes="tech-body", id="printers-body"):
            yield Label("已配置 Configured", classes="section")
            yield Vertical(id="configured")
            yield Label("", id="scan-message", classes="message")
            yield Vertical(id="found")
        extra = [TouchButton(bilingual("scan_lan"), id="scan"), TouchButton(bilingual("address"), id="address")]
        if self.step is None:
            extra.append(TouchButton(bilingual("stations"), id="stations"))
        yield self.nav("next", *extra)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(self.client.state, done=self._state, group="state")

    async def _state(self, state: dict) -> None:
        self.state = state
        box = self.query_one("#configured", Vertical)
        await box.remove_children()
        rows = [TouchButton(f"{name}  {p['url']}  {p['profile']}", id=safe_id("printer", name), classes="printer",
                            value=name) for name, p in state["printers"].items()]
        await box.mount_all(rows or [Label("无 none: scan the LAN or enter an address")])

    def on_button_pressed(self, event) -> None:
        button = event.button
        if button.id == "scan":
            event.stop()
            button.disabled = True
            self.query_one("#scan-message", Label).update("正在扫描 Scanning…")
            self.call(self.client.scan_printers, self.tech.scan_subnet, self.tech.scan_ports,
                      done=self._scanned, failed=self._scan_failed, group="scan")
        elif button.id == "address":
            event.stop()
            self.app.push_screen(AddressScreen())
        elif button.id == "stations":
            event.stop()
            self.app.push_screen(StationsScreen())
        elif button.has_class("printer") and self.state:
            event.stop()
            name = button.value
            printer = self.state["printers"][name]
            self.app.push_screen(PrinterSetupScreen(printer["url"], name=name, profile=printer["profile"]))
        elif button.has_class("found"):
            event.stop()
            self.app.push_screen(PrinterSetupScreen(self.found[int(button.value)]["url"]))
        else:
            super().on_button_pressed(event)

    async def _scanned(self, result: dict) -> None:
        self.query_one("#scan", TouchButton).disabled = False
        self.found = result["found"]
        self.query_one("#scan-message", Label).update(
            f"{result['network']}: {len(self.found)} 个开放 open of {result['scanned']} ({result['took_s']} s)")
        box = self.query_one("#found", Vertical)
        await box.remove_children()
        await box.mount_all([
            TouchButton(f"{f['url']}  "
                        + ("打印机 printer " + f["state"] if f["printer"] else "不像打印机 not a printer?"),
                        id=f"found-{n}", classes="found printer-found", value=str(n))
            for n, f in enumerate(self.found)])

    def _scan_failed(self, error) -> None:
        self.query_one("#scan", TouchButton).disabled = False
        self.query_one("#scan-message", Label).update(f"✖ {error.message}")


class AddressScreen(TechScreen):
    """A printer's IP address (and :port) from the digit keypad."""

    TITLE_KEY = "address"
    DEFAULT_CSS = "AddressScreen #address-display { height: 3; border: round $primary; width: 40; }"

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def compose(self) -> ComposeResult:
        yield self.header()
        with Vertical(classes="tech-body"):
            yield Label("打印机地址 Printer address (IP, optional :port; default port 9100)")
            yield Label(" ", id="address-display")
            yield Label("", id="address-message", classes="message")
            yield Keypad("1234567890.:", extra=("⌫", "C", "OK"), id="address-pad")
        yield self.footer(TouchButton(bilingual("back"), id="back"))

    def on_keypad_pressed(self, event: Keypad.Pressed) -> None:
        if event.key == "⌫":
            self.text = self.text[:-1]
        elif event.key == "C":
            self.text = ""
        elif event.key == "OK":
            self.submit()
            return
        elif len(self.text) < 21:
            self.text += event.key
        self.query_one("#address-display", Label).update(self.text or " ")

    def submit(self) -> None:
        match = ADDRESS_RE.match(self.text)
        if not match or any(int(part) > 255 for part in match.groups()[:4]) or \
                (match[5] and not 0 < int(match[5]) < 65536):
            self.query_one("#address-message", Label).update("✖ 地址不对 Not an address: e.g. 192.168.1.50 or "
                                                             "192.168.1.50:9100")
            return
        host = ".".join(str(int(part)) for part in match.groups()[:4])
        self.app.switch_screen(PrinterSetupScreen(f"tcp://{host}:{int(match[5] or 9100)}"))


class PrinterSetupScreen(TechScreen):
    """One printer: its status, a test page per profile, then use it (or remove it)."""

    TITLE_KEY = "printers"
    DEFAULT_CSS = """
    PrinterSetupScreen #profiles { grid-size: 4; grid-rows: 3; height: auto; grid-gutter: 0 1; }
    PrinterSetupScreen #profiles Button { width: 1fr; min-width: 8; }
    PrinterSetupScreen #printer-status, PrinterSetupScreen #test-outcome { height: auto; }
    """

    def __init__(self, url: str, name: str | None = None, profile: str | None = None):
        super().__init__()
        self.url, self.printer, self.profile = url, name, profile or "80mm-gb18030"
        self.state: dict | None = None
        self.tested: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield self.header(self.printer or "")
        with VerticalScroll(classes="tech-body"):
            yield Label(f"{self.url}", id="printer-url")
            yield Label("正在检查 Checking…", id="printer-status")
            yield Grid(id="profiles")
            yield Label("选一个纸宽/编码，打印测试页，读纸上的结果 Pick a profile, print the test page, read the paper",
                        id="test-outcome")
        buttons = [TouchButton(bilingual("back"), id="back"), TouchButton(bilingual("test_page"), id="test-page"),
                   TouchButton(bilingual("use"), id="use", variant="success")]
        if self.printer:
            buttons.append(TouchButton(bilingual("remove"), id="remove", variant="error"))
        yield self.footer(*buttons)

    def on_mount(self) -> None:
        self.call(self.client.state, done=self._state)
        self.call(self.client.probe, self.url, done=self._probed, group="probe")

    async def _state(self, state: dict) -> None:
        self.state = state
        grid = self.query_one("#profiles", Grid)
        await grid.mount_all([ToggleButton(p["name"], id=safe_id("profile", p["name"]), value=p["name"],
                                           selected=p["name"] == self.profile) for p in state["profiles"]])

    def _probed(self, result: dict) -> None:
        label = self.query_one("#printer-status", Label)
        if result["printer"]:
            label.update(f"✔ 打印机 ESC/POS printer: {result['state']} ({result['detail']})")
        else:
            label.update(f"✖ {result['detail']} — 这不像打印机 this does not answer like an ESC/POS printer")
        label.set_class(not result["printer"], "bad")

    def on_button_pressed(self, event) -> None:
        button = event.button
        if isinstance(button, ToggleButton):
            event.stop()
            self.profile = button.value
            for toggle in self.query(ToggleButton):
                toggle.selected = toggle.value == self.profile
        elif button.id == "test-page":
            event.stop()
            button.disabled = True
            self.query_one("#test-outcome", Label).update(f"正在打印 Printing the test page ({self.profile})…")
            self.call(self.client.print_test, self.url, self.profile, done=self._printed, failed=self._print_failed)
        elif button.id == "use" and self.state is not None:
            event.stop()
            printers = {n: dict(p) for n, p in self.state["printers"].items()}
            name = self.printer or printer_name(self.url, printers)
            printers[name] = {"url": self.url, "profile": self.profile}
            self.call(self.client.settings, {"printers": printers}, done=self._saved)
        elif button.id == "remove" and self.state is not None:
            event.stop()
            printers = {n: p for n, p in self.state["printers"].items() if n != self.printer}
            stations = {s: p for s, p in self.state["stations"].items() if p != self.printer}
            self.call(self.client.settings, {"printers": printers, "stations": stations}, done=self._saved)
        else:
            super().on_button_pressed(event)

    def _printed(self, result: dict) -> None:
        self.query_one("#test-page", TouchButton).disabled = False
        self.tested[self.profile] = result.get("outcome", "?")
        status = result.get("status") or {}
        self.query_one("#test-outcome", Label).update(
            f"{self.profile}: {result.get('outcome')} (status {status.get('state', '?')})\n"
            "1 对 ok → *-gb18030, 只有 2 对 only 2 → *-gbk, 只有 3 对 only 3 → *-raster; "
            "最长一行的尺 the longest ruler on one line → 48: 80mm, 42: 76mm, 32: 58mm")

    def _print_failed(self, error) -> None:
        self.query_one("#test-page", TouchButton).disabled = False
        self.query_one("#test-outcome", Label).update(f"✖ {error.message}")

    def _saved(self, state: dict) -> None:
        self.notify("已保存 Saved")
        self.app.pop_screen()
