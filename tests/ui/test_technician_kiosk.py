"""Into technician mode from the kiosk: the hidden key or a long press on the title, then the
PIN; out again to the customer's menu. A device in use without a technician PIN refuses."""

from __future__ import annotations

import uuid

from edge.technician.auth import set_pin
from edge.ui.kiosk_app import create_app
from edge.ui.screens.menu_screen import MenuScreen
from edge.ui.technician.technician_home import HomeScreen
from edge.ui.technician.pin import PinScreen

PIN = "305917"
SIZE = (120, 40)


async def enter_pin(pilot, ui, pin: str = PIN) -> None:
    for digit in pin:
        await ui.tap(pilot, f"#key-{digit}")
    await ui.tap(pilot, "#key-ok")


async def test_hidden_key_then_pin_opens_technician_mode_and_exit_returns_to_the_kiosk(own_core, ui):
    with own_core.service.ledger.reading():
        set_pin(own_core.service.db, PIN)
    auth = own_core.service.technician.auth
    app = create_app(own_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.menu_ready(pilot)
        await pilot.press("ctrl+t")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PinScreen)
                          and "Technician PIN" in ui.text_of(app, "#pin-prompt"), what="the PIN screen")
        await enter_pin(pilot, ui, "000000")
        await ui.wait_for(pilot, lambda: "wrong PIN" in ui.screen_text(app), what="wrong PIN")
        await enter_pin(pilot, ui)
        await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="technician home")
        assert len(auth._sessions) == 1
        ui.assert_touch_sized(app)
        await ui.tap(pilot, "#go-exit")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="back to the menu")
        assert len(app.screen_stack) == 1
        await ui.wait_for(pilot, lambda: not auth._sessions, what="logged out")


async def test_a_long_press_on_the_title_opens_it_a_tap_does_not(own_core, ui):
    app = create_app(own_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.menu_ready(pilot)
        app._long_press.seconds = 0.3
        await pilot.click("#brand")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MenuScreen)
        await pilot.mouse_down("#brand")
        await pilot.pause(0.4)
        await pilot.mouse_up("#brand")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PinScreen), what="the PIN screen")
        # a fresh device (no PIN, not enrolled, no order): the first step is choosing the PIN
        await ui.wait_for(pilot, lambda: "First setup" in ui.screen_text(app), what="first setup")
        await ui.tap(pilot, "#back")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="back to the menu")


async def test_a_device_in_use_without_a_pin_refuses_from_the_kiosk(own_core, ui):
    order = {"client_token": uuid.uuid4().hex, "lines": [{"item_id": "har_gow", "qty": 1}]}
    own_core.service.place_order(order)
    app = create_app(own_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.menu_ready(pilot)
        await pilot.press("ctrl+t")
        await ui.wait_for(pilot, lambda: "No technician PIN" in ui.screen_text(app), what="the refusal")
        assert "edge technician set-pin" in ui.screen_text(app)
        assert not app.screen.query_one("#pin-pad").display
        await pilot.press("1", "2", "3", "enter")
        assert isinstance(app.screen, PinScreen) and own_core.service.technician.auth.pin_set() is False
