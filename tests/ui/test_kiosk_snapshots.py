"""Snapshots (pytest-textual-snapshot) of the Chinese kiosk's cart, checkout and pay screens at
80x24 and at kiosk size 120x40, against a real core with the demo menu and a fixed cart.
`pytest --snapshot-update` rewrites them after an intended change of a screen."""

from __future__ import annotations

import pytest

from edge.ui.kiosk_app import KioskPayScreen, create_app
from edge.ui.screens.cart_screen import CartScreen
from edge.ui.screens.checkout import CheckoutScreen
from tests.support import pilot_wait_for as wait_for
from tests.ui.conftest import menu_ready

SIZES = [(80, 24), (120, 40)]
PAY_ORDER = {"id": "snapshot-order", "ticket_no": "A007", "total": 9900, "status": "awaiting_payment"}


async def with_cart(pilot) -> None:
    """The menu loaded, the core online, and a fixed cart: 2 har gow, a large beef chow fun without
    scallion, an iced milk tea with less ice."""
    app = pilot.app
    await menu_ready(pilot)
    await wait_for(pilot, lambda: app.core_state == "online"
                   and "系统正常" in str(app.screen.query_one("#status").render()), what="online")
    app.draft.cart.add("har_gow", 2, (), ())
    app.draft.cart.add("beef_chow_fun", 1, ("large", "mild0"), ("no_scallion",))
    app.draft.cart.add("milk_tea", 1, ("iced", "sweet_normal"), ("less_ice",))
    app.cart_changed()


async def settle(pilot) -> None:
    """No toast, no focus ring: what a snapshot shows must not depend on timing."""
    pilot.app.clear_notifications()
    pilot.app.set_focus(None)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_cart(snap_compare, core, size):
    async def ready(pilot):
        await with_cart(pilot)
        pilot.app.push_screen(CartScreen())
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#line-2")), what="the cart")
        await settle(pilot)

    assert snap_compare(create_app(core.url, language="zh"), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_checkout_dine_in_at_table_12(snap_compare, core, size):
    async def ready(pilot):
        await with_cart(pilot)
        pilot.app.draft.choose_service("dine_in")
        for key in "12":
            pilot.app.draft.press_key(key)
        pilot.app.push_screen(CheckoutScreen())
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CheckoutScreen)
                       and any(not b.disabled for b in pilot.app.screen.query("#place-order")), what="ready to place")
        await settle(pilot)

    assert snap_compare(create_app(core.url, language="zh"), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES)
def test_pay_screen(snap_compare, core, size):
    async def ready(pilot):
        await with_cart(pilot)
        pilot.app.push_screen(KioskPayScreen(PAY_ORDER))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, KioskPayScreen), what="the pay screen")
        await settle(pilot)

    assert snap_compare(create_app(core.url, language="zh"), terminal_size=size, run_before=ready)
