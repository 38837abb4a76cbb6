"""Every kiosk screen works at 80x24 (a small terminal, SSH) and at kiosk size 120x40: dish names
are whole (they wrap, the price always shows) and every button can be brought into view."""

from __future__ import annotations

import pytest
from textual.containers import ScrollableContainer
from textual.widgets import Button

from edge.ui.kiosk_app import KioskPayScreen, create_app
from edge.ui.screens.cart_screen import CartScreen
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.item import ItemScreen
from edge.ui.screens.placed import PlacedScreen

SIZES = [(80, 24), (120, 40)]


def shown_text(app, region) -> str:
    """The characters the terminal shows inside `region`, its rows joined by spaces."""
    strips = list(app.screen._compositor.render_strips())
    rows = [strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom)]
    return " ".join(" ".join(rows).split())


def shown(widget) -> bool:
    return all(node.display and node.visible for node in widget.ancestors_with_self if node is not widget.app)


async def assert_buttons_reachable(pilot, where: str) -> int:
    """Each shown button, scrolled into view, lies whole on the screen and inside the visible part
    of its scrolling list (not under a docked bar)."""
    app = pilot.app
    buttons = [b for b in app.screen.query(Button) if shown(b)]
    assert buttons, where
    for button in buttons:
        button.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        region = button.region
        assert region.area and app.screen.region.contains_region(region), f"{where}: {button.id} at {region}"
        for node in button.ancestors:
            if isinstance(node, ScrollableContainer):
                visible = node.scrollable_content_region
                assert visible.contains_region(region), f"{where}: {button.id} at {region}, outside {visible}"
    return len(buttons)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_dish_name_is_whole_with_its_price(core, ui, size, lang):
    app = create_app(core.url, language=lang)
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        for category in app.menu.categories:
            await ui.tap(pilot, f"#cat-{category['id']}")
            for item in app.menu.items_in(category["id"]):
                button = app.screen.query_one(f"#item-{item['id']}")
                button.scroll_visible(animate=False, immediate=True)
                await pilot.pause()
                text = shown_text(app, button.region)
                english = " ".join(item["en"].split())
                assert english in text, f"{english!r} cut off at {size}: {text!r}"
                assert "¥" in text and "…" not in text, f"{item['id']} at {size}: {text!r}"


@pytest.mark.parametrize("size", SIZES)
async def test_every_kiosk_screen_has_every_button_in_view(core, client, ui, size):
    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        await assert_buttons_reachable(pilot, "menu")
        await ui.tap(pilot, "#cat-congee")
        await ui.tap(pilot, "#item-beef_chow_fun")  # size, spice and the note chips
        assert isinstance(app.screen, ItemScreen)
        await assert_buttons_reachable(pilot, "dish")
        await ui.tap(pilot, "#add-to-cart")
        await ui.tap(pilot, "#cat-steamed")
        await ui.tap(pilot, "#item-chicken_feet")
        await ui.tap(pilot, "#add-to-cart")
        await ui.tap(pilot, "#cart")
        assert isinstance(app.screen, CartScreen)
        await assert_buttons_reachable(pilot, "cart")
        await ui.tap(pilot, "#checkout")
        assert isinstance(app.screen, CheckoutScreen)
        await ui.tap(pilot, "#service-dine_in")  # the table keypad shows
        await assert_buttons_reachable(pilot, "checkout")
        for key in ("#key-clear", "#key-0", "#key-back"):
            await ui.tap(pilot, key)
        await ui.tap(pilot, "#service-takeaway")
        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")
        await assert_buttons_reachable(pilot, "placed")
        order = dict(app.last_order, status="awaiting_payment")
        app.push_screen(KioskPayScreen(order))
        await ui.wait_for(pilot, lambda: isinstance(app.screen, KioskPayScreen), what="the pay screen")
        await assert_buttons_reachable(pilot, "pay")
