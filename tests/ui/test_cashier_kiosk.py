"""Cashier mode and the kiosk: into cashier mode from the kiosk (hidden key, long press) with a
PIN and back; the kiosk returns to its start screen after inactivity; a kiosk and a cashier
screen on one core at the same time."""

from __future__ import annotations

import asyncio

from edge.tables import make_table_url
from edge.ui.kiosk_app import create_app
from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.login import LoginScreen
from edge.ui.cashier.soldout import SoldOutScreen
from edge.ui.screens.cart_screen import CartScreen
from edge.ui.screens.menu_screen import MenuScreen

from tests.ui.test_cashier_flows import SIZE, cashier_core, login, subscribed  # noqa: F401


async def test_hidden_key_and_pin_open_cashier_mode_on_the_kiosk(cashier_core, ui):
    app = create_app(cashier_core.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ui.menu_ready(pilot)
        await subscribed(pilot, ui, cashier_core)
        await pilot.press("ctrl+k")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the PIN screen")
        await login(pilot, ui)
        # a table code scanned now is the cashier's (that table's orders), not the kiosk's
        app.client.scan(make_table_url("order.example.com", "s1", "6", "k1", bytes(range(32))))
        await ui.wait_for(pilot, lambda: "桌 6 的未完成订单" in ui.screen_text(app), what="cashier reacted")
        assert app.draft.table == ""
        await ui.tap(pilot, "#cashier-logout")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="back to the customer")
        assert app.cashier_client.staff_session is None


async def test_long_press_on_the_status_line_and_leaving_without_pin(cashier_core, ui):
    app = create_app(cashier_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.menu_ready(pilot)
        await pilot.mouse_down("#status")
        await pilot.pause(0.3)
        await pilot.mouse_up("#status")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen), "a short press does nothing"
        await pilot.mouse_down("#status")
        await asyncio.sleep(2.1)
        await pilot.mouse_up("#status")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="the PIN screen")
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#back-to-kiosk")), what="staff")
        await ui.tap(pilot, "#back-to-kiosk")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="the menu again")


async def test_the_kiosk_starts_over_after_inactivity(cashier_core, ui):
    # The test moves the inactivity clock itself (a login may take longer than any short timeout
    # on a busy machine); the kiosk's own periodic check (every second) does the rest.
    app = create_app(cashier_core.url)
    hooks = app.staff_hooks

    def idle_for(fraction: float) -> None:  # as if nobody touched the kiosk for that part of the timeout
        hooks.last_input -= fraction * hooks.idle_timeout

    async with app.run_test(size=SIZE) as pilot:
        await ui.menu_ready(pilot)
        await ui.tap(pilot, "#item-har_gow")
        await ui.tap(pilot, "#add-to-cart")
        await ui.tap(pilot, "#cart")
        assert isinstance(app.screen, CartScreen) and not app.draft.cart.is_empty()
        idle_for(0.6)
        hooks.check_idle()
        await pilot.pause()
        await pilot.press("down")  # still in use: the timer starts again
        idle_for(0.6)
        hooks.check_idle()
        await pilot.pause()
        assert isinstance(app.screen, CartScreen)
        idle_for(0.5)
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), timeout=10, what="start screen")
        assert app.draft.cart.is_empty() and app.draft.service is None
        await pilot.press("ctrl+k")  # a cashier who walks away is logged out the same way
        await login(pilot, ui)
        session = app.cashier_client.staff_session
        idle_for(1.1)
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), timeout=10, what="start screen")
        assert cashier_core.service.cashier.sessions.get(session) is None


async def test_kiosk_and_cashier_screen_on_one_core_at_once(cashier_core, ui):
    kiosk, cashier = create_app(cashier_core.url), create_cashier_app(cashier_core.url)
    async with kiosk.run_test(size=SIZE) as pk, cashier.run_test(size=SIZE) as pc:
        await ui.menu_ready(pk)
        await login(pc, ui)
        await subscribed(pk, ui, cashier_core, 2)
        # the customer orders at the kiosk: the cashier's list shows it
        await ui.tap(pk, "#item-siu_mai")
        await ui.tap(pk, "#add-to-cart")
        await ui.tap(pk, "#checkout")
        await ui.tap(pk, "#service-takeaway")
        await ui.tap(pk, "#place-order")
        await ui.wait_for(pk, lambda: kiosk.last_order is not None, what="placed")
        ticket = kiosk.last_order["id"]
        await ui.wait_for(pc, lambda: bool(cashier.screen.query(f"#order-{ticket}")), what="order on the cashier")
        # the cashier marks a dish sold out: the kiosk shows it at once
        await ui.tap(pc, "#open-soldout")
        await ui.wait_for(pc, lambda: isinstance(cashier.screen, SoldOutScreen)
                          and bool(cashier.screen.query("#so-har_gow")), what="dishes")
        await ui.tap(pc, "#so-har_gow")
        await ui.wait_for(pk, lambda: kiosk.menu is not None and not kiosk.menu.is_available("har_gow"),
                          what="kiosk menu reloaded")
        kiosk.back_to_start()
        await ui.wait_for(pk, lambda: bool(kiosk.screen.query("#item-har_gow"))
                          and kiosk.screen.query_one("#item-har_gow").disabled, what="dish disabled")
        assert isinstance(cashier.screen, SoldOutScreen) and isinstance(cashier.screen_stack[1], HomeScreen)
