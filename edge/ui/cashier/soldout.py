"""估清: every dish as a toggle (售罄 / 有货); a tap changes it at once for every screen of this
core, and through upstream for the other devices and phone ordering."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button

from edge.ui.cashier.cashier_screen import CashierBar, CashierScreen
from edge.ui.widgets.buttons import ToggleButton, TouchButton, safe_id
from edge.ui.widgets.plain import Label


class SoldOutScreen(CashierScreen):
    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict] = []

    def compose(self) -> ComposeResult:
        yield CashierBar(self.tr("sold_out_button"))
        yield Label(self.tr("sold_out_title"), classes="c-heading")
        with VerticalScroll(id="soldout-body"):
            with Grid(id="soldout-grid"):
                for item in self.items:
                    state = self.tr("sold_out") if item.get("sold_out") else self.tr("in_stock")
                    name = item["en"] if self.lang == "en" else item["zh"]
                    yield ToggleButton(f"{name}  {state}", selected=bool(item.get("sold_out")),
                                       id=safe_id("so", item["id"]), classes="so-item", value=item["id"])
        with Horizontal(classes="c-bottom"):
            yield TouchButton(self.tr("back"), id="soldout-back")

    def fit_columns(self) -> None:
        """As many columns as the longest name (and its 售罄 / 有货) allows, 1 to 3: English names
        are long, and a cut name is no use at 80 columns."""
        grids = self.query("#soldout-grid").results(Grid)
        grid = next(iter(grids), None)
        if grid is None:
            return
        longest = max((cell_len(str(b.label)) for b in grid.query(".so-item").results(ToggleButton)), default=0)
        cell = longest + 5  # the button's borders and padding, and the gutter
        grid.styles.grid_size_columns = max(1, min(3, (self.size.width - 2) // max(cell, 1)))

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns()

    def on_mount(self) -> None:
        super().on_mount()
        self.call("menu", self.client.menu)

    def staff_event(self, kind: str, data: dict) -> bool:
        if kind == "menu.changed":
            self.call("menu", self.client.menu)
        return False

    def done(self, tag, result, error) -> None:
        if tag == "menu" and error is None:
            self.items = result.get("items", [])
            self.refresh(recompose=True)
            self.call_after_refresh(self.fit_columns)
        elif tag == "toggle" and error is None:
            self.call("menu", self.client.menu)
        else:
            super().done(tag, result, error)

    @on(Button.Pressed, ".so-item")
    def toggle(self, event: Button.Pressed) -> None:
        item = next(i for i in self.items if i["id"] == event.button.value)
        self.call("toggle", self.client.set_sold_out, item["id"], not item.get("sold_out"))

    @on(Button.Pressed, "#soldout-back")
    def back(self) -> None:
        self.action_back()
