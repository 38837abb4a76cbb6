"""Which printer each kitchen station of the menu (and the receipts) prints on: tap to cycle."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll

from edge.ui.technician.technician_screen import bilingual
from edge.ui.technician.wizard import WizardStep
from edge.ui.widgets.buttons import TouchButton, safe_id
from edge.ui.widgets.plain import Label

NONE = "—"


class StationsScreen(WizardStep):
    """Which printer each kitchen station (from the menu) and the receipts print on: tap to cycle."""

    TITLE_KEY = "stations"
    DEFAULT_CSS = """
    StationsScreen .station-name { width: 24; }
    StationsScreen .station { width: 1fr; }
    """

    def __init__(self, step: int | None = None):
        super().__init__(step)
        self.choice: dict[str, str] = {}
        self.printers: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.header()
        yield VerticalScroll(Label("…", id="stations-message"), classes="tech-body", id="stations-body")
        save = [TouchButton(bilingual("save"), id="save", variant="primary")] if self.step is None else []
        yield self.nav("save", *save)

    def on_mount(self) -> None:
        self.call(self.client.state, done=self._state)

    async def _state(self, state: dict) -> None:
        self.printers = list(state["printers"])
        counter = [("receipt", "小票 Receipt"), ("report", "日结单 Day report")]
        stations = [(s["id"], f"{s['zh']} {s['en']}") for s in state["menu_stations"]] + counter
        self.choice = {sid: state["stations"].get(sid, "") for sid, _ in stations}
        message = self.query_one("#stations-message", Label)
        if not self.printers:
            message.update("还没有打印机 No printer yet: add one first")
        elif not state["menu_stations"]:
            message.update("菜单还没到 No menu yet (it comes after enrollment): set the stations later")
        else:
            message.update("点按切换打印机 Tap to change the printer")
        rows = [Horizontal(Label(title, classes="station-name"),
                           TouchButton(self.choice[sid] or NONE, id=safe_id("st", sid), classes="station", value=sid),
                           classes="row") for sid, title in stations] if self.printers else []
        await self.query_one("#stations-body").mount_all(rows)

    def on_button_pressed(self, event) -> None:
        button = event.button
        if button.has_class("station"):
            event.stop()
            options = ["", *self.printers]
            current = self.choice.get(button.value, "")
            self.choice[button.value] = options[(options.index(current) + 1) % len(options)] \
                if current in options else ""
            button.label = self.choice[button.value] or NONE
        elif button.id in ("next", "save"):
            event.stop()
            stations = {s: p for s, p in self.choice.items() if p}
            self.call(self.client.settings, {"stations": stations}, done=lambda _: self.go_next())
        else:
            super().on_button_pressed(event)
