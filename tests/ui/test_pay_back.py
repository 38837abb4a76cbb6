"""The pay screen's 返回 / Back (Pilot, real core + upstream gateway on the sandbox providers):
a payment waiting for the customer's password is cancelled through the customer's own cancel
(nothing taken, the order still waits for its money); with nothing open, Back leaves for the
counter; a payment whose outcome is unknown is not the customer's to cancel: the screen says so."""

from __future__ import annotations

import pytest
import requests

from edge.ui.kiosk_app import create_app
from edge.ui.screens.pay import PayScreen
from edge.ui.screens.placed import PlacedScreen
from tests.payments.conftest import sandboxes, slow_password_world  # noqa: F401
from tests.payments.helpers import scenario_code
from tests.sync.fixtures import sqlite_upstream_db  # noqa: F401
from tests.ui.conftest import tap, text_of
from tests.ui.test_pay_kiosk import new_order
from tests.support import pilot_wait_for as wait_for


@pytest.fixture
def world(slow_password_world):  # noqa: F811
    return slow_password_world


async def open_pay_screen(pilot, app, url: str) -> dict:
    from edge.ui.kiosk_app import KioskPayScreen

    order = new_order(url)
    await wait_for(pilot, lambda: app.core_state == "online", what="online")
    app.push_screen(KioskPayScreen(order))
    await wait_for(pilot, lambda: isinstance(app.screen, PayScreen), what="the pay screen")
    return order


async def scan_and_wait_for_password(pilot, app, url: str) -> None:
    requests.post(f"{url}/v1/scans", json={"text": scenario_code("alipay", "password_then_timeout")}, timeout=5)
    await wait_for(pilot, lambda: app.screen.state == "paying" and (app.screen.attempt or {}).get("attempt_id"),
                   what="waiting for the password")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_back_cancels_a_payment_waiting_for_the_password(world, size):
    up, device, core = world
    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        order = await open_pay_screen(pilot, app, core.url)
        assert text_of(app, "#pay-back") == "返回"
        await scan_and_wait_for_password(pilot, app, core.url)
        attempt_id = app.screen.attempt["attempt_id"]
        await tap(pilot, "#pay-back")
        await wait_for(pilot, lambda: device.payments.view(attempt_id)["final"], what="the attempt closed")
        assert not device.payments.view(attempt_id)["paid"]
        await wait_for(pilot, lambda: app.screen.state == "failed", what="the screen shows it cancelled")
        assert "取消" in text_of(app, "#pay-status")
        assert device.order(order["id"])["status"] == "awaiting_payment"  # nothing taken, still owed
        await tap(pilot, "#pay-back")  # nothing open now: the order waits at the counter
        await wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="pay at the counter")


async def test_back_with_nothing_open_goes_to_the_counter(world):
    up, device, core = world
    app = create_app(core.url, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_pay_screen(pilot, app, core.url)
        assert text_of(app, "#pay-back") == "Back"
        await tap(pilot, "#pay-back")
        await wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="pay at the counter")


async def test_back_on_an_unknown_outcome_is_refused_with_words(world):
    up, device, core = world
    app = create_app(core.url, language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        order = await open_pay_screen(pilot, app, core.url)
        await scan_and_wait_for_password(pilot, app, core.url)
        attempt_id = app.screen.attempt["attempt_id"]
        up.server.stop()  # the gateway is gone: nobody knows whether the customer paid
        await wait_for(pilot, lambda: device.payments.view(attempt_id)["unresolved"], what="unresolved")
        await wait_for(pilot, lambda: app.screen.state == "unresolved", what="the screen shows it")
        await tap(pilot, "#pay-back")
        await wait_for(pilot, lambda: "柜台" in text_of(app, "#pay-status"), what="ask at the counter")
        assert isinstance(app.screen, PayScreen)
        assert not device.payments.view(attempt_id)["final"]
        assert device.order(order["id"])["status"] == "awaiting_payment"
