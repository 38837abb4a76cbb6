"""The customer kiosk: a Textual app that is a pure client of the core's local HTTP API.

`create_app(core_url, language)` is the one factory used by `edge ui`, `edge run`, the demo
and the tests. Worker threads talk to the core (menu, status, placing, wedge scans, the SSE
event stream) and post messages; the app reacts on its own thread and tells screens through signals.

Scanning has one path: a camera read (in the core) or a keyboard-wedge scanner's burst of
keystrokes (caught here, sent with POST /v1/scans) comes back as a `scan` event on the stream.
A table code binds the order to its table wherever the customer is; payment codes and refused
codes are shown as a short notice (masked, never the code's text).
"""

from __future__ import annotations

import threading

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.signal import Signal

from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.switch import StaffHooks
from edge.ui.core_client import CoreClient, CoreError
from edge.ui.core_events import CoreEvents
from edge.ui.i18n import LANGUAGES, other_language, t
from edge.ui.menu_view import MenuView
from edge.ui.order_draft import OrderDraft
from edge.ui.scans import scan_notice
from edge.ui.screens.arrow_keys import ARROW_BINDINGS, ArrowKeys
from edge.ui.screens.error import ErrorDialog
from edge.ui.screens.menu_screen import MenuScreen
from edge.ui.screens.pay import PayScreen
from edge.ui.screens.placed import PlacedScreen
from edge.ui.technician.kiosk_entry import LongPress, open_technician
from edge.ui.technician.technician_app import create_technician_app
from edge.ui.wedge_keys import WedgeKeys
from edge.ui.widgets.plain import PlainNotices
from edge.ui.worker_messages import (CoreEvent, CoreState, MenuFailed, MenuLoaded, OrderFailed, OrderPlaced,
                                     ScanFailed, StartOver, StatusLoaded)


class KioskPayScreen(ArrowKeys, PayScreen):
    """The pay screen on the kiosk: arrow keys move between its buttons like every kiosk screen."""

    BINDINGS = ARROW_BINDINGS


CAMERA_PROBLEMS = {"camera offline": "camera_offline", "source ended": "camera_ended"}
NOTICE_S = 6.0


