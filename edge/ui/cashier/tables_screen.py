"""The table view (桌台): every open table session, its rounds, its bill and its guests' calls.

Left, one button per table (桌12  ¥56.00: what it still owes; a table whose guests call shows
桌12 ！呼叫). Right, the chosen table: when it was opened, its calls (呼叫服务员 / 请求结账,
highlighted until 已处理), its rounds (第1轮 A012 已下厨 ¥32.00 未付: a round with an order here
opens the order screen, where its lines are voided with the usual rules), the bill (应收 / 已付 /
待付) and the actions: 收现金 (the whole bill), a payment code scanned at this screen's wedge
scanner or typed (收付款码, masked); a bill the store's server saw paid on a phone says so and
takes no money. At the bottom: 开台 by table number, and 清台 of the chosen table (a manager's
PIN when money is still due). It follows the core (table calls, new rounds, payments) and asks
again every few seconds while it shows; when the store's server cannot be reached it says so and
lists the tables that still owe money here (their money can still be taken).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Input

from edge.ui.cashier.cashier_screen import CashierBar, CashierScreen, fen, when
from edge.ui.cashier.manager_dialog import ManagerDialog
from edge.ui.cashier.order import PAYMENT_KINDS, OrderScreen
from edge.ui.widgets.buttons import ToggleButton, TouchButton, safe_id
from edge.ui.widgets.plain import Label

REFRESH_S = 4.0
FOLLOW = ("table.call", "order.placed", "order.paid", "table.paid", "payment.changed", "cashier.changed", "resync")
ROUND_STATES = ("awaiting_payment", "sent", "accepted", "printed", "rejected", "cancelled")
ORDER_STATES = ("unpaid", "paid", "voided")


def hm(ms: object) -> str:
    return when(ms)[-5:] if isinstance(ms, int) else "?"


def phone_paid(t: dict) -> bool:
    """The store's server says the table owes nothing (paid on a phone) while this device still
    has its rounds unpaid: the money must not be taken again here."""
    up = t.get("upstream_bill") or {}
    return bool(up.get("total")) and up.get("due") == 0 and t["bill"]["due"] > 0


class TablesScreen(CashierScreen):
    def __init__(self) -> None:
        super().__init__()
        self.doc: dict | None = None  # GET /v1/tables
        self.selected: str | None = None  # session id
        self.stale = False  # the lists show an older answer than `doc`
        self.rebuilding = False  # a rebuild of the lists is under way

    # -- what shows ---------------------------------------------------------------------------------
    @property
    def tables(self) -> list[dict]:
        return list((self.doc or {}).get("tables") or [])

    @property
    def table(self) -> dict | None:
        return next((t for t in self.tables if t["session_id"] == self.selected), None)

    def compose(self) -> ComposeResult:
        if self.doc is not None:  # composed again (the language switched): fill it in once mounted
            self.call_after_refresh(self.redraw)
        yield CashierBar(self.tr("tables_title"))
        yield Vertical(id="tables-banner")
        with Horizontal(id="tables-body"):
            with VerticalScroll(id="table-list"):
                yield Label("…", id="tables-loading")
            with VerticalScroll(id="table-detail"):
                yield Vertical(id="table-info")
                with Horizontal(classes="c-actions", id="bill-money"):  # stays mounted: a code is typed here
                    yield TouchButton(self.tr("take_bill_cash", due=fen(0)), id="bill-cash", variant="success",
                                      disabled=True)
                    yield Input(placeholder=self.tr("bill_code_hint"), password=True, id="bill-code", max_length=32,
                                disabled=True)
                    yield TouchButton(self.tr("take_code"), id="bill-take-code", variant="primary", disabled=True)
        with Horizontal(id="tables-actions", classes="c-bottom"):
            yield Input(placeholder=self.tr("table_no"), id="open-table-no", max_length=8)
            yield TouchButton(self.tr("open_table"), id="open-table", variant="primary")
            yield TouchButton(self.tr("close_table"), id="close-table", variant="error", disabled=True)
            yield TouchButton(self.tr("refresh"), id="tables-refresh")
            yield TouchButton(self.tr("back"), id="tables-back")

    def list_rows(self) -> list:
        if self.doc is None:
            return [Label("…", id="tables-loading")]
        rows: list = [ToggleButton(self.row_text(t), id=safe_id("table", t["session_id"]), classes="table-row",
                                   value=t["session_id"], selected=t["session_id"] == self.selected)
                      for t in self.tables]
        return rows or [Label(self.tr("no_tables"), id="no-tables")]

    def row_text(self, t: dict) -> str:
        if any(not c.get("handled_ms") for c in t.get("calls") or []):
            return self.tr("table_row_call", table=t.get("table") or "?")
        due = t["bill"]["due"]
        return self.tr("table_row_due" if due > 0 else "table_row", table=t.get("table") or "?", due=fen(due))

    def detail(self) -> list:
        t = self.table
        if t is None:
            return []
        mode = self.tr(f"mode_{t['mode']}") if t.get("mode") in ("pay_after", "pay_first") else ""
        head = self.tr("table_head", table=t.get("table") or "?", since=hm(t.get("opened_ms")), mode=mode)
        if t.get("state") == "closed":
            head += " " + self.tr("table_closed_up")
        out: list = [Label(head.strip(), id="table-head", classes="c-heading")]
        for call in t.get("calls") or []:
            if call.get("handled_ms"):
                continue
            kind = "call_bill" if call.get("kind") == "bill" else "call_waiter"
            out.append(Horizontal(
                Label(self.tr(kind, when=hm(call.get("created_ms"))), classes="c-line-text table-call"),
                TouchButton(self.tr("call_done"), id=safe_id("call", str(call.get("call_id"))), classes="call-done",
                            value=str(call.get("call_id")), variant="warning"),
                classes="c-line"))
        for n, r in enumerate(t.get("rounds") or []):
            text = self.round_text(r)
            if r.get("order_id"):
                out.append(TouchButton(text, id=f"round-{n}", classes="round-row", value=r["order_id"]))
            else:
                out.append(Label(text, id=f"round-{n}", classes="round-row -waiting"))
        bill = t["bill"]
        out.append(Label(self.tr("bill", total=fen(bill["total"]), paid=fen(bill["paid"]), due=fen(bill["due"])),
                         id="table-bill", classes="c-heading"))
        paying = t.get("paying")
        if paying:
            out.append(Label(self.tr("bill_paying", amount=fen(paying.get("amount"))), id="table-paying"))
        if bill["due"] > 0 and phone_paid(t):  # the store's server saw it paid on a phone: never take it twice
            out.append(Label(self.tr("bill_paid_on_phone", paid=fen(t["upstream_bill"]["paid"])),
                             id="table-phone-paid", classes="-bad"))
        return out

    def money_due(self) -> bool:
        """The chosen table owes money this device may take."""
        t = self.table
        return t is not None and t["bill"]["due"] > 0 and not phone_paid(t)

    def round_text(self, r: dict) -> str:
        state = r.get("state")
        parts = [self.tr("round", n=r.get("round") or "?")]
        if r.get("ticket_no"):
            parts.append(str(r["ticket_no"]))
        parts.append(self.tr(f"round_{state}") if state in ROUND_STATES else "")
        if r.get("late"):
            parts.append(self.tr("round_late"))
        if isinstance(r.get("total"), int):
            parts.append(fen(r["total"]))
        if r.get("order_state") in ORDER_STATES:
            parts.append(self.tr(f"order_{r['order_state']}"))
        return "  ".join(p for p in parts if p)

    # -- life -----------------------------------------------------------------------------------------
    def on_mount(self) -> None:
        super().on_mount()
        self.load()
        self.set_interval(REFRESH_S, self.tick)

    def on_screen_resume(self) -> None:
        self.load()  # back from an order: its voids and payments show

    def tick(self) -> None:
        if self.app.screen is self:  # only while it shows
            self.load()

    def load(self) -> None:
        self.call("tables", self.client.tables)

    def staff_event(self, kind: str, data: dict) -> bool:
        if kind == "scan" and data.get("kind") in PAYMENT_KINDS and data.get("screen") == getattr(
                self.client, "screen_id", None):
            t = self.table
            if t is not None and t["bill"]["due"] > 0:  # read by this screen's scanner: pays the table shown
                self.call("code", self.client.pay_bill_from_scan, t["session_id"])
                return True
        if kind == "table.call":
            key = "call_arrived_bill" if data.get("kind") == "bill" else "call_arrived_waiter"
            self.app.notify(self.tr(key, table=data.get("table") or "?"), severity="warning", timeout=10)
        if kind in FOLLOW:
            self.load()
        return False

    def done(self, tag, result, error) -> None:
        t = self.table or {}
        table = t.get("table") or "?"
        if tag == "tables":
            if error is None:
                self.show(result)
            return
        if tag == "close" and error is not None and error.code == "bill_unpaid" and t:
            self.app.push_screen(ForceCloseDialog(t), self._after_force)
            return
        if tag == "code" and error is not None:
            self.app.notify(self.tr("code_failed", message=error.message), severity="warning")
            return
        if error is not None:
            super().done(tag, result, error)
            self.load()
            return
        if tag == "cash":
            self.app.notify(self.tr("bill_cash_done", table=table, amount=fen(result.get("amount"))))
        elif tag == "code":
            paid = result.get("paid")
            self.app.notify(self.tr("bill_code_paid" if paid else "bill_code_paying", table=table,
                                    amount=fen(result.get("amount"))))
        elif tag == "open":
            self.selected = result.get("session_id") or self.selected
            self.app.notify(self.tr("opened", table=result.get("table") or "?"))
        elif tag == "close":
            self.app.notify(self.tr("closed_table", table=table))
        self.load()

    def show(self, doc: dict) -> None:
        if doc == self.doc:
            return  # nothing changed: the focus stays where it is
        self.doc = doc
        ids = [t["session_id"] for t in self.tables]
        if self.selected not in ids:
            self.selected = ids[0] if ids else None
        self.redraw()

    def redraw(self) -> None:
        """Show `doc` and `selected`. The fields and buttons at the bottom and of the bill stay mounted
        (updated in place), so a redraw never takes the keys a cashier is typing; the lists are
        rebuilt one rebuild at a time, never cancelled half-way."""
        online = bool((self.doc or {}).get("online")) if self.doc is not None else True
        t = self.table
        due = self.money_due()
        money = self.query_one("#bill-money")
        money.display = t is not None
        cash = self.query_one("#bill-cash", TouchButton)
        cash.label = self.tr("take_bill_cash", due=fen(t["bill"]["due"] if t else 0))
        for widget in (cash, self.query_one("#bill-code", Input), self.query_one("#bill-take-code", TouchButton)):
            widget.disabled = not due
        self.query_one("#open-table", TouchButton).disabled = self.doc is not None and not online
        self.query_one("#close-table", TouchButton).disabled = t is None or not online
        self.stale = True
        if not self.rebuilding:
            self.rebuilding = True
            self.run_worker(self._rebuild_lists(), group="tables-redraw")

    async def _rebuild_lists(self) -> None:
        try:
            while self.stale:
                self.stale = False
                online = self.doc is None or bool(self.doc.get("online"))
                banner = self.query_one("#tables-banner", Vertical)
                await banner.remove_children()
                if not online:
                    await banner.mount(Label(self.tr("tables_offline"), id="tables-offline", classes="-bad"))
                listing = self.query_one("#table-list", VerticalScroll)
                await listing.remove_children()
                await listing.mount_all(self.list_rows())
                info = self.query_one("#table-info", Vertical)
                await info.remove_children()
                await info.mount_all(self.detail())
        except NoMatches:  # the screen closed meanwhile
            pass
        finally:
            self.rebuilding = False

    # -- actions ----------------------------------------------------------------------------------------
    @on(Button.Pressed, ".table-row")
    def choose(self, event: Button.Pressed) -> None:
        self.selected = event.button.value
        self.redraw()

    @on(Button.Pressed, ".round-row")
    def open_round(self, event: Button.Pressed) -> None:
        self.app.push_screen(OrderScreen(event.button.value))

    @on(Button.Pressed, ".call-done")
    def call_done(self, event: Button.Pressed) -> None:
        self.call("call", self.client.call_handled, event.button.value)

    @on(Button.Pressed, "#bill-cash")
    def take_cash(self) -> None:
        if self.table:
            self.call("cash", self.client.pay_bill_cash, self.table["session_id"])

    @on(Button.Pressed, "#bill-take-code")
    @on(Input.Submitted, "#bill-code")
    def take_code(self) -> None:
        box = self.query_one("#bill-code", Input)
        code, box.value = box.value.strip(), ""  # the code leaves the screen at once
        if code and self.table:
            self.call("code", self.client.pay_bill_code, self.table["session_id"], code)

    @on(Button.Pressed, "#close-table")
    def close_table(self) -> None:
        if self.table:
            self.call("close", self.client.close_table, self.table["session_id"])

    def _after_force(self, result: dict | None) -> None:
        if result:
            self.done("close", result, None)

    @on(Button.Pressed, "#open-table")
    @on(Input.Submitted, "#open-table-no")
    def open_table(self) -> None:
        try:
            box = self.query_one("#open-table-no", Input)
        except NoMatches:
            return
        table, box.value = box.value.strip(), ""
        if table:
            self.call("open", self.client.open_table, table)

    @on(Button.Pressed, "#tables-refresh")
    def refresh_tables(self) -> None:
        self.load()

    @on(Button.Pressed, "#tables-back")
    def back(self) -> None:
        self.action_back()


class ForceCloseDialog(ManagerDialog):
    """清台 while the table still owes money: a manager chooses their name and enters their PIN."""

    def __init__(self, table: dict) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        with Vertical(id="force-box"):
            yield Label(self.tr("force_title", table=self.table.get("table") or "?",
                                due=fen(self.table["bill"]["due"])), classes="c-heading")
            yield from self.manager_list(lambda staff_id: safe_id("mgr", staff_id))
            yield Input(placeholder=self.tr("manager_pin"), password=True, id="force-pin", max_length=12)
            yield Label(self.message, id="force-message")
            with Horizontal(classes="c-actions"):
                yield TouchButton(self.tr("force_close"), id="force-ok", variant="error")
                yield TouchButton(self.tr("cancel"), id="force-cancel")

    def done(self, tag, result, error) -> None:
        if tag == "staff" and error is None:
            self.managers_loaded(result)
        elif tag == "close":
            if error is None:
                self.dismiss(result)
                return
            self.message = self.refusal(error)
            self.query_one("#force-message", Label).update(self.message)
        else:
            super().done(tag, result, error)

    @on(Button.Pressed, "#force-ok")
    @on(Input.Submitted, "#force-pin")
    def submit(self) -> None:
        if not self.manager:
            self.query_one("#force-message", Label).update(self.tr("manager"))
            return
        box = self.query_one("#force-pin", Input)
        pin, box.value = box.value, ""
        self.call("close", self.client.close_table, self.table["session_id"], self.manager, pin)

    @on(Button.Pressed, "#force-cancel")
    def cancel(self) -> None:
        self.dismiss(None)
