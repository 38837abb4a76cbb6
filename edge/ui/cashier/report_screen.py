"""日结: the day report in the printer's words and the screen's language, with 打印 and 日结并打印
(recorded as an event)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button

from edge.ui.cashier.cashier_screen import CashierBar, CashierScreen
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label, Static


class ReportScreen(CashierScreen):
    def __init__(self, day: str | None = None) -> None:
        super().__init__()
        self.day = day
        self.report: dict | None = None

    def compose(self) -> ComposeResult:
        yield CashierBar(self.tr("report_button"))
        with VerticalScroll(id="report-body"):
            if self.report:
                yield Label(self.tr("report_title", day=self.report["day"])
                            + (f"  ({self.tr('day_closed')})" if self.report.get("closed") else ""),
                            id="report-title", classes="c-heading")
            yield Static(self.report_text(), id="report-text")
        with Horizontal(classes="c-bottom"):
            yield TouchButton(self.tr("print"), id="print-report")
            yield TouchButton(self.tr("close_day"), id="close-day", variant="warning")
            yield TouchButton(self.tr("back"), id="report-back")

    def report_text(self) -> str:
        """The report as printed, in the screen's language (the paper carries both)."""
        if not self.report:
            return "…"
        lines = self.report.get("lines", {}).get(self.lang) or self.report["text"].splitlines()
        return "\n".join(lines[1:])  # the first line is the title, shown above

    def on_mount(self) -> None:
        super().on_mount()
        self.call("load", self.client.day_report, self.day)

    def staff_event(self, kind: str, data: dict) -> bool:
        if kind in ("order.placed", "cashier.changed"):
            self.call("load", self.client.day_report, self.day)
        return False

    def done(self, tag, result, error) -> None:
        if error is not None:
            super().done(tag, result, error)
        elif tag == "load":
            self.report = result
            self.refresh(recompose=True)
        elif tag == "print":
            self.app.notify(self.tr("printed"))
        elif tag == "close":
            self.report = result
            self.app.notify(self.tr("day_closed"))
            self.refresh(recompose=True)

    @on(Button.Pressed, "#print-report")
    def print_report(self) -> None:
        self.call("print", self.client.print_report, self.report["day"] if self.report else None)

    @on(Button.Pressed, "#close-day")
    def close_day(self) -> None:
        self.call("close", self.client.close_day, self.report["day"] if self.report else None)

    @on(Button.Pressed, "#report-back")
    def back(self) -> None:
        self.action_back()
