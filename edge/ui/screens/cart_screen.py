"""The cart: every line with its options and notes, − / + quantity, remove, and the total.

Line widgets are numbered by position (#line-0-plus, #line-0-remove …) and rebuilt after each
change; the cart itself lives in `app.draft`, so leaving this screen loses nothing.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button

from edge.money import format_fen
from edge.ui.i18n import name, t
from edge.ui.order_draft import MAX_QTY, CartLine
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.kiosk_screen import KioskScreen
from edge.ui.widgets.buttons import TouchButton
from edge.ui.widgets.plain import Label
from edge.ui.widgets.topbar import TopBar


def describe_line(menu, line: CartLine, lang: str) -> str:
    """'干炒牛河\\n大 · 中辣 · 走葱\\n@ ¥37.00' (options and notes line left out when empty)."""
    item = menu.item(line.item_id) or {"id": line.item_id}
    extras = [name(menu.option(o) or {"id": o}, lang) for o in line.options]
    extras += [name(menu.chip(c) or {"id": c}, lang) for c in line.notes]
    parts = [name(item, lang), " · ".join(extras), f"@ {format_fen(menu.unit_price(line.item_id, line.options))}"]
    return "\n".join(p for p in parts if p)


class CartLines(VerticalScroll):
    def compose(self) -> ComposeResult:
        app = self.app
        cart, menu = app.draft.cart, app.menu
        if cart.is_empty() or menu is None:
            yield Label(t("cart_empty", app.lang), id="cart-empty")
            return
        gone = set(cart.unavailable(menu))
        for i, line in enumerate(cart.lines):
            text = describe_line(menu, line, app.lang)
            if i in gone:
                text += "\n" + t("unavailable", app.lang)
            with Horizontal(classes="cart-line -gone" if i in gone else "cart-line", id=f"line-{i}"):
                yield Label(text, classes="line-text")
                yield TouchButton("−", id=f"line-{i}-minus", classes="qty-button line-minus",
                                  value=str(i), disabled=line.qty <= 1)
                yield Label(str(line.qty), id=f"line-{i}-qty", classes="line-qty")
                yield TouchButton("+", id=f"line-{i}-plus", classes="qty-button line-plus",
                                  value=str(i), disabled=line.qty >= MAX_QTY)
                yield Label(format_fen(cart.line_total(menu, line)), classes="line-total")
                yield TouchButton(t("remove", app.lang), id=f"line-{i}-remove", classes="line-remove",
                                  value=str(i), variant="error")


class CartScreen(KioskScreen):
    def compose(self) -> ComposeResult:
        yield TopBar(self.tr("cart"))
        yield CartLines(id="cart-lines")
        with Horizontal(id="cart-bar", classes="bottom-bar"):
            yield Label(self._total(), id="cart-total")
            yield TouchButton(self.tr("keep_ordering"), id="back")
            yield TouchButton(self.tr("checkout"), id="checkout", variant="success",
                              disabled=self.kiosk.draft.cart.is_empty())

    def _total(self) -> str:
        cart, menu = self.kiosk.draft.cart, self.kiosk.menu
        return f"{self.tr('total')} {format_fen(cart.total(menu) if menu else 0)}"

    def on_mount(self) -> None:
        self.kiosk.cart_signal.subscribe(self, self._cart_changed)
        self.kiosk.menu_signal.subscribe(self, self._cart_changed)

    def _cart_changed(self, _: object = None) -> None:
        self.query_one(CartLines).refresh(recompose=True)
        self.query_one("#cart-total", Label).update(self._total())
        self.query_one("#checkout", Button).disabled = self.kiosk.draft.cart.is_empty()

    def _change(self, index: str, delta: int | None) -> None:
        cart = self.kiosk.draft.cart
        i = int(index)
        if not 0 <= i < len(cart.lines):
            return
        if delta is None:
            cart.remove(i)
        else:
            cart.change_qty(i, delta)
        self.kiosk.cart_changed()

    @on(Button.Pressed, ".line-minus")
    def less_line(self, event: Button.Pressed) -> None:
        self._change(event.button.value, -1)

    @on(Button.Pressed, ".line-plus")
    def more_line(self, event: Button.Pressed) -> None:
        self._change(event.button.value, +1)

    @on(Button.Pressed, ".line-remove")
    def remove_line(self, event: Button.Pressed) -> None:
        self._change(event.button.value, None)

    @on(Button.Pressed, "#back")
    def keep_ordering(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#checkout")
    def checkout(self) -> None:
        self.app.push_screen(CheckoutScreen())
