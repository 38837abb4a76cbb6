"""Pay by showing a payment code (kiosk): the amount, "show your payment code", then what the
payment does — "enter your password on your phone" with a countdown, paid (the ticket number,
the kitchen has it), or why not in plain words with "try again with a new code" / "pay at the
counter". A pure client: a payment-code scan (camera or wedge, a `scan` event) read at this screen
makes it ask the core to pay with the code the core holds (`{"from_scan": true, "screen": id}`);
the code never reaches the UI. The screen tells the core which order it shows while it is up, so
a code shown here never pays another screen's order (docs/payments.md).
`payment.changed` events move it on. Shown for orders the core holds for payment (pay-first).
"""

from __future__ import annotations

import threading

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Digits

from edge.money import format_fen
from edge.ui.core_client import CoreError
from edge.ui.i18n import translator
from edge.ui.screens.placed import PlacedScreen
from edge.ui.widgets.plain import Label

PAYMENT_KINDS = ("alipay", "wechat", "unionpay")
WORDS = {
    "title": ("扫码付款", "Pay by code"), "amount": ("应付", "To pay"),
    "show_code": ("请出示支付宝 / 微信 / 云闪付付款码", "Show your Alipay / WeChat Pay / UnionPay payment code"),
    "paying": ("正在支付…", "Paying…"), "paid": ("支付成功", "Paid"),
    "kitchen": ("已通知厨房，请留意叫号", "The kitchen has your order: listen for your number"),
    "ticket": ("取餐号", "Your number"),
    "ticket_no": ("取餐号 {no}", "Your number {no}"), "seconds": ("剩余 {s} 秒", "{s} s left"),
    "counter": ("到柜台付款", "Pay at the counter"), "again": ("换一个付款码重试", "Try again with a new code"),
    "cancel": ("取消支付", "Cancel payment"), "done": ("完成", "Done"),
    "offline": ("暂不能扫码付款，请到柜台付款", "Code payments are not available now: please pay at the counter"),
    "not_here": ("这个付款码是在另一台屏幕出示的，请在本屏重新出示付款码",
                 "That payment code was shown at another screen: show yours here again"),
    "ambiguous": ("有多位顾客在付款，无法确定是哪一单：请到柜台由收银员收款",
                  "Several customers are paying now and the code cannot be matched: please pay at the counter"),
    "cancel_refused": ("现在无法取消，请到柜台由收银员处理",
                       "This payment cannot be cancelled now: please ask at the counter"),
    "back": ("返回", "Back"),
}


word = translator(WORDS)


