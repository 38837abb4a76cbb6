"""Checkout: dine in (table bound by scanning the table's QR code, or its number by keypad) or
takeaway, order-level note chips, and "确认下单 / Place order (pay at counter)".

A table scan (camera or wedge scanner, anywhere in the kiosk) sets dine in and the table in
`app.draft`; this screen follows `app.table_signal`. The keypad stays as the fallback: its
first key replaces a scanned table. Digit keys of a keyboard work like the keypad.

All choices are stored in `app.draft` at once; placing happens in the app (a worker thread),
which shows the ticket on success or an error dialog that returns here with nothing lost.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, ItemGrid, Vertical, VerticalScroll
from textual.widgets import Button

from edge.money import format_fen
from edge.ui.i18n import name
from edge.ui.screens.kiosk_screen import KioskScreen
from edge.ui.widgets.buttons import ToggleButton, TouchButton, safe_id
from edge.ui.widgets.plain import Label
from edge.ui.widgets.topbar import TopBar

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back")


class CheckoutScreen(KioskScreen):
    BINDINGS = [Binding(digit, f"key('{digit}')", show=False) for digit in "0123456789"] + [
        Binding("backspace", "key('back')", show=False), Binding("delete", "key('clear')", show=False)]

    def compose(self) -> ComposeResult:
        draft, menu = self.kiosk.draft, self.kiosk.menu
        yield TopBar(self.tr("checkout"))
        with VerticalScroll(id="checkout-body"):
            yield Label(self.tr("service"), classes="group-title")
            with Horizontal(id="service-row"):
                for service in ("dine_in", "takeaway"):
                    yield ToggleButton(self.tr(service), id=f"service-{service}", classes="service",
                                       value=service, selected=draft.service == service)
            with Horizontal(id="checkout-columns"):
                with Vertical(id="table-pad") as pad:
                    pad.display = draft.service == "dine_in"
                    yield Label(self._table_text(), id="table-display",
                                classes="-scanned" if draft.table_scanned else "")
                    with Grid(id="keypad"):
                        for key in KEYS:
                            label = {"clear": self.tr("clear"), "back": "⌫"}.get(key, key)
                            yield TouchButton(label, id=f"key-{key}", classes="key", value=key)
                with Vertical(id="order-notes"):
                    yield Label(self.tr("order_notes"), classes="group-title")
                    with ItemGrid(min_column_width=16, id="order-note-chips"):
                        for chip in menu.chips if menu else []:
                            yield ToggleButton(name(chip, self.lang), id=safe_id("order-note", chip["id"]),
                                               classes="order-note", value=chip["id"],
                                               selected=chip["id"] in draft.notes)
        with Horizontal(id="checkout-bar", classes="bottom-bar"):
            yield Label(self._summary(), id="checkout-summary")
            yield TouchButton(self.tr("back"), id="back")
            yield TouchButton(self.tr("pay_by_code"), id="pay-by-code", variant="primary",
                              disabled=not draft.ready() or self.kiosk.placing)
            yield TouchButton(self.tr("place_order"), id="place-order", variant="success",
                              disabled=not draft.ready() or self.kiosk.placing)

    def on_mount(self) -> None:
        self.kiosk.placing_signal.subscribe(self, self._placing_changed)
        self.kiosk.cart_signal.subscribe(self, self._placing_changed)
        self.kiosk.table_signal.subscribe(self, self._table_changed)

    # -- display -----------------------------------------------------------------------------
    def _table_text(self) -> str:
        draft = self.kiosk.draft
        if draft.table and draft.table_scanned:
            return f"{self.tr('table_scanned', table=draft.table)}\n{self.tr('table_scanned_hint')}"
        if draft.table:
            return f"{self.tr('table')}: {draft.table}"
        return f"{self.tr('scan_hint')}\n{self.tr('table_none')}"

    def _summary(self) -> str:
        if self.kiosk.placing:
            return self.tr("placing")
        draft, menu = self.kiosk.draft, self.kiosk.menu
        if draft.service is None and not draft.cart.is_empty():
            return self.tr("choose_service")
        return self.tr("summary", count=draft.cart.count, total=format_fen(draft.cart.total(menu) if menu else 0))

    def _show_table_pad(self) -> None:
        self.query_one("#table-pad").display = self.kiosk.draft.service == "dine_in"

    def _placing_changed(self, _: object = None) -> None:
        self.query_one("#checkout-summary", Label).update(self._summary())
        for button in self.query("#place-order, #pay-by-code").results(Button):
            button.disabled = not self.kiosk.draft.ready() or self.kiosk.placing

    def _table_changed(self, _: object = None) -> None:
        """Service or table changed, here or by a scan anywhere: show the draft as it is now."""
        draft = self.kiosk.draft
        for button in self.query(".service").results(ToggleButton):
            button.selected = button.value == draft.service
        display = self.query_one("#table-display", Label)
        display.update(self._table_text())
        display.set_class(draft.table_scanned, "-scanned")
        self._show_table_pad()
        self._placing_changed()

    # -- taps --------------------------------------------------------------------------------
    @on(Button.Pressed, ".service")
    def choose_service(self, event: Button.Pressed) -> None:
        self.kiosk.draft.choose_service(event.button.value)
        self.kiosk.table_changed()

    @on(Button.Pressed, ".key")
    def press_key(self, event: Button.Pressed) -> None:
        self.action_key(event.button.value)

    def action_key(self, key: str) -> None:
        """A keypad key, tapped or typed (digits, Backspace, Delete); only while dining in."""
        draft = self.kiosk.draft
        if draft.service != "dine_in":
            return
        if key == "clear":
            draft.clear_table()
        elif key == "back":
            draft.backspace()
        else:
            draft.press_key(key)
        self.kiosk.table_changed()

    @on(Button.Pressed, ".order-note")
    def toggle_note(self, event: Button.Pressed) -> None:
        chosen = self.kiosk.draft.toggle_note(event.button.value)
        if isinstance(event.button, ToggleButton):
            event.button.selected = chosen

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#place-order")
    def place(self) -> None:
        self.kiosk.submit_order()

    @on(Button.Pressed, "#pay-by-code")
    def pay_by_code(self) -> None:
        self.kiosk.submit_order(payment="code")
