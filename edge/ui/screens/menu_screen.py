"""The start screen: categories on the left, the dishes of one category as big buttons, the
cart summary at the bottom. Sold-out dishes are greyed out, marked 售罄 and cannot be tapped.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, ItemGrid, Vertical, VerticalScroll
from textual.widgets import Button

from edge.money import format_fen
from edge.ui.i18n import name, other_name, t
from edge.ui.screens.cart_screen import CartScreen
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.item import ItemScreen
from edge.ui.screens.kiosk_screen import KioskScreen
from edge.ui.widgets.buttons import TouchButton, safe_id
from edge.ui.widgets.plain import Label
from edge.ui.widgets.topbar import TopBar
from edge.ui.worker_messages import StartOver


class Catalog(ItemGrid):
    """The dish buttons of the chosen category."""

    def __init__(self, category: str, **kwargs):
        super().__init__(min_column_width=28, **kwargs)
        self.category = category

    def compose(self) -> ComposeResult:
        app, menu = self.app, self.app.menu
        for item in menu.items_in(self.category):
            sold_out = item.get("sold_out", False)
            price = format_fen(int(item.get("price", 0)))
            tail = f"{t('sold_out', app.lang)}  {price}" if sold_out else price
            lines = [name(item, app.lang), other_name(item, app.lang), tail]
            yield TouchButton("\n".join(line for line in lines if line), id=safe_id("item", item["id"]),
                              classes="dish -sold-out" if sold_out else "dish", disabled=sold_out,
                              value=item["id"])


class MenuScreen(KioskScreen):
    def __init__(self) -> None:
        super().__init__()
        self.category = ""
        self._shown_menu = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        menu = self._shown_menu = self.kiosk.menu
        if menu is None:
            with Vertical(id="loading"):
                error = self.kiosk.menu_error
                yield Label(self.tr("menu_failed") if error else self.tr("loading_menu"), id="loading-text")
                if error:
                    yield Label(error.message, id="loading-error")
                    yield TouchButton(self.tr("retry"), id="retry-menu", variant="primary")
            return
        if self.category not in {c["id"] for c in menu.categories}:
            self.category = menu.first_category()
        with Horizontal(id="menu-body"):
            with VerticalScroll(id="categories"):
                for category in menu.categories:
                    yield TouchButton(name(category, self.lang), id=safe_id("cat", category["id"]),
                                      classes="category -current" if category["id"] == self.category
                                      else "category", value=category["id"])
            with VerticalScroll(id="items"):
                yield Catalog(self.category, id="item-grid")
        with Horizontal(id="menu-bar", classes="bottom-bar"):
            yield Label(self._summary(), id="cart-summary")
            yield TouchButton(self.tr("cart"), id="cart")
            yield TouchButton(self.tr("checkout"), id="checkout", variant="success",
                              disabled=self.kiosk.draft.cart.is_empty())

    def on_mount(self) -> None:
        self.kiosk.menu_signal.subscribe(self, lambda _: self.refresh(recompose=True))
        self.kiosk.cart_signal.subscribe(self, self._cart_changed)
        if self.kiosk.menu is not self._shown_menu:  # the menu arrived before we subscribed
            self.refresh(recompose=True)

    def _summary(self) -> str:
        cart, menu = self.kiosk.draft.cart, self.kiosk.menu
        return self.tr("cart_summary", count=cart.count, total=format_fen(cart.total(menu) if menu else 0))

    def _cart_changed(self, _: object = None) -> None:
        if self.kiosk.menu is None or not self.query("#cart-summary"):
            return
        self.query_one("#cart-summary", Label).update(self._summary())
        self.query_one("#checkout", Button).disabled = self.kiosk.draft.cart.is_empty()

    @on(Button.Pressed, ".category")
    def choose_category(self, event: Button.Pressed) -> None:
        self.category = event.button.value
        for button in self.query(".category").results(TouchButton):
            button.set_class(button.value == self.category, "-current")
        catalog = self.query_one(Catalog)
        catalog.category = self.category
        catalog.refresh(recompose=True)
        self.query_one("#items", VerticalScroll).scroll_home(animate=False)

    @on(Button.Pressed, ".dish")
    def open_item(self, event: Button.Pressed) -> None:
        self.app.push_screen(ItemScreen(event.button.value))

    @on(Button.Pressed, "#cart")
    def open_cart(self) -> None:
        self.app.push_screen(CartScreen())

    @on(Button.Pressed, "#checkout")
    def open_checkout(self) -> None:
        self.app.push_screen(CheckoutScreen())

    @on(Button.Pressed, "#retry-menu")
    def retry_menu(self) -> None:
        self.kiosk.menu_error = None
        self.refresh(recompose=True)
        self.kiosk.load_menu()

    def on_start_over(self, _: StartOver) -> None:
        self.category = ""
        self.refresh(recompose=True)
