"""Order placed: the ticket number very large, the total and "please pay at the counter".

Shown only after the core answered 201/200 (the order is committed). A tap anywhere, the
Done button or the timeout (`app.placed_timeout`) starts over for the next customer.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Digits

from edge.money import format_fen
from edge.ui.i18n import t
from edge.ui.screens.kiosk_screen import KioskScreen
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label
from edge.ui.widgets.topbar import TopBar

UNPAID = {"zh": "请到收银台付款 {due}，取餐号 {ticket}；付款后厨房开始制作",
          "en": "Please pay {due} at the counter, number {ticket}: the kitchen starts once you have paid"}


class PlacedScreen(KioskScreen):
    BINDINGS = [("escape", "finish", "Start over"), ("enter", "finish", "Start over")]

    def __init__(self, order: dict, unpaid: bool = False) -> None:
        super().__init__()
        self.order = order
        self.unpaid = unpaid  # held for payment: the kitchen starts once the cashier has the money

    def compose(self) -> ComposeResult:
        order = self.order
        if order.get("service") == "takeaway":
            service = self.tr("placed_takeaway")
        elif order.get("table"):
            service = self.tr("placed_table", table=order["table"])
        else:
            service = self.tr("placed_dine_in")
        yield TopBar()
        with Vertical(id="placed-body"):
            yield Label(self.tr("ticket"), id="ticket-title")
            yield Digits(str(order.get("ticket_no", "")), id="ticket-no")
            yield Label(str(order.get("ticket_no", "")), id="ticket-plain")
            yield Label(service, id="placed-service")
            yield Label(f"{self.tr('total')} {format_fen(int(order.get('total', 0)))}", id="placed-total")
            yield Label(self._pay_words(), id="pay-at-counter")
            yield Label(self.tr("tap_to_start"), id="tap-hint")
            with Center():
                yield TouchButton(self.tr("done"), id="done", variant="primary")

    def _pay_words(self) -> str:
        if not self.unpaid:
            return f"{t('pay_at_counter', 'zh')} / {t('pay_at_counter', 'en')}"
        due, ticket = format_fen(int(self.order.get("total", 0))), self.order.get("ticket_no", "")
        return UNPAID[self.lang if self.lang in UNPAID else "zh"].format(due=due, ticket=ticket)

    def on_mount(self) -> None:
        self.set_timer(self.kiosk.placed_timeout, self.action_finish)

    def on_click(self, event: events.Click) -> None:
        self.action_finish()

    @on(Button.Pressed, "#done")
    def done(self) -> None:
        self.action_finish()

    def action_finish(self) -> None:
        if self.is_attached and self.app.screen is self:
            self.kiosk.back_to_start()
