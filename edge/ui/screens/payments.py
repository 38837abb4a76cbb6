"""The cashier's "unresolved payments" screen: code payments waiting on something the customer
cannot fix (network lost mid-payment, reconciling), and orders held for payment (pay-first).
Per row: retry query, take cash (a late electronic charge is then returned automatically), give
the code payment up (放弃: the gateway returns anything it took) — both sent with the logged-in
cashier's session, who the core records; to wait, do nothing. A pure
client of GET /v1/payments/cashier; refreshed by `payment.changed` /
`order.paid` events and every few seconds. Works in the cashier app and on top of the kiosk.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button

from edge.money import format_fen
from edge.ui.core_client import CoreError
from edge.ui.i18n import translator
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label

WORDS = {
    "title": ("未结支付", "Unresolved payments"), "none": ("没有未完成的付款", "No unresolved payments"),
    "none_hint": ("扫码付款出问题或订单待付款时会列在这里",
                  "Code payments in trouble and orders waiting for payment show here"),
    "unresolved": ("扫码付款未完成", "Code payments not finished"),
    "awaiting": ("待付款订单", "Orders waiting for payment"), "query": ("重新查询", "Retry query"),
    "cash": ("收现金", "Take cash"), "back": ("返回", "Back"), "refresh": ("刷新", "Refresh"),
    "abandon": ("放弃", "Give up"), "abandoned": ("{ticket} 已放弃此次扫码付款", "{ticket}: code payment given up"),
    "cash_done": ("{ticket} 已收现金", "{ticket} paid in cash"),
    "alipay": ("支付宝", "Alipay"), "wechat": ("微信支付", "WeChat Pay"), "unionpay": ("云闪付", "UnionPay"),
}
CHANNELS = ("alipay", "wechat", "unionpay")


word = translator(WORDS)


class UnresolvedPaymentsScreen(Screen):
    """The cashier's look (edge/ui/cashier/cashier.tcss): a title bar, a heading per section, one
    row per payment with its buttons, a bottom bar; also on top of the kiosk."""

    CSS_PATH = "../cashier/cashier.tcss"
    BINDINGS = [("escape", "back", "Back")]
    DEFAULT_CSS = """
    UnresolvedPaymentsScreen #payments-title { width: 1fr; height: 3; padding: 0 1; content-align: left middle;
                                               text-style: bold; }
    UnresolvedPaymentsScreen #payments-list { height: 1fr; padding: 0 1; }
    UnresolvedPaymentsScreen .payment-row { height: auto; }
    UnresolvedPaymentsScreen .payment-row Button { width: 12; min-width: 8; }
    UnresolvedPaymentsScreen .payments-none { width: 100%; margin: 2 0 0 0; text-align: center; text-style: bold; }
    UnresolvedPaymentsScreen .payments-none-hint { width: 100%; text-align: center; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__(classes="cashier")
        self.doc: dict = {"unresolved": [], "awaiting": []}

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "zh")

    def tr(self, key: str, **values: object) -> str:
        return word(key, self.lang, **values)

    def _client(self):
        return getattr(self.app, "cashier_client", None) or self.app.client  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        staff = (getattr(self._client(), "staff", None) or {}).get("name", "")
        with Horizontal(id="cashier-bar"):
            yield Label(self.tr("title"), id="payments-title", classes="payments-title")
            yield Label(staff, id="cashier-staff")
        yield VerticalScroll(id="payments-list")
        with Horizontal(id="payments-bar", classes="c-bottom"):
            yield TouchButton(self.tr("refresh"), id="payments-refresh")
            yield TouchButton(self.tr("back"), id="payments-back")

    def on_mount(self) -> None:
        self.refresh_list()
        self.set_interval(3.0, self.refresh_list)

    def _run(self, fn, then=None) -> None:
        def job() -> None:
            try:
                result, error = fn(), None
            except CoreError as exc:
                result, error = None, exc
            try:
                self.app.call_from_thread(self._done, result, error, then)
            except RuntimeError:
                pass

        self.run_worker(job, thread=True, group="payments", description="payments")

    def _done(self, result, error, then) -> None:
        if error is not None:
            self.app.notify(error.message, severity="error")
        elif then is not None:
            then(result)

    def refresh_list(self) -> None:
        client = self._client()
        self._run(lambda: client._call("GET", "/v1/payments/cashier"), self._show)

    def _show(self, doc: dict) -> None:
        self.doc = doc
        box = self.query_one("#payments-list", VerticalScroll)
        box.remove_children()
        rows: list = []
        held = {a["order_id"] for a in doc["unresolved"]}
        if doc["unresolved"]:
            rows.append(Label(self.tr("unresolved"), classes="c-heading"))
        for a in doc["unresolved"]:
            channel = self.tr(a["channel"]) if a["channel"] in CHANNELS else a["channel"]
            text = (f"{a.get('ticket_no') or '-'}  {format_fen(a['amount'])}  {channel}  "
                    f"{(a.get('message') or {}).get(self.lang, a['state'])}")
            rows.append(Horizontal(Label(text, classes="c-line-text"),
                                   TouchButton(self.tr("query"), classes="pay-query", value=a["attempt_id"]),
                                   TouchButton(self.tr("cash"), classes="pay-cash", value=a["order_id"],
                                               disabled=a.get("order_status") == "paid"),
                                   TouchButton(self.tr("abandon"), classes="pay-abandon", value=a["attempt_id"],
                                               variant="warning", disabled=not a.get("open")),
                                   classes="c-line payment-row"))
        waiting = [o for o in doc["awaiting"] if o["id"] not in held]
        if waiting:
            rows.append(Label(self.tr("awaiting"), classes="c-heading"))
        for o in waiting:
            rows.append(Horizontal(Label(f"{o['ticket_no']}  {format_fen(o['total'])}", classes="c-line-text"),
                                   TouchButton(self.tr("cash"), classes="pay-cash", value=o["id"]),
                                   classes="c-line payment-row"))
        box.mount_all(rows or [Label(self.tr("none"), classes="payments-none"),
                               Label(self.tr("none_hint"), classes="payments-none-hint")])

    def core_event(self, kind: str, data: dict) -> bool:
        if kind in ("payment.changed", "order.paid", "order.placed"):  # a new order held for payment shows at once
            self.refresh_list()
        return False

    staff_event = core_event  # the cashier app hands events to the screen on top this way

    @on(Button.Pressed, ".pay-query")
    def retry_pressed(self, event: Button.Pressed) -> None:
        client, attempt = self._client(), event.button.value
        self._run(lambda: client._call("POST", f"/v1/payments/{attempt}/query"), lambda _: self.refresh_list())

    @on(Button.Pressed, ".pay-cash")
    def cash_pressed(self, event: Button.Pressed) -> None:
        client, order = self._client(), event.button.value

        def paid(doc: dict) -> None:
            self.app.notify(self.tr("cash_done", ticket=doc.get("ticket_no", "")))
            self.refresh_list()

        act = getattr(client, "_act", client._call)  # the logged-in cashier's session rides along
        self._run(lambda: act("POST", f"/v1/orders/{order}/cash"), paid)

    @on(Button.Pressed, ".pay-abandon")
    def abandon_pressed(self, event: Button.Pressed) -> None:
        client, attempt = self._client(), event.button.value
        act = getattr(client, "_act", client._call)  # the cashier's decision: their session rides along

        def given_up(doc: dict) -> None:
            self.app.notify(self.tr("abandoned", ticket=doc.get("ticket_no") or ""))
            self.refresh_list()

        self._run(lambda: act("POST", f"/v1/payments/{attempt}/abandon", {"reason": "customer_cancelled"}), given_up)

    @on(Button.Pressed, "#payments-refresh")
    def refresh_pressed(self) -> None:
        self.refresh_list()

    @on(Button.Pressed, "#payments-back")
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