class KioskApp(PlainNotices, CoreEvents, WedgeKeys, App):
    CSS_PATH = "app.tcss"
    TITLE = "Matou kiosk"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False),
                Binding("ctrl+t", "technician", "Technician", show=False),  # hidden: technician mode + PIN
                Binding("ctrl+k", "cashier", "Cashier", show=False)]  # hidden: cashier mode + PIN
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    def action_help_quit(self) -> None:
        """Ctrl+C: Textual's own hint is English; the kiosk says it in the customer's language."""
        self.notify(t("quit_hint", self.lang))

    def __init__(self, client: CoreClient, language: str = "zh", placed_timeout: float = 30.0,
                 idle_timeout: float = 120.0):
        super().__init__()
        self.animation_level = "none"
        self.client = client
        self.lang = self.start_language = language if language in LANGUAGES else "zh"
        self.placed_timeout = placed_timeout
        self.menu: MenuView | None = None
        self.menu_error: CoreError | None = None
        self.draft = OrderDraft()
        self.placing = False
        self.last_order: dict | None = None
        self.core_state = "connecting"
        self.printer_problems: dict[str, str] = {}
        self.camera_problem: str | None = None  # "camera offline" | "source ended"
        self.sync_problem: tuple[str, int] | None = None  # (state, pending) while an enrolled device cannot sync
        self.init_wedge()
        self._stopping = threading.Event()
        self._long_press = LongPress()  # on the title: technician mode (edge/ui/technician/kiosk_entry.py)
        self._cashier_press = LongPress(ids=("status",))  # on the status line: cashier mode
        self.staff_hooks = StaffHooks(self, idle_timeout)  # cashier mode, inactivity (edge/ui/cashier/switch.py)
        self.lang_signal: Signal[str] = Signal(self, "lang")
        self.menu_signal: Signal[object] = Signal(self, "menu")
        self.cart_signal: Signal[object] = Signal(self, "cart")
        self.status_signal: Signal[object] = Signal(self, "status")
        self.placing_signal: Signal[bool] = Signal(self, "placing")
        self.table_signal: Signal[str] = Signal(self, "table")

    def action_technician(self) -> None:
        open_technician(self)

    def action_cashier(self) -> None:
        self.staff_hooks.open()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._long_press.down(event)
        self._cashier_press.down(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._long_press.up(event):
            open_technician(self)
        if self._cashier_press.up(event):
            self.staff_hooks.open()

    def get_default_screen(self):
        return MenuScreen()

    def on_mount(self) -> None:
        self.load_menu()
        self.load_status()
        self.watch_events()
        self.staff_hooks.start()

    def on_unmount(self) -> None:
        self._stopping.set()
        self.client.close()  # interrupts the event stream's blocking read

    # -- workers: threads that talk to the core and post messages ---------------------------
    @work(thread=True, exclusive=True, group="menu")
    def load_menu(self) -> None:
        try:
            self._post(MenuLoaded(self.client.menu()))
        except CoreError as error:
            self._post(MenuFailed(error))

    @work(thread=True, exclusive=True, group="status")
    def load_status(self) -> None:
        try:
            self._post(StatusLoaded(self.client.status()))
        except CoreError:
            pass  # the event stream reports the connection state

    # the description keeps the scanned text (maybe a payment code) out of the worker's repr
    @work(thread=True, group="scan", description="wedge scan")
    def send_scan(self, text: str) -> None:
        try:
            self.client.scan(text)
        except CoreError as error:
            self._post(ScanFailed(error))

    @work(thread=True, exclusive=True, group="place")
    def _place(self, doc: dict) -> None:
        try:
            self._post(OrderPlaced(self.client.place_order(doc)))
        except CoreError as error:
            self._post(OrderFailed(error))

    # -- reactions ---------------------------------------------------------------------------
    def on_menu_loaded(self, message: MenuLoaded) -> None:
        self.menu, self.menu_error = MenuView(message.doc), None
        self.menu_signal.publish(self.menu)
        self.cart_signal.publish(self.draft.cart)

    def on_menu_failed(self, message: MenuFailed) -> None:
        self.menu_error = message.error
        if self.menu is None:
            self.menu_signal.publish(None)

    def on_status_loaded(self, message: StatusLoaded) -> None:
        printers = message.status.get("printers") or {}
        self.printer_problems = {name: str(p.get("last_error") or p.get("state"))
                                 for name, p in printers.items() if p.get("state") == "problem"}
        camera = (message.status.get("scanner") or {}).get("camera")
        self.camera_problem = camera if camera in CAMERA_PROBLEMS else None
        self._sync_changed(message.status.get("sync") or {})
        self.status_signal.publish(None)

    def _sync_changed(self, sync: dict) -> None:
        """Show "N not synced" while a device that is enrolled cannot sync (offline, revoked…);
        a device never enrolled works offline on purpose and shows nothing."""
        state, pending = sync.get("state"), int(sync.get("pending") or 0)
        self.sync_problem = (state, pending) if state not in (None, "ok", "not enrolled") else None

    def on_core_state(self, message: CoreState) -> None:
        was = self.core_state
        self.core_state = message.state
        if message.state == "online" and was != "online":
            if self.menu is None or self.menu_error is not None or was == "offline":
                self.load_menu()  # the menu may have changed while we were away
            self.load_status()
        self.status_signal.publish(None)

    def on_core_event(self, message: CoreEvent) -> None:
        if self.staff_hooks.core_event(message.kind, message.data):
            return  # a cashier screen on top took it (scans are the cashier's there)
        if getattr(self.screen, "core_event", None) and self.screen.core_event(message.kind, message.data):
            return  # the screen on top took it (the pay screen: payment scans and payment events)
        if message.kind == "menu.changed":
            self.load_menu()
        elif message.kind == "resync":
            self.load_menu()
            self.load_status()
        elif message.kind == "print.job":
            printer, error = str(message.data.get("printer") or "?"), message.data.get("error")
            if error:
                self.printer_problems[printer] = str(error)
            elif message.data.get("state") in ("sent", "printed"):
                self.printer_problems.pop(printer, None)
            self.status_signal.publish(None)
        elif message.kind == "camera":
            status = message.data.get("status")
            if status in CAMERA_PROBLEMS:
                self.camera_problem = status
            elif status == "camera online":
                self.camera_problem = None
            self.status_signal.publish(None)
        elif message.kind == "scan":
            self.handle_scan(message.data)
        elif message.kind == "sync.changed":
            self._sync_changed(message.data)
            self.status_signal.publish(None)

    # -- scanning ------------------------------------------------------------------------------
    def handle_scan(self, data: dict) -> None:
        """One classified code from the core (camera or wedge): bind a table, or say what it was."""
        if data.get("kind") == "table":
            self.bind_table(str(data.get("table") or ""))
            return
        notice = scan_notice(data, self.lang)
        if notice:
            title, text, severity = notice
            self.notify(text, title=title, severity=severity, timeout=NOTICE_S)

    def bind_table(self, table: str) -> None:
        if self.placing or isinstance(self.screen, PlacedScreen):
            self.notify(t("table_too_late", self.lang), severity="warning", timeout=NOTICE_S)
            return
        try:
            old = self.draft.bind_table(table)
        except ValueError:
            self.notify(t("reason_invalid", self.lang), title=t("unknown_code", self.lang), severity="warning",
                        timeout=NOTICE_S)
            return
        if old:
            self.notify(t("table_changed", self.lang, old=old, table=table), title=t("table_changed_title", self.lang),
                        severity="warning", timeout=NOTICE_S)
        else:
            self.notify(t("table_bound", self.lang, table=table), title=t("table_bound_title", self.lang),
                        timeout=NOTICE_S)
        self.table_changed()

    def on_scan_failed(self, message: ScanFailed) -> None:
        self.notify(t("scan_failed", self.lang), severity="error", timeout=NOTICE_S)

    async def on_event(self, event: events.Event) -> None:
        """Any key or touch means the kiosk is in use (inactivity timer); keys then go through
        the wedge decoder (WedgeKeys)."""
        self.staff_hooks.input(event)
        await super().on_event(event)

    # -- actions used by screens ------------------------------------------------------------
    def status_text(self) -> str:
        parts = [t(f"core_{self.core_state}", self.lang)]
        if self.camera_problem:
            parts.append(t(CAMERA_PROBLEMS[self.camera_problem], self.lang))
        parts += [t("printer_problem", self.lang, printer=p, error=e) for p, e in self.printer_problems.items()]
        if self.sync_problem:
            state, pending = self.sync_problem
            key = "sync_offline" if state == "offline" else "sync_reenroll"
            parts.append(t(key, self.lang, pending=pending))
        return "  ".join(parts)

    def table_badge(self) -> str:
        """'桌 12 已绑定' while the order is bound to a scanned table, else ''."""
        draft = self.draft
        if draft.table_scanned and draft.table and draft.service == "dine_in":
            return t("table_badge", self.lang, table=draft.table)
        return ""

    def toggle_language(self) -> None:
        self.lang = other_language(self.lang)
        self.lang_signal.publish(self.lang)

    def cart_changed(self) -> None:
        self.cart_signal.publish(self.draft.cart)

    def table_changed(self) -> None:
        """The service or table changed (scan, keypad, dine in / takeaway)."""
        self.table_signal.publish(self.draft.table)

    def submit_order(self, payment: str = "counter") -> None:
        """The customer tapped "place order" (pay at the counter) or "pay by code": send the
        draft (same token on every retry). A code payment waits for the pay screen."""
        if self.placing or self.menu is None or not self.draft.ready():
            return
        self.placing = True
        self.placing_signal.publish(True)
        self._place(self.draft.confirm(payment))

    def on_order_placed(self, message: OrderPlaced) -> None:
        self.placing, self.last_order = False, message.order
        self.draft.placed()
        self.placing_signal.publish(False)
        self.cart_changed()
        self.table_changed()
        if message.order.get("status") == "awaiting_payment":  # pay-first store: pay now (edge/ui/screens/pay.py)
            self.push_screen(KioskPayScreen(message.order))
            return
        self.push_screen(PlacedScreen(message.order))

    def on_order_failed(self, message: OrderFailed) -> None:
        self.placing = False
        self.placing_signal.publish(False)
        error = message.error
        if error.code == "token_reused":
            self.draft.forget_token()
        if error.code in ("sold_out", "unknown_item", "bad_option", "missing_option", "bad_note"):
            self.load_menu()  # the menu changed under the customer: show what is available now
        self.push_screen(ErrorDialog(error, can_retry=error.code in ("offline", "storage")),
                         self._after_error)

    def _after_error(self, choice: str | None) -> None:
        if choice == "retry":
            self.submit_order()

    def back_to_start(self) -> None:
        """Leave every screen above the menu, in the first language, for the next customer."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if self.lang != self.start_language:
            self.toggle_language()
        self.screen_stack[0].post_message(StartOver())


def create_app(core_url: str, language: str = "zh", *, mode: str = "kiosk", placed_timeout: float = 30.0,
               idle_timeout: float = 120.0, screen: str = ""):
    """The kiosk for the core at `core_url` ("http://127.0.0.1:8765"); `language` "zh" or "en";
    `screen` this UI's screen id ("" a new one; the camera's `[scanner] screen` names one).
    `mode` "technician": the technician screens (edge/ui/technician) instead."""
    if mode == "technician":
        return create_technician_app(core_url, language)
    if mode == "cashier":
        return create_cashier_app(core_url, language, screen)
    if mode != "kiosk":
        raise ValueError(f"unknown UI mode {mode!r}")
    return KioskApp(CoreClient(core_url, screen=screen or None), language=language, placed_timeout=placed_timeout,
                    idle_timeout=idle_timeout)
