"""The cashier's main screen: what the last scan was (voucher, pickup code, table, payment code)
with the one action it allows, and the orders (search by ticket number / table / time).

Scans never act by themselves: a voucher scan shows its status and a 核销 button, a pickup code
the order and a 确认取餐 button. Several cashier screens on one core all see every scan, so only
the screen where someone taps acts, and the core does it once (the other tap is told "already").
"""

from __future__ import annotations

import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.widgets import Button, Input

from edge.ui.cashier.cashier_screen import CashierBar, CashierScreen, HomeLike, fen, status_word, when
from edge.ui.cashier.order import OrderScreen
from edge.ui.cashier.report_screen import ReportScreen
from edge.ui.cashier.soldout import SoldOutScreen
from edge.ui.cashier.tables_screen import TablesScreen
from edge.ui.scans import masked_code
from edge.ui.screens.payments import UnresolvedPaymentsScreen
from edge.ui.widgets.buttons import ToggleButton, TouchButton
from edge.ui.widgets.plain import Label

VOUCHER_REASONS = {"voucher code for another store": "v_wrong_store", "forged voucher code": "v_forged",
                   "unknown key id": "v_unknown_key", "store keys not loaded": "v_no_keys"}


class HomeScreen(HomeLike, CashierScreen):
    BINDINGS = [Binding("f2", "tables", "Tables", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.orders: list[dict] = []
        self.query_doc: dict = {"open": False, "since_ms": None}
        self.scan: dict = {}  # the last scan: kind, title, detail, action, severity, ids
        self.orders_title = ""
        self._orders_stale = False  # a newer order list arrived than the one on screen
        self._rebuilding = False  # a rebuild of the list is under way (never cancelled half-way)

    # -- layout -------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield CashierBar()
        with Horizontal(id="home-body"):
            with VerticalScroll(id="scan-panel"):
                yield Label(self.tr("scan_hint"), id="scan-hint")
                yield Label(self.scan.get("title", ""), id="scan-title")
                yield Label(self.scan.get("detail", ""), id="scan-detail", classes=self.scan.get("severity", ""))
                yield TouchButton(self.scan.get("action_label", ""), id="scan-action", variant="success")
                yield TouchButton(self.tr("payments_button"), id="open-payments")
            with Vertical(id="orders-panel"):
                with Horizontal(id="search-row"):
                    yield Input(placeholder=self.tr("search_ticket"), id="search-ticket", max_length=8)
                    yield Input(placeholder=self.tr("search_table"), id="search-table", max_length=8)
                    yield TouchButton(self.tr("search"), id="do-search", variant="primary")
                with Horizontal(id="filter-row"):
                    yield ToggleButton(self.tr("open_only"), id="filter-open", selected=self.query_doc["open"])
                    yield ToggleButton(self.tr("last_hour"), id="filter-hour",
                                       selected=self.query_doc["since_ms"] is not None)
                yield Label(self.orders_title, id="orders-title")
                with VerticalScroll(id="order-list"):
                    yield from self.order_rows()
        with Horizontal(id="home-actions", classes="c-bottom"):
            yield TouchButton(self.tr("sold_out_button"), id="open-soldout")
            yield TouchButton(self.tr("report_button"), id="open-report")
            yield TouchButton(self.tr("tables_button"), id="open-tables", variant="primary")
            yield TouchButton(self.tr("refresh"), id="refresh")

    def order_rows(self) -> list:
        rows = []
        for o in self.orders:
            where = self.tr("table", table=o["table"]) if o.get("table") else self.tr("takeaway")
            rows.append(TouchButton(f"{o['ticket_no']}  {where}  {fen(o['total'] - o['voided'] - o['refunded'])}"
                                    f"  {status_word(self, o)}  {o['created_local'][11:16]}",
                                    id=f"order-{o['id']}", classes="order-row", value=o["id"]))
        return rows or [Label(self.tr("no_orders"), id="no-orders")]

    def show_orders_soon(self) -> None:
        """Rebuild the order list once the rebuild under way (if any) has finished.

        A rebuild is never cancelled half-way: a cancelled ``remove_children`` can leave widgets
        whose messages are never processed, and the screen stops answering."""
        self._orders_stale = True
        if not self._rebuilding:
            self._rebuilding = True
            self.run_worker(self._rebuild_orders(), group="show-orders")

    async def _rebuild_orders(self) -> None:
        try:
            while self._orders_stale:
                self._orders_stale = False
                await self.show_orders()
        finally:
            self._rebuilding = False

    async def show_orders(self) -> None:
        try:
            box = self.query_one("#order-list", VerticalScroll)
            await box.remove_children()
            await box.mount_all(self.order_rows())
            self.query_one("#orders-title", Label).update(self.orders_title)
        except NoMatches:  # the screen closed meanwhile (log out, the app quitting)
            pass

    def on_mount(self) -> None:
        super().on_mount()
        self._show_scan()
        self.load_orders()

    def on_screen_resume(self) -> None:
        """Back from an order, 估清 or the report: what changed meanwhile (events went to the
        screen on top) shows without 刷新."""
        if self.orders_title:
            self.load_orders(self.orders_title)

    def _show_scan(self) -> None:
        action = self.query_one("#scan-action", TouchButton)
        action.display = bool(self.scan.get("action"))
        action.label = self.scan.get("action_label", "")

    def set_scan(self, **scan) -> None:
        self.scan = scan
        self.query_one("#scan-title", Label).update(scan.get("title", ""))
        detail = self.query_one("#scan-detail", Label)
        detail.update(scan.get("detail", ""))
        detail.set_classes(scan.get("severity", ""))
        self._show_scan()

    # -- orders ---------------------------------------------------------------------------------------
    def load_orders(self, title: str = "") -> None:
        self.orders_title = title or self.tr("orders")
        self.call("orders", self.client.find_orders, limit=50, **self.query_doc)

    @on(Button.Pressed, "#do-search")
    @on(Input.Submitted)
    def search(self) -> None:
        self.query_doc["ticket"] = self.query_one("#search-ticket", Input).value.strip() or None
        self.query_doc["table"] = self.query_one("#search-table", Input).value.strip() or None
        self.load_orders()

    @on(Button.Pressed, "#filter-open")
    def toggle_open(self, event: Button.Pressed) -> None:
        self.query_doc["open"] = not self.query_doc["open"]
        event.button.selected = self.query_doc["open"]
        self.load_orders()

    @on(Button.Pressed, "#filter-hour")
    def toggle_hour(self, event: Button.Pressed) -> None:
        since = self.query_doc["since_ms"]
        self.query_doc["since_ms"] = None if since else int(time.time() * 1000) - 3600 * 1000
        event.button.selected = self.query_doc["since_ms"] is not None
        self.load_orders()

    @on(Button.Pressed, "#refresh")
    def refresh_orders(self) -> None:
        self.load_orders()

    @on(Button.Pressed, ".order-row")
    def open_order(self, event: Button.Pressed) -> None:
        self.app.push_screen(OrderScreen(event.button.value))

    @on(Button.Pressed, "#open-tables")
    def action_tables(self) -> None:
        if self.app.screen is self:
            self.app.push_screen(TablesScreen())

    @on(Button.Pressed, "#open-soldout")
    def open_soldout(self) -> None:
        self.app.push_screen(SoldOutScreen())

    @on(Button.Pressed, "#open-report")
    def open_report(self) -> None:
        self.app.push_screen(ReportScreen())

    @on(Button.Pressed, "#open-payments")
    def open_payments(self) -> None:
        self.app.push_screen(UnresolvedPaymentsScreen())

    # -- scans ----------------------------------------------------------------------------------------
    def staff_event(self, kind: str, data: dict) -> bool:
        if kind == "scan":
            self.on_scan(data)
            return True
        if kind in ("cashier.changed", "order.placed", "order.paid", "resync"):
            self.load_orders(self.orders_title)
        elif kind == "table.call":
            key = "call_arrived_bill" if data.get("kind") == "bill" else "call_arrived_waiter"
            self.app.notify(self.tr(key, table=data.get("table") or "?"), severity="warning", timeout=30)
        elif kind == "voucher.conflict":
            self.app.notify(self.tr("conflict", id=data.get("voucher_id", "?")), severity="error", timeout=30)
        return False

    def on_scan(self, data: dict) -> None:
        kind = data.get("kind")
        if kind == "voucher":
            value = fen(data.get("value"))
            title = (self.tr("coupon", id=data.get("voucher_id"), terms=self.coupon_terms(data))
                     if data.get("coupon_kind") else self.tr("voucher", id=data.get("voucher_id"), value=value))
            self.set_scan(kind="voucher", voucher_id=data.get("voucher_id"), title=title, detail="…")
            self.call("verify", self.client.verify_voucher, data.get("voucher_id"))
        elif kind == "pickup":
            self.set_scan(kind="pickup", order_id=data.get("order_id"), ticket=data.get("ticket_no"),
                          title=self.tr("pickup", ticket=data.get("ticket_no")), detail="…")
            self.call("pickup-order", self.client.order_detail, data.get("order_id"))
        elif kind == "table":
            table = str(data.get("table") or "")
            self.set_scan(kind="table", title=self.tr("table_orders", table=table))
            self.query_doc.update(table=table, ticket=None, open=True)
            self.query_one("#search-table", Input).value = table
            self.query_one("#filter-open", ToggleButton).selected = True
            self.load_orders(self.tr("table_orders", table=table))
        elif kind in ("alipay", "wechat", "unionpay"):
            self.set_scan(kind="payment", payments=True, title=self.tr("payment_code", code=masked_code(
                data.get("text_masked"))), detail=self.tr("payment_here"))
        elif kind == "enroll":
            self.set_scan(kind="enroll", title=self.tr("enroll_code"))
        elif data.get("claimed") == "voucher":
            key = VOUCHER_REASONS.get(str(data.get("reason")), "v_malformed")
            self.set_scan(kind="voucher", title=self.tr("v_malformed" if key == "v_malformed" else "unknown_code"),
                          detail=self.tr(key), severity="-bad")
        else:
            self.set_scan(kind="unknown", title=self.tr("unknown_code"), detail=str(data.get("reason") or ""),
                          severity="-bad")

    def coupon_terms(self, data: dict) -> str:
        """A member coupon's terms, signed into its code: 满¥100.00减¥20.00, 满¥100.00 打9折 最多减¥20.00."""
        spend, value = int(data.get("min_spend") or 0), data.get("value")
        if data.get("coupon_kind") == "percent":
            pct = int(data.get("percent_off") or 0)
            return self.tr("coupon_percent", spend=fen(spend), rate=f"{(100 - pct) / 10:g}", pct=pct, cap=fen(value))
        return self.tr("coupon_amount_over" if spend else "coupon_amount", spend=fen(spend), off=fen(value))

    def voucher_text(self, doc: dict) -> tuple[str, str]:
        status = doc["status"]
        if status == "redeemed" and doc.get("online") is False:
            return self.tr("v_redeemed_offline"), "-good"
        text = self.tr(f"v_{status}")
        record = doc.get("redemption") or {}
        if status == "already_used" and record:
            where = self.tr("this_device") if record.get("device") == "this device" else \
                self.tr("other_device", name=record.get("device_name") or record.get("device_id") or "?")
            text += "  " + self.tr("used_at", when=when(record.get("at_ms") or record.get("redeemed_ms")),
                                   where=where)
        return text, "-good" if status in ("valid", "redeemed") else "-bad"

    @on(Button.Pressed, "#scan-action")
    def act(self) -> None:
        scan = self.scan
        if scan.get("action") == "redeem":
            self.set_scan(**{**scan, "action": None, "detail": "…"})
            self.call("redeem", self.client.redeem_voucher, scan["voucher_id"])
        elif scan.get("action") == "collect":
            self.set_scan(**{**scan, "action": None, "detail": "…"})
            self.call("collect", self.client.collect, scan["order_id"])

    def done(self, tag, result, error) -> None:
        scan = self.scan
        if tag == "orders" and error is None:
            self.orders = result
            self.show_orders_soon()
        elif tag in ("verify", "redeem") and error is None:
            detail, severity = self.voucher_text(result)
            action = "redeem" if result["status"] == "valid" else None
            self.set_scan(**{**scan, "detail": detail, "severity": severity, "action": action,
                             "action_label": self.tr("redeem")})
        elif tag in ("verify", "redeem") and error.code == "code_not_held":
            self.set_scan(**{**scan, "detail": error.message, "severity": "-bad", "action": None})
        elif tag == "pickup-order":
            if error is not None:
                self.set_scan(**{**scan, "detail": self.tr("not_here"), "severity": "-bad", "action": None})
            else:
                self._pickup_state(result)
        elif tag == "collect":
            ticket = scan.get("ticket", "")
            if error is None:
                self.set_scan(**{**scan, "detail": self.tr("collected", ticket=ticket), "severity": "-good"})
            elif error.code == "already_collected":
                detail = getattr(error, "detail", {}) or {}
                self.set_scan(**{**scan, "severity": "-bad", "detail": self.tr(
                    "already_collected", ticket=ticket, when=when(detail.get("collected_ms")),
                    who=detail.get("staff_name") or detail.get("staff_id") or "?")})
            else:
                self.set_scan(**{**scan, "detail": self.tr("error", message=error.message), "severity": "-bad"})
        else:
            super().done(tag, result, error)

    def _pickup_state(self, order: dict) -> None:
        scan, ticket = self.scan, order["ticket_no"]
        collected = order.get("collected")
        if collected:
            staff = collected.get("staff_id")
            self.set_scan(**{**scan, "severity": "-bad", "action": None, "detail": self.tr(
                "already_collected", ticket=ticket, when=when(collected.get("collected_ms")), who=staff)})
        elif order["status"] == "voided":
            self.set_scan(**{**scan, "severity": "-bad", "action": None, "detail": self.tr("pickup_voided",
                                                                                          ticket=ticket)})
        else:
            name = "name_en" if self.lang == "en" else "name_zh"
            lines = "，".join(f"{line.get(name) or line['name_zh']}×{line['qty'] - line.get('voided_qty', 0)}"
                             for line in order["lines"] if line["qty"] > line.get("voided_qty", 0))
            self.set_scan(**{**scan, "detail": lines, "severity": "", "action": "collect",
                             "action_label": self.tr("collect")})
