"""The void (退菜) confirmation: what is voided and its amount, a reason chosen from chips, and
— when the core says the void is above the store's threshold (`manager_required`) — a manager's
name and PIN. Nothing is voided until the cashier confirms; the core checks the reason and the
threshold again (docs/cashier.md, "Voids"). Dismissed with the core's answer, or None.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button, Input

from edge.ui.cashier.cashier_screen import CashierDialog, fen
from edge.ui.i18n import translator
from edge.ui.widgets.buttons import ToggleButton, TouchButton
from edge.ui.widgets.plain import Label

REASONS = (("guest", "客人不要了", "Guest changed their mind"), ("wrong", "上错菜", "Wrong dish served"),
           ("sold_out", "缺货估清", "Out of stock"), ("slow", "等太久", "Waited too long"), ("other", "其他", "Other"))
WORDS = {
    "title": ("确认退菜  {ticket}", "Confirm the void  {ticket}"),
    "all": ("整单退菜", "Void the whole order"),
    "amount": ("退菜金额 {amount}", "Void amount {amount}"),
    "reason": ("退菜原因", "Reason"),
    "pick_reason": ("请选择退菜原因", "Choose a reason"),
    "manager_needed": ("退菜超过 {above}，需经理授权：选择经理并输入经理密码",
                       "Voids above {above} need a manager: choose one and enter their PIN"),
    "pick_manager": ("请选择经理并输入经理密码", "Choose a manager and enter their PIN"),
    "manager_pin": ("经理密码", "Manager PIN"),
    "bad_pin": ("经理密码错误，还可尝试 {left} 次", "Wrong manager PIN: {left} tries left"),
    "locked": ("错误次数过多，已锁定，请 {seconds} 秒后再试", "Too many wrong PINs: locked, try again in {seconds} s"),
    "not_manager": ("此员工不能授权", "This staff member cannot approve"),
    "confirm": ("确认退菜", "Void"), "cancel": ("取消", "Cancel"),
    "error": ("操作失败：{message}", "Failed: {message}"),
}

word = translator(WORDS)


def voided_lines(order: dict, lines: list[dict] | None) -> list[tuple[dict, int]]:
    """(line, qty) of what the void takes back: `lines` [{line_no, qty}], None = everything left."""
    by_no = {line["line_no"]: line for line in order["lines"]}
    if lines is None:
        return [(line, line["qty"] - line["voided_qty"]) for line in order["lines"]
                if line["qty"] - line["voided_qty"] > 0]
    return [(by_no[entry["line_no"]], entry["qty"]) for entry in lines if entry["line_no"] in by_no]


def unit_price(line: dict) -> int:
    return line["total"] // line["qty"] if line.get("qty") else 0


class VoidDialog(CashierDialog):
    """Confirm a void of `lines` ([{line_no, qty}], None: the whole order) of `order`."""

    DEFAULT_CSS = """
    VoidDialog.cashier { align: center middle; }
    VoidDialog #void-box { width: 70; max-width: 98%; height: auto; max-height: 98%; border: thick $error;
                           background: $surface; padding: 0 1; }
    VoidDialog #void-reasons, VoidDialog #void-managers { grid-size: 3; grid-gutter: 0 1; grid-rows: 3;
                                                           height: auto; }
    VoidDialog .void-reason, VoidDialog .void-mgr { width: 100%; }
    VoidDialog #void-amount { text-style: bold; }
    VoidDialog #void-message { color: $error; }
    VoidDialog #void-buttons { height: auto; margin: 1 0 0 0; }
    VoidDialog #void-buttons Button { width: 1fr; }
    """

    def __init__(self, order: dict, lines: list[dict] | None) -> None:
        super().__init__()
        self.order, self.lines = order, lines
        self.what = voided_lines(order, lines)
        self.amount = sum(unit_price(line) * qty for line, qty in self.what)
        self.reason: str | None = None
        self.managers: list[dict] | None = None  # shown once the core asks for a manager
        self.manager: str | None = None
        self.above: int | None = None
        self.message = ""

    def t(self, key: str, **values: object) -> str:
        return word(key, self.lang, **values)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="void-box"):
            yield Label(self.t("title", ticket=self.order["ticket_no"]), classes="c-heading", id="void-title")
            if self.lines is None:
                yield Label(self.t("all"), id="void-all-note")
            for line, qty in self.what:
                yield Label(f"{line['name_zh']} ×{qty}  {fen(unit_price(line) * qty)}", classes="void-what")
            yield Label(self.t("amount", amount=fen(self.amount)), id="void-amount")
            yield Label(self.t("reason"), classes="c-label")
            with Grid(id="void-reasons"):
                for key, zh, en in REASONS:
                    yield ToggleButton(zh if self.lang == "zh" else en, id=f"void-reason-{key}", classes="void-reason",
                                       value=zh, selected=self.reason == zh)
            if self.managers is not None:
                yield Label(self.t("manager_needed", above=fen(self.above or 0)), id="void-manager-note",
                            classes="c-label")
                with Grid(id="void-managers"):
                    for m in self.managers:
                        yield ToggleButton(m["name"], id=f"void-mgr-{m['staff_id']}", classes="void-mgr",
                                           value=m["staff_id"], selected=m["staff_id"] == self.manager)
                yield Input(placeholder=self.t("manager_pin"), password=True, id="void-manager-pin", max_length=12)
            yield Label(self.message, id="void-message")
            with Horizontal(id="void-buttons"):
                yield TouchButton(self.t("confirm"), id="void-ok", variant="error")
                yield TouchButton(self.t("cancel"), id="void-cancel")

    def _ask_manager(self) -> None:
        """The manager's PIN field takes the keys; the confirm button scrolls into view (80x24)."""
        for pin in self.query("#void-manager-pin").results(Input):
            pin.focus()
            self.query_one("#void-box", VerticalScroll).scroll_end(animate=False)

    def _say(self, text: str) -> None:
        self.message = text
        self.query_one("#void-message", Label).update(text)

    @on(Button.Pressed, ".void-reason")
    def choose_reason(self, event: Button.Pressed) -> None:
        self.reason = event.button.value
        for button in self.query(".void-reason").results(ToggleButton):
            button.selected = button.value == self.reason
        self._say("")

    @on(Button.Pressed, ".void-mgr")
    def choose_manager(self, event: Button.Pressed) -> None:
        self.manager = event.button.value
        for button in self.query(".void-mgr").results(ToggleButton):
            button.selected = button.value == self.manager

    @on(Button.Pressed, "#void-ok")
    def confirm(self) -> None:
        if not self.reason:
            self._say(self.t("pick_reason"))
            return
        if self.managers is None:
            self.call("void", self.client.void, self.order["id"], self.lines, self.reason)
            return
        pin = self.query_one("#void-manager-pin", Input).value
        if not self.manager or not pin:
            self._say(self.t("pick_manager"))
            return
        self.call("void", self.client.void, self.order["id"], self.lines, self.reason, manager_id=self.manager,
                  manager_pin=pin)

    def done(self, tag, result, error) -> None:
        if tag == "staff":
            if error is not None:
                self._say(self.t("error", message=error.message))
                return
            self.managers = [s for s in result if s["role"] in ("manager", "owner")]
            if len(self.managers) == 1:
                self.manager = self.managers[0]["staff_id"]
            self.refresh(recompose=True)
            self.call_after_refresh(self._ask_manager)
            return
        if error is None:
            self.dismiss(result)
            return
        detail = getattr(error, "detail", {}) or {}
        if error.code == "manager_required" and self.managers is None:
            self.above = detail.get("above")
            self.message = ""
            self.call("staff", self.client.staff_list)
            return
        known = {"manager_required": self.t("pick_manager"),
                 "manager_pin": self.t("bad_pin", left=detail.get("attempts_left", "?")),
                 "locked": self.t("locked", seconds=detail.get("retry_after_s", "?")),
                 "not_manager": self.t("not_manager")}
        self._say(known.get(error.code, self.t("error", message=error.message)))

    @on(Button.Pressed, "#void-cancel")
    def cancel(self) -> None:
        self.dismiss(None)