class PayScreen(Screen):
    BINDINGS = [("escape", "counter", "Pay at the counter")]
    DEFAULT_CSS = """
    PayScreen { align: center middle; }
    #pay-body { width: 90%; height: auto; align: center middle; }
    #pay-body Label { width: 100%; content-align: center middle; text-align: center; margin: 1 0 0 0; }
    #pay-amount { text-style: bold; }
    #pay-ticket { width: auto; }
    #pay-buttons { height: auto; align: center middle; margin: 1 0; }
    #pay-buttons Button { margin: 0 2; min-width: 24; height: 5; }
    """

    def __init__(self, order: dict) -> None:
        super().__init__()
        self.order = order
        self.attempt: dict | None = None
        self.state = "waiting"  # waiting | paying | paid | failed | unresolved
        self._ticker = None

    @property
    def lang(self) -> str:
        return getattr(self.app, "lang", "zh")

    def tr(self, key: str, **values: object) -> str:
        return word(key, self.lang, **values)

    def _client(self):
        return getattr(self.app, "cashier_client", None) or self.app.client  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(id="pay-body"):
            yield Label(self.tr("title"), id="pay-title")
            yield Label(self.tr("ticket_no", no=self.order.get("ticket_no", "")), id="pay-ticket-no")
            yield Label(f"{self.tr('amount')} {format_fen(int(self.order.get('total', 0)))}", id="pay-amount")
            yield Label(self.tr("show_code"), id="pay-status")
            yield Label("", id="pay-countdown")
            with Center():
                yield Digits(str(self.order.get("ticket_no", "")), id="pay-ticket")
            with Horizontal(id="pay-buttons"):
                yield Button(self.tr("back"), id="pay-back")
                yield Button(self.tr("again"), id="pay-again", variant="primary")
                yield Button(self.tr("cancel"), id="pay-cancel", variant="warning")
                yield Button(self.tr("counter"), id="pay-counter")
                yield Button(self.tr("done"), id="pay-done", variant="success")

    def on_mount(self) -> None:
        self._ticker = self.set_interval(1.0, self._tick)
        self._show()
        self._say_showing(self.order.get("id"))

    def on_unmount(self) -> None:
        self._say_showing(None)

    def _say_showing(self, order_id: str | None) -> None:
        """Tell the core this screen shows (or no longer shows) the order's pay screen."""
        client = self._client()
        if not hasattr(client, "showing_payment"):
            return

        def job() -> None:
            try:
                client.showing_payment(order_id)
            except CoreError:
                pass  # offline: the core refuses unbound camera codes only while other screens wait

        threading.Thread(target=job, name="pay-showing", daemon=True).start()

    def _mine(self, data: dict) -> bool:
        """A scan read at this screen (its wedge, or the camera that belongs to it), or by an
        unbound camera (the core decides whether this screen may have it)."""
        screen = data.get("screen")
        return screen is None or screen == getattr(self._client(), "screen_id", None)

    # -- what the screen shows -------------------------------------------------------------
    def _show(self, text: str | None = None) -> None:
        a, state = self.attempt or {}, self.state
        if text is None:
            if state == "waiting":
                text = self.tr("show_code")
            elif state == "paid":
                text = f"{self.tr('paid')}\n{self.tr('kitchen')}"
            else:
                message = a.get("message") or {}
                text = message.get(self.lang) or self.tr("paying")
        self.query_one("#pay-status", Label).update(text)
        self.query_one("#pay-ticket").display = state == "paid"
        self.query_one("#pay-again").display = state == "failed"
        self.query_one("#pay-cancel").display = state == "paying"
        self.query_one("#pay-counter").display = state in ("waiting", "failed", "unresolved")
        self.query_one("#pay-done").display = state in ("paid", "unresolved")
        self.query_one("#pay-back").display = state != "paid"
        self._tick()

    def _tick(self) -> None:
        left = (self.attempt or {}).get("deadline_in_ms")
        show = self.state == "paying" and (self.attempt or {}).get("detail") == "user_paying" and left
        if show:
            self.attempt["deadline_in_ms"] = max(0, left - 1000)
        self.query_one("#pay-countdown", Label).update(self.tr("seconds", s=int(left // 1000)) if show else "")

    def _take(self, attempt: dict) -> None:
        """Follow an attempt view (from an answer or a `payment.changed` event)."""
        if attempt.get("order_id") != self.order.get("id"):
            return
        if self.attempt and attempt.get("attempt_id") != self.attempt.get("attempt_id") and self.attempt.get("open"):
            return
        self.attempt = dict(attempt)
        if attempt.get("paid"):
            self.state = "paid"
        elif attempt.get("open") and not attempt.get("unresolved"):
            self.state = "paying"
        elif attempt.get("unresolved"):
            self.state = "unresolved"
        else:
            self.state = "failed"
        self._show()

    # -- the core's events (the app hands them to the screen on top first) -------------------
    def core_event(self, kind: str, data: dict) -> bool:
        if kind == "scan" and data.get("kind") in PAYMENT_KINDS:
            if not self._mine(data):
                return True  # another screen's customer: not ours to pay with
            if self.state in ("waiting", "failed"):
                self.start_payment()
            return True
        if kind == "payment.changed":
            self._take(data)
            return True
        if kind == "order.paid" and data.get("order_id") == self.order.get("id"):
            if self.state != "paid":
                self.state = "paid"
                self._show()
            return True
        return False

    def start_payment(self) -> None:
        self.state = "paying"
        self.attempt = None
        self._show(self.tr("paying"))
        order_id = self.order["id"]
        client = self._client()

        def job() -> None:
            try:
                result, error = client.pay_from_scan(order_id), None
            except CoreError as exc:
                result, error = None, exc
            try:
                self.app.call_from_thread(self._started, result, error)
            except RuntimeError:
                pass

        self.run_worker(job, thread=True, group="pay", description="pay from scan")

    def _started(self, result: dict | None, error: CoreError | None) -> None:
        if error is None and result:
            self._take(result)
            return
        self.state = "failed"
        words = {"offline": "offline", "no_gateway": "offline", "scan_other_screen": "not_here",
                 "scan_ambiguous": "ambiguous"}
        key = words.get(error.code) if error else "offline"
        self._show(self.tr(key) if key else error.message if error else self.tr("offline"))

    # -- taps ---------------------------------------------------------------------------------
    @on(Button.Pressed, "#pay-again")
    def again_pressed(self) -> None:
        self.state, self.attempt = "waiting", None
        self._show()

    @on(Button.Pressed, "#pay-cancel")
    def cancel_pressed(self) -> None:
        attempt, client = self.attempt or {}, self._client()
        if not attempt.get("attempt_id"):
            return

        def cancel() -> None:  # no staff session: the core lets the customer cancel only while it waits for them
            try:
                client._call("POST", f"/v1/payments/{attempt['attempt_id']}/abandon", {"reason": "customer_cancelled"})
            except CoreError as error:
                try:
                    self.app.call_from_thread(self._show, self.tr("cancel_refused") if error.status == 401
                                              else error.message)
                except RuntimeError:
                    pass

        self.run_worker(cancel, thread=True, group="pay-cancel", description="cancel payment")

    @on(Button.Pressed, "#pay-back")
    def back_pressed(self) -> None:
        """返回: a payment still open is cancelled first, by the customer's own cancel (the core
        refuses it when the outcome is no longer the customer's, and the screen says so); with
        nothing open the order waits for its payment at the counter."""
        if (self.attempt or {}).get("open") or self.state == "paying":
            self.cancel_pressed()
        else:
            self.action_counter()

    @on(Button.Pressed, "#pay-counter")
    def action_counter(self) -> None:
        if self.state in ("paying", "paid"):
            return
        self.app.switch_screen(PlacedScreen(self.order, unpaid=True))

    @on(Button.Pressed, "#pay-done")
    def done_pressed(self) -> None:
        back = getattr(self.app, "back_to_start", None)
        if back:
            back()
        else:
            self.app.pop_screen()
