"""When placing goes wrong: the core is down, or a dish sold out meanwhile. Nothing is lost,
the words are plain, and a retry never makes a second order."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import Digits

from edge.menu import menu_from_dict
from edge.ui.kiosk_app import create_app
from edge.ui.core_client import CoreClient
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.error import ErrorDialog
from edge.ui.screens.menu_screen import MenuScreen
from edge.ui.screens.placed import PlacedScreen

DEMO_MENU = Path(__file__).resolve().parents[2] / "edge" / "demo" / "menu.toml"


async def _har_gow_x2_takeaway(pilot, ui) -> None:
    await ui.menu_ready(pilot)
    await ui.tap(pilot, "#cat-steamed")
    await ui.tap(pilot, "#item-har_gow")
    await ui.tap(pilot, "#qty-plus")
    await ui.tap(pilot, "#add-to-cart")
    await ui.tap(pilot, "#checkout")
    await ui.tap(pilot, "#service-takeaway")


async def test_core_down_keeps_the_cart_and_the_retry_makes_one_order(own_core, ui):
    app = create_app(own_core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _har_gow_x2_takeaway(pilot, ui)
        own_core.stop()
        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog), what="the error")
        assert "无法连接点餐系统" in ui.text_of(app, "#error-message")
        assert "都还在" in ui.text_of(app, "#error-kept")
        token = app.draft.token
        assert token

        await ui.tap(pilot, "#error-back")
        assert isinstance(app.screen, CheckoutScreen)
        assert app.screen.query_one("#service-takeaway").selected
        assert [(line.item_id, line.qty) for line in app.draft.cart.lines] == [("har_gow", 2)]
        await ui.tap(pilot, "#place-order")  # still down
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog), what="the error again")
        assert app.draft.token == token

        own_core.start()
        # the first attempt reached the core and only its answer was lost:
        first = CoreClient(own_core.url).place_order(app.draft.confirm())
        await ui.tap(pilot, "#error-retry")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")
        assert app.screen.query_one("#ticket-no", Digits).value == first["ticket_no"]
        orders = CoreClient(own_core.url).orders()
        assert [(o["client_token"], o["total"]) for o in orders] == [(token, 5600)]


async def test_dish_sold_out_while_in_the_cart(own_core, ui):
    app = create_app(own_core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await _har_gow_x2_takeaway(pilot, ui)
        await ui.wait_for(pilot, lambda: app.core_state == "online", what="the event stream")
        doc = tomllib.loads(DEMO_MENU.read_text(encoding="utf-8"))
        doc["version"] = "demo-sold-out"
        next(i for i in doc["items"] if i["id"] == "har_gow")["sold_out"] = True
        own_core.service.import_menu(menu_from_dict(doc))  # -> menu.changed on the event stream
        await ui.wait_for(pilot, lambda: app.menu.version == "demo-sold-out", what="the new menu")

        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog), what="the error")
        assert "售罄" in ui.text_of(app, "#error-message")
        assert "水晶虾饺皇" in ui.text_of(app, "#error-detail")
        assert not app.screen.query("#error-retry")  # retrying cannot help
        await ui.tap(pilot, "#error-back")
        await ui.tap(pilot, "#back")
        assert isinstance(app.screen, MenuScreen)
        assert app.screen.query_one("#item-har_gow").disabled  # the reloaded menu greys it out
        assert "售罄" in ui.text_of(app, "#item-har_gow")
        await ui.tap(pilot, "#cart")
        assert "已售罄" in ui.text_of(app, "#line-0 .line-text")
        await ui.tap(pilot, "#line-0-remove")
        assert app.draft.cart.is_empty()
        assert app.screen.query_one("#checkout").disabled
        assert CoreClient(own_core.url).orders() == []
