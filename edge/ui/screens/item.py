"""One dish: option groups as rows of toggle buttons (default preselected, price deltas shown),
the note chips this dish offers (少辣, 走葱 …), quantity − / +, and "add to cart" with the line's display price.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, ItemGrid, VerticalScroll
from textual.widgets import Button

from edge.money import format_delta, format_fen
from edge.ui.order_draft import MAX_QTY
from edge.ui.i18n import both, name
from edge.ui.screens.kiosk_screen import KioskScreen
from edge.ui.widgets.buttons import ToggleButton, TouchButton, safe_id
from edge.ui.widgets.plain import Label
from edge.ui.widgets.topbar import TopBar


class ItemScreen(KioskScreen):
    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id
        self.choice: dict[str, str] | None = None  # group id -> option id, preset on first compose
        self.notes: list[str] = []
        self.qty = 1

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        menu = self.kiosk.menu
        item = menu.item(self.item_id) if menu else None
        if self.choice is None:
            self.choice = menu.default_choice(item) if item else {}
        yield TopBar()
        with VerticalScroll(id="item-body"):
            if item is None:
                yield Label(self.tr("sold_out"), id="item-name", classes="title")
            else:
                yield from self._compose_item(item)
        with Horizontal(id="item-bar", classes="bottom-bar"):
            yield TouchButton("−", id="qty-minus", classes="qty-button", disabled=self.qty <= 1)
            yield Label(str(self.qty), id="qty")
            yield TouchButton("+", id="qty-plus", classes="qty-button", disabled=self.qty >= MAX_QTY)
            yield TouchButton(self.tr("cancel"), id="cancel-item")
            yield TouchButton(self._add_label(), id="add-to-cart", variant="success",
                              disabled=not (menu and menu.is_available(self.item_id)))

    def _compose_item(self, item: dict) -> ComposeResult:
        menu, lang = self.kiosk.menu, self.lang
        yield Label(both(item, lang), id="item-name", classes="title")
        sold = f"  {self.tr('sold_out')}" if item.get("sold_out") else ""
        yield Label(format_fen(int(item.get("price", 0))) + sold, id="item-price")
        for group in menu.groups_of(item):
            yield Label(f"{self.tr('options_for')} {name(group, lang)}", classes="group-title")
            with ItemGrid(min_column_width=18, classes="option-row", id=safe_id("group", group["id"])):
                for option in group.get("options", []):
                    delta = format_delta(int(option.get("price_delta", 0)))
                    label = f"{name(option, lang)} {delta}".strip()
                    yield ToggleButton(label, id=safe_id("opt", option["id"]), classes="option",
                                       value=option["id"], selected=self.choice.get(group["id"]) == option["id"])
        chips = menu.chips_for(item)  # only the notes this dish offers (少冰 with drinks, not with dim sum)
        if chips:
            yield Label(self.tr("notes"), classes="group-title")
            with ItemGrid(min_column_width=18, id="note-chips"):
                for chip in chips:
                    yield ToggleButton(name(chip, lang), id=safe_id("note", chip["id"]), classes="note",
                                       value=chip["id"], selected=chip["id"] in self.notes)

    def _options(self) -> tuple[str, ...]:
        menu, item = self.kiosk.menu, self.kiosk.menu.item(self.item_id)
        return tuple(self.choice[g["id"]] for g in menu.groups_of(item) if g["id"] in self.choice)

    def _add_label(self) -> str:
        menu = self.kiosk.menu
        if menu is None or menu.item(self.item_id) is None:
            return self.tr("add_to_cart", price="")
        price = menu.unit_price(self.item_id, self._options()) * self.qty
        return self.tr("add_to_cart", price=format_fen(price))

    def _refresh_totals(self) -> None:
        self.query_one("#qty", Label).update(str(self.qty))
        self.query_one("#qty-minus", Button).disabled = self.qty <= 1
        self.query_one("#qty-plus", Button).disabled = self.qty >= MAX_QTY
        self.query_one("#add-to-cart", Button).label = self._add_label()

    def on_mount(self) -> None:
        self.kiosk.menu_signal.subscribe(self, lambda _: self.refresh(recompose=True))

    # -- taps --------------------------------------------------------------------------------
    @on(Button.Pressed, ".option")
    def choose_option(self, event: Button.Pressed) -> None:
        group = self.kiosk.menu.group_of_option(event.button.value)
        if group is None:
            return
        if self.choice.get(group["id"]) == event.button.value:
            if group.get("required", True):
                return  # a required group always keeps one choice
            del self.choice[group["id"]]
        else:
            self.choice[group["id"]] = event.button.value
        in_group = {o["id"] for o in group.get("options", [])}
        for button in self.query(".option").results(ToggleButton):
            if button.value in in_group:
                button.selected = self.choice.get(group["id"]) == button.value
        self._refresh_totals()

    @on(Button.Pressed, ".note")
    def toggle_note(self, event: Button.Pressed) -> None:
        chip, button = event.button.value, event.button
        if chip in self.notes:
            self.notes.remove(chip)
        else:
            self.notes.append(chip)
        if isinstance(button, ToggleButton):
            button.selected = chip in self.notes

    @on(Button.Pressed, "#qty-minus")
    def less(self) -> None:
        self.qty = max(1, self.qty - 1)
        self._refresh_totals()

    @on(Button.Pressed, "#qty-plus")
    def more(self) -> None:
        self.qty = min(MAX_QTY, self.qty + 1)
        self._refresh_totals()

    @on(Button.Pressed, "#cancel-item")
    def cancel(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#add-to-cart")
    def add(self) -> None:
        menu = self.kiosk.menu
        if menu is None or not menu.is_available(self.item_id):
            return
        try:
            self.kiosk.draft.cart.add(self.item_id, self.qty, self._options(), tuple(self.notes))
        except ValueError as error:
            self.app.notify(str(error), severity="error")
            return
        self.kiosk.cart_changed()
        self.app.pop_screen()
