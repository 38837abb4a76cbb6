"""The bar on top of every kiosk screen: title, core / printer / camera status line, the table the
order is bound to (after a table QR code was scanned), language switch."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from edge.ui.i18n import t
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label


class TopBar(Horizontal):
    """Shows `app.status_text()` and `app.table_badge()`; #lang switches 中文 / English everywhere."""

    def __init__(self, subtitle: str = "", **kwargs):
        super().__init__(**kwargs)
        self.subtitle = subtitle

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        title = t("brand", lang) + (f" · {self.subtitle}" if self.subtitle else "")
        yield Label(title, id="brand")
        yield Label(self.app.status_text(), id="status")
        yield Label(self.app.table_badge(), id="table-badge")
        yield TouchButton(t("lang_button", lang), id="lang")

    def on_mount(self) -> None:
        self.app.status_signal.subscribe(self, self._status_changed)
        self.app.table_signal.subscribe(self, self._table_changed)
        self._status_changed()
        self._table_changed()

    def _table_changed(self, _: object = None) -> None:
        badge = self.query_one("#table-badge", Label)
        text = self.app.table_badge()
        badge.update(text)
        badge.display = bool(text)

    def _status_changed(self, _: object = None) -> None:
        status = self.query_one("#status", Label)
        status.update(self.app.status_text())
        status.set_class(self.app.core_state != "online", "-offline")
        status.set_class(bool(self.app.printer_problems) or self.app.camera_problem is not None, "-printer")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "lang":
            event.stop()
            self.app.toggle_language()
