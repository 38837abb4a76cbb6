"""The kiosk by keyboard alone (a keypad, or a technician over SSH): arrow keys move between
dishes (by rows and columns), categories and the bottom buttons, Enter presses, Escape goes back."""

from __future__ import annotations

import pytest

from edge.ui.kiosk_app import create_app
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.item import ItemScreen
from edge.ui.screens.menu_screen import MenuScreen
from edge.ui.screens.placed import PlacedScreen


def focused(app):
    return app.screen.focused


async def press_until(pilot, key: str, done, what: str, limit: int = 25) -> None:
    """Press `key` until `done(focused widget)` holds (a bounded number of presses)."""
    for _ in range(limit):
        widget = focused(pilot.app)
        if widget is not None and done(widget):
            return
        await pilot.press(key)
        await pilot.pause()
    widget = focused(pilot.app)
    assert widget is not None and done(widget), f"{key} never reached {what} (focus: {widget!r})"


def is_id(name: str):
    return lambda widget: widget.id == name


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_order_and_checkout_with_the_keyboard_only(core, ui, size):
    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        # into the dish grid
        await press_until(pilot, "down", lambda w: w.has_class("category") or w.has_class("dish"), "the menu")
        await press_until(pilot, "left", lambda w: w.has_class("category"), "a category", limit=4)
        await press_until(pilot, "up", is_id("cat-steamed"), "the first category", limit=10)
        await pilot.press("right")
        first = focused(app)
        assert first.id == "item-har_gow"  # the first dish of the category
        # the grid by columns: right stays in the row, down keeps the column, left comes back
        await pilot.press("right")
        second = focused(app)
        assert second.has_class("dish") and second.region.y == first.region.y and second.region.x > first.region.x
        await pilot.press("down")
        below = focused(app)
        assert below.has_class("dish") and below.region.x == second.region.x and below.region.y > second.region.y
        await pilot.press("left", "up")
        assert focused(app) is first
        await pilot.press("left")
        assert focused(app).has_class("category")  # from the first column to the categories
        # another category by arrows and Enter
        await press_until(pilot, "down", is_id("cat-congee"), "the congee category")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.category == "congee"
        await pilot.press("right")
        dish = focused(app)
        assert dish.has_class("dish")
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ItemScreen), what="the dish screen")
        assert app.screen.item_id == dish.value
        # Escape goes back, Enter opens it again
        await pilot.press("escape")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="the menu")
        assert focused(app) is dish
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ItemScreen), what="the dish screen")
        await press_until(pilot, "down", lambda w: w.parent.id == "item-bar", "the bottom bar", limit=40)
        await press_until(pilot, "left", is_id("qty-plus"), "+", limit=5)
        await pilot.press("enter")
        await pilot.pause()
        assert ui.text_of(app, "#qty") == "2"
        await press_until(pilot, "right", is_id("add-to-cart"), "add to cart", limit=5)
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="the menu")
        assert app.draft.cart.count == 2
        # to checkout through the bottom bar
        await press_until(pilot, "down", lambda w: w.parent.id == "menu-bar", "the bottom bar", limit=40)
        await press_until(pilot, "right", is_id("checkout"), "checkout", limit=5)
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, CheckoutScreen), what="checkout")
        # takeaway, then place the order (pay at the counter)
        await press_until(pilot, "down", lambda w: w.has_class("service"), "dine in / takeaway", limit=40)
        await press_until(pilot, "right", is_id("service-takeaway"), "takeaway", limit=3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.draft.service == "takeaway"
        await press_until(pilot, "down", lambda w: w.parent.id == "checkout-bar", "the bottom bar", limit=40)
        await press_until(pilot, "right", is_id("place-order"), "place order", limit=5)
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_error_dialog_by_keyboard(core, ui, size):
    from edge.ui.core_client import CoreError
    from edge.ui.screens.error import ErrorDialog

    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        chosen: list[str] = []
        app.push_screen(ErrorDialog(CoreError("offline", "core unreachable"), can_retry=True), chosen.append)
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog), what="the error dialog")
        await press_until(pilot, "down", lambda w: w.parent.id == "error-buttons", "the buttons", limit=5)
        await press_until(pilot, "right", is_id("error-retry"), "try again", limit=3)
        await pilot.press("left")
        assert focused(app).id == "error-back"
        await pilot.press("right", "enter")
        await ui.wait_for(pilot, lambda: chosen == ["retry"], what="try again pressed")
