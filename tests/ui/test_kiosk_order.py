"""A whole order through the kiosk by pilot taps, checked against the order the core stored."""

from __future__ import annotations

from textual.widgets import Digits

from edge.ui.kiosk_app import create_app
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.item import ItemScreen
from edge.ui.screens.menu_screen import MenuScreen
from edge.ui.screens.placed import PlacedScreen


async def test_whole_dine_in_order_reaches_the_core(core, client, ui):
    app = create_app(core.url, language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await ui.menu_ready(pilot)
        await ui.tap(pilot, "#cat-congee")
        await ui.tap(pilot, "#item-beef_chow_fun")
        assert isinstance(app.screen, ItemScreen)
        assert app.screen.query_one("#opt-small").selected  # defaults are preselected
        assert app.screen.query_one("#opt-mild0").selected
        assert "大 +¥5.00" in ui.text_of(app, "#opt-large")
        for selector in ("#opt-large", "#opt-mild2", "#note-no_scallion", "#qty-plus"):
            await ui.tap(pilot, selector)
        assert not app.screen.query_one("#opt-small").selected
        assert ui.text_of(app, "#qty") == "2"
        assert "¥74.00" in ui.text_of(app, "#add-to-cart")  # (32 + 5) x 2
        await ui.tap(pilot, "#add-to-cart")
        assert isinstance(app.screen, MenuScreen)
        assert "¥74.00" in ui.text_of(app, "#cart-summary")

        await ui.tap(pilot, "#cat-steamed")
        await ui.tap(pilot, "#item-har_gow")
        await ui.tap(pilot, "#add-to-cart")
        await ui.tap(pilot, "#cart")
        assert "干炒牛河" in ui.text_of(app, "#line-0 .line-text")
        assert "大 · 中辣 · 走葱" in ui.text_of(app, "#line-0 .line-text")
        await ui.tap(pilot, "#line-1-plus")
        assert ui.text_of(app, "#line-1-qty") == "2"
        assert "¥130.00" in ui.text_of(app, "#cart-total")

        await ui.tap(pilot, "#checkout")
        assert isinstance(app.screen, CheckoutScreen)
        assert app.screen.query_one("#place-order").disabled  # dine in or takeaway first
        await ui.tap(pilot, "#service-dine_in")
        for key in ("#key-1", "#key-5", "#key-back", "#key-2"):
            await ui.tap(pilot, key)
        assert "12" in ui.text_of(app, "#table-display")
        await ui.tap(pilot, "#order-note-rush")
        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")

        ticket = app.screen.query_one("#ticket-no", Digits).value
        assert ticket.startswith("A") and len(ticket) >= 4
        assert "¥130.00" in ui.text_of(app, "#placed-total")
        assert "请到柜台付款" in ui.text_of(app, "#pay-at-counter")
        assert app.draft.cart.is_empty() and app.draft.token is None  # ready for the next customer

        order = next(o for o in client.orders(limit=50) if o["ticket_no"] == ticket)
        order = client.order(order["id"])
        assert (order["service"], order["table"], order["payment"]) == ("dine_in", "12", "counter")
        assert [n["id"] for n in order["notes"]] == ["rush"]
        assert order["total"] == 13000
        chow_fun, har_gow = order["lines"]
        assert (chow_fun["item_id"], chow_fun["qty"], chow_fun["unit_price"]) == ("beef_chow_fun", 2, 3700)
        assert {o["id"] for o in chow_fun["options"]} == {"large", "mild2"}
        assert [n["id"] for n in chow_fun["notes"]] == ["no_scallion"]
        assert (har_gow["item_id"], har_gow["qty"], har_gow["total"]) == ("har_gow", 2, 5600)
        assert har_gow["options"] == [] and har_gow["notes"] == []

        await ui.tap(pilot, "#done")
        assert isinstance(app.screen, MenuScreen)
        assert "¥0.00" in ui.text_of(app, "#cart-summary")


async def test_takeaway_order_at_80x24(core, client, ui):
    app = create_app(core.url, language="en", placed_timeout=2.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await ui.menu_ready(pilot)
        ui.assert_touch_sized(app)
        await ui.tap(pilot, "#cat-drinks")
        await ui.tap(pilot, "#item-milk_tea")
        ui.assert_touch_sized(app)
        await ui.tap(pilot, "#opt-iced")
        await ui.tap(pilot, "#opt-sweet_less")
        await ui.tap(pilot, "#note-less_ice")  # below the fold at 80x24: scrolled into view
        await ui.tap(pilot, "#add-to-cart")
        await ui.tap(pilot, "#checkout")
        ui.assert_touch_sized(app)
        await ui.tap(pilot, "#service-takeaway")
        assert not app.screen.query_one("#table-pad").display  # no table for takeaway
        await ui.tap(pilot, "#lang")  # re-rendered in Chinese, choices kept
        await ui.wait_for(pilot, lambda: "确认下单" in ui.text_of(app, "#place-order"), what="Chinese")
        assert not app.screen.query_one("#table-pad").display
        assert app.screen.query_one("#service-takeaway").selected
        await ui.tap(pilot, "#order-note-pack")
        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")
        ui.assert_touch_sized(app)
        ticket = app.screen.query_one("#ticket-no", Digits)
        assert ticket.region.bottom <= 24 and ticket.region.right <= 80  # fully on screen
        assert "¥20.00" in ui.text_of(app, "#placed-total")
        assert "Please pay at the counter" in ui.text_of(app, "#pay-at-counter")
        order = client.order(app.last_order["id"])
        assert order["ticket_no"] == ticket.value
        assert (order["service"], order["total"]) == ("takeaway", 2000)
        assert {o["id"] for o in order["lines"][0]["options"]} == {"iced", "sweet_less"}
        assert [n["id"] for n in order["lines"][0]["notes"]] == ["less_ice"]
        assert [n["id"] for n in order["notes"]] == ["pack"]
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="the start after the timeout")
