"""One order: its lines (退1 per line while some is left, 整单退菜: both confirmed with a reason in
edge/ui/cashier/void_dialog.py), money, refund (manager PIN), 确认取餐, and its print jobs, each
with 补打. An order not paid yet says 待付款 and 应收 (never 实收, never 退款) and takes the money
here: 收现金, or a payment code scanned at this screen's wedge scanner or typed (收付款码); either
pays it and sends it to the kitchen. A table's round (先吃后付) is paid with its table's whole bill
in 桌台 (edge/ui/cashier/tables_screen.py): its screen says so and takes no money itself. Every
action names the logged-in staff member (the core records it)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input

from edge.money import parse_yuan
from edge.ui.cashier.cashier_screen import CashierBar, CashierScreen, fen, status_word, when
from edge.ui.cashier.manager_dialog import ManagerDialog
from edge.ui.cashier.void_dialog import VoidDialog
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label

PAYMENT_KINDS = ("alipay", "wechat", "unionpay")
JOB_KINDS = {"kitchen": ("厨房单", "Kitchen"), "change": ("加/退菜单", "Change"), "receipt": ("小票", "Receipt"),
             "report": ("日结单", "Report"), "test": ("测试页", "Test")}
JOB_STATES = ("queued", "sending", "sent", "printed", "failed", "attention")


def job_text(screen, job: dict, stations: dict[str, dict]) -> str:
    """`厨房单 · 饮品 · 已打印` / `Kitchen · Drinks · printed`: what, for which station (its menu
    name; the printer's name when it has none), and how far it got, in words."""
    en = screen.lang == "en"
    parts = [JOB_KINDS.get(job["kind"], (job["kind"], job["kind"]))[en]]
    station = stations.get(job.get("station_id") or "")
    if station:
        parts.append(station["en" if en else "zh"])
    elif job.get("printer"):
        parts.append(job["printer"])
    state = job["state"]
    parts.append(screen.tr(f"job_{state}") if state in JOB_STATES else state)
    if not job.get("printer"):
        parts.append(screen.tr("job_no_printer"))
    if job.get("reprint"):
        parts.append(screen.tr("job_reprint"))
    return " · ".join(parts)


def dish_text(screen, line: dict) -> str:
    """A line's dish and options in the screen's language (the menu's English names in English)."""
    en = screen.lang == "en"
    name = (line.get("name_en") or line["name_zh"]) if en else line["name_zh"]
    options = " ".join((x.get("en") or x["zh"]) if en else x["zh"] for x in line["options"] + line["notes"])
    return f"{name} {options}".strip()


class OrderScreen(CashierScreen):
    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.order: dict | None = None
        self.stations: dict[str, dict] = {}  # station id -> its menu names {"zh", "en"}
        self.jobs_followed: set[str] = set()  # print jobs whose changes reload this order

    def compose(self) -> ComposeResult:
        o = self.order
        yield CashierBar()
        if o is None:
            yield Label("…", id="order-loading")
            return
        where = self.tr("table", table=o["table"]) if o.get("table") else self.tr("takeaway")
        m = o["money"]
        with VerticalScroll(id="order-body"):
            status = status_word(self, {**o, "collected_ms": (o.get("collected") or {}).get("collected_ms")})
            yield Label(f"{self.tr('order', ticket=o['ticket_no'])}  {where}  {status}"
                        f"  {o['created_local'].replace('T', ' ')[:16]}", id="order-title", classes="c-heading")
            for line in o["lines"]:
                left = line["qty"] - line["voided_qty"]
                with Horizontal(classes="c-line"):
                    voided = f"  {self.tr('voided_qty', n=line['voided_qty'])}" if line["voided_qty"] else ""
                    yield Label(f"{dish_text(self, line)} ×{line['qty']}  {fen(line['total'])}{voided}",
                                classes="c-line-text")
                    if left >= 1:  # a fully voided line has nothing left to void
                        yield TouchButton(self.tr("void_one"), id=f"void-line-{line['line_no']}",
                                          classes="void-line", value=str(line["line_no"]), variant="warning")
            if self.unpaid:
                yield Label(self.tr("money_due", total=fen(m["total"]), voided=fen(m["voided"]), due=fen(m["due"])),
                            id="order-money", classes="c-heading")
            if self.on_table_bill:  # a table's round: the whole table pays together, in 桌台
                yield Label(self.tr("on_table_bill", table=o.get("table") or "?"), id="order-table-bill")
            elif self.unpaid:
                with Horizontal(classes="c-actions", id="take-money"):
                    yield TouchButton(self.tr("take_cash", due=fen(m["due"])), id="take-cash", variant="success",
                                      disabled=m["due"] <= 0)
                    yield Input(placeholder=self.tr("code_hint"), password=True, id="pay-code", max_length=32)
                    yield TouchButton(self.tr("take_code"), id="take-code", variant="primary", disabled=m["due"] <= 0)
            else:
                yield Label(self.tr("money", total=fen(m["total"]), voided=fen(m["voided"]),
                                    refunded=fen(m["refunded"]), net=fen(m["net"])),
                            id="order-money", classes="c-heading")
            with Horizontal(classes="c-actions"):
                yield TouchButton(self.tr("void_all"), id="void-all", variant="error",
                                  disabled=all(line["qty"] == line["voided_qty"] for line in o["lines"]))
                if not self.unpaid:  # nothing was taken: nothing to refund
                    yield TouchButton(self.tr("refund"), id="refund",
                                      disabled=m["refundable"] <= 0 and not m["electronic"])
                yield TouchButton(self.tr("collect"), id="collect", disabled=bool(o.get("collected")))
            for job in o["print_jobs"]:
                with Horizontal(classes="c-line"):
                    yield Label(job_text(self, job, self.stations), id=f"job-{job['id']}", classes="c-line-text")
                    yield TouchButton(self.tr("reprint"), id=f"reprint-{job['id']}", classes="reprint",
                                      value=job["id"], disabled=not job.get("printer"))
        with Horizontal(classes="c-bottom"):
            yield TouchButton(self.tr("back"), id="order-back")

    @property
    def unpaid(self) -> bool:
        """Nothing collected yet: held for payment, or a table's round before its bill is paid."""
        return bool(self.order) and (self.order["status"] == "awaiting_payment"  # type: ignore[index]
                                     or self.on_table_bill)

    @property
    def on_table_bill(self) -> bool:
        """A table's round whose bill is not paid yet (it is paid with the table, in 桌台)."""
        return bool(self.order) and self.order["payment"] == "table" \
            and self.order["status"] not in ("voided", "paid")  # type: ignore[index]

    def on_mount(self) -> None:
        super().on_mount()
        self.call("load", self.client.order_detail, self.order_id)
        self.call("stations", self.client.menu)

    def staff_event(self, kind: str, data: dict) -> bool:
        """Follows the core: this order changed (void, refund, payment…), or one of its print jobs
        moved (a reprint goes from 排队中 to 已打印 without 刷新); a payment code read by this
        screen's own scanner pays this unpaid order."""
        if kind == "scan" and data.get("kind") in PAYMENT_KINDS and self.unpaid and not self.on_table_bill \
                and data.get("screen") == getattr(self.client, "screen_id", None):
            self.call("code", self.client.pay_from_scan, self.order_id)  # read by this screen's scanner
            return True
        if kind in ("cashier.changed", "order.paid", "payment.changed") and data.get("order_id") == self.order_id \
                or kind == "print.job" and data.get("job_id") in self.jobs_followed or kind == "resync":
            self.call("load", self.client.order_detail, self.order_id)
        return False

    def done(self, tag, result, error) -> None:
        ticket = (self.order or {}).get("ticket_no", "")
        if tag == "code" and error is not None:
            self.app.notify(self.tr("code_failed", message=error.message), severity="warning")
            return
        if error is not None:
            super().done(tag, result, error)
            return
        if tag == "load":
            self.order = result
            self.jobs_followed |= {job["id"] for job in result["print_jobs"]}
            self.refresh(recompose=True)
            return
        if tag == "code":
            paying = (result.get("message") or {}).get(self.lang) or self.tr("code_paying", ticket=ticket)
            self.app.notify(self.tr("code_paid", ticket=ticket) if result.get("paid") else paying)
            self.call("load", self.client.order_detail, self.order_id)
            return
        if tag == "stations":
            self.stations = {s["id"]: s for s in result.get("stations", [])}
            if self.order is not None:
                self.refresh(recompose=True)
            return
        if tag == "reprint" and result.get("new_job_id"):
            self.jobs_followed.add(result["new_job_id"])
        notices = {"void": self.tr("done_void"), "reprint": self.tr("done_reprint"),
                   "cash": self.tr("done_cash", ticket=ticket), "collect": self.tr("collected", ticket=ticket)}
        self.app.notify(notices.get(tag, tag))
        self.call("load", self.client.order_detail, self.order_id)

    @on(Button.Pressed, ".void-line")
    def void_line(self, event: Button.Pressed) -> None:
        self._confirm_void([{"line_no": int(event.button.value), "qty": 1}])

    @on(Button.Pressed, "#void-all")
    def void_all(self) -> None:
        self._confirm_void(None)

    def _confirm_void(self, lines: list[dict] | None) -> None:
        if self.order is not None:
            self.app.push_screen(VoidDialog(self.order, lines), self._voided)

    def _voided(self, result: dict | None) -> None:
        if result:
            self.done("void", result, None)

    @on(Button.Pressed, ".reprint")
    def reprint(self, event: Button.Pressed) -> None:
        self.call("reprint", self.client.reprint, event.button.value)

    @on(Button.Pressed, "#take-cash")
    def take_cash(self) -> None:
        self.call("cash", self.client.take_cash, self.order_id)

    @on(Button.Pressed, "#take-code")
    @on(Input.Submitted, "#pay-code")
    def take_code(self) -> None:
        box = self.query_one("#pay-code", Input)
        code, box.value = box.value.strip(), ""  # the code leaves the screen at once
        if code:
            self.call("code", self.client.pay_code, self.order_id, code)

    @on(Button.Pressed, "#collect")
    def collect(self) -> None:
        self.call("collect", self.client.collect, self.order_id)

    @on(Button.Pressed, "#refund")
    def refund(self) -> None:
        self.app.push_screen(RefundDialog(self.order), self._refunded)

    def _refunded(self, result: dict | None) -> None:
        if result:
            self.app.notify(self.tr("done_refund", amount=fen(result["amount"])))
            self.call("load", self.client.order_detail, self.order_id)

    @on(Button.Pressed, "#order-back")
    def back(self) -> None:
        self.action_back()


class RefundDialog(ManagerDialog):
    """Amount (yuan), reason, a manager's name and PIN. The core refuses more than was paid."""

    def __init__(self, order: dict) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        refundable = self.order["money"]["refundable"]
        with Vertical(id="refund-box"):
            yield Label(f"{self.tr('refund_title')}  {self.order['ticket_no']}", classes="c-heading")
            yield Label(self.tr("refundable", amount=fen(refundable)), id="refundable")
            yield Input(value=f"{refundable // 100}.{refundable % 100:02d}", placeholder=self.tr("amount"),
                        id="refund-amount", max_length=10)
            yield Input(placeholder=self.tr("reason"), id="refund-reason", max_length=40)
            yield Label(self.tr("manager"), classes="c-label")
            yield from self.manager_list(lambda staff_id: f"mgr-{staff_id}")
            yield Input(placeholder=self.tr("manager_pin"), password=True, id="manager-pin", max_length=12)
            yield Label(self.message, id="refund-message")
            with Horizontal(classes="c-actions"):
                yield TouchButton(self.tr("refund"), id="refund-ok", variant="error")
                yield TouchButton(self.tr("cancel"), id="refund-cancel")

    def done(self, tag, result, error) -> None:
        if tag == "staff" and error is None:
            self.managers_loaded(result)
        elif tag == "refund":
            if error is None:
                self.dismiss(result)
                return
            self.message = self.refusal(error, {"above_paid": self.tr("above_paid")})
            self.query_one("#refund-message", Label).update(self.message)
        else:
            super().done(tag, result, error)

    @on(Button.Pressed, "#refund-ok")
    def submit(self) -> None:
        try:
            amount = parse_yuan(self.query_one("#refund-amount", Input).value)
        except ValueError:
            amount = 0
        if amount <= 0:
            self.query_one("#refund-message", Label).update(self.tr("bad_amount"))
            return
        if not self.manager:
            self.query_one("#refund-message", Label).update(self.tr("manager"))
            return
        self.call("refund", self.client.refund, self.order["id"], amount,
                  self.query_one("#refund-reason", Input).value, self.manager,
                  self.query_one("#manager-pin", Input).value)

    @on(Button.Pressed, "#refund-cancel")
    def cancel(self) -> None:
        self.dismiss(None)


__all__ = ["OrderScreen", "RefundDialog", "when"]
