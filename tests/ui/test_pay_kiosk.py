"""The kiosk's pay screen and the cashier's unresolved-payments screen (Pilot), against a real
core enrolled with an upstream gateway on the sandbox providers (pay-first store)."""

from __future__ import annotations

import asyncio

import pytest
import requests

from edge.codes import classify
from edge.core.server import BackgroundCore
from edge.ui.kiosk_app import create_app
from edge.ui.screens.pay import PayScreen
from edge.ui.screens.payments import UnresolvedPaymentsScreen
from tests.payments.conftest import device, gw_upstream, sandboxes  # noqa: F401
from tests.payments.helpers import scenario_code
from tests.sync.fixtures import sqlite_upstream_db  # noqa: F401
from edge.ui.cashier.cashier_app import create_cashier_app
from tests.cashier.helpers import CASHIER, seed
from tests.ui.conftest import cashier_login, notices, tap, text_of
from tests.support import pilot_wait_for as wait_for
from tests.support import wait_for as support_wait_for


@pytest.fixture
def pay_core(device):  # noqa: F811
    server = BackgroundCore(device).start()
    yield server
    server.stop()


def new_order(url: str) -> dict:
    answer = requests.post(f"{url}/v1/orders", json={"client_token": f"ui-{requests.utils.quote(str(id(url)))}-"
                                                     f"{__import__('time').time_ns()}", "payment": "code",
                                                     "lines": [{"item_id": "har_gow", "qty": 1}]}, timeout=5)
    assert answer.status_code == 201 and answer.json()["status"] == "awaiting_payment"
    return answer.json()


async def test_pay_screen_scan_password_then_paid(pay_core, device):  # noqa: F811
    order = new_order(pay_core.url)
    app = create_app(pay_core.url, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.core_state == "online", what="online")
        app.push_screen(PayScreen(order))
        await pilot.pause()
        assert "Show your" in text_of(app, "#pay-status") and "¥28.00" in text_of(app, "#pay-amount")
        requests.post(f"{pay_core.url}/v1/scans", json={"text": scenario_code("wechat", "password_then_success")},
                      timeout=5)
        # the countdown shows with the password message (both are set in one update: checked together,
        # since the sandbox's customer types the password in 0.3 s and a later look may find it paid)
        await wait_for(pilot, lambda: "password" in text_of(app, "#pay-status")
                       and "s left" in text_of(app, "#pay-countdown"), what="enter your password, with a countdown")
        await wait_for(pilot, lambda: app.screen.state == "paid", what="paid")
        assert "Paid" in text_of(app, "#pay-status") and app.screen.query_one("#pay-ticket").display
        assert device.order(order["id"])["print_jobs"], "the kitchen has it"
        await tap(pilot, "#pay-done")
        assert not isinstance(app.screen, PayScreen)


async def test_pay_screen_failure_says_why_and_offers_a_new_code_or_the_counter(pay_core):
    order = new_order(pay_core.url)
    app = create_app(pay_core.url, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.core_state == "online", what="online")
        app.push_screen(PayScreen(order))
        await pilot.pause()
        requests.post(f"{pay_core.url}/v1/scans", json={"text": scenario_code("alipay", "insufficient_funds")},
                      timeout=5)
        await wait_for(pilot, lambda: app.screen.state == "failed", what="failed")
        assert "balance" in text_of(app, "#pay-status").lower()
        assert app.screen.query_one("#pay-again").display and app.screen.query_one("#pay-counter").display
        await tap(pilot, "#pay-again")
        requests.post(f"{pay_core.url}/v1/scans", json={"text": scenario_code("alipay", "instant_success")},
                      timeout=5)
        await wait_for(pilot, lambda: app.screen.state == "paid", what="paid with a new code")


async def test_placing_in_a_pay_first_store_opens_the_pay_screen(pay_core):
    from tests.ui.conftest import menu_ready

    app = create_app(pay_core.url, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await menu_ready(pilot)
        await tap(pilot, "#cat-steamed")
        await tap(pilot, "#item-har_gow")
        await tap(pilot, "#add-to-cart")
        await tap(pilot, "#cart")
        await tap(pilot, "#checkout")
        await tap(pilot, "#service-takeaway")
        await tap(pilot, "#place-order")
        await wait_for(pilot, lambda: isinstance(app.screen, PayScreen), what="the pay screen")
        assert app.screen.order["print_jobs"] == []


async def test_cashier_screen_lists_unresolved_and_takes_cash(pay_core, gw_upstream, device):  # noqa: F811
    order = new_order(pay_core.url)
    gw_upstream.server.stop(kill=True)  # the network to the upstream is gone mid-payment
    answer = requests.post(f"{pay_core.url}/v1/orders/{order['id']}/payments",
                           json={"code": scenario_code("alipay", "instant_success")}, timeout=10).json()
    assert answer["state"] in ("failed", "created")
    app = create_app(pay_core.url, language="en")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:  # no staff logged in
        app.push_screen(UnresolvedPaymentsScreen())
        await wait_for(pilot, lambda: bool(app.screen.query(".pay-cash")), what="the held order")
        assert any(order["ticket_no"] in str(label.render()) for label in app.screen.query("#payments-list Label"))
        await tap(pilot, ".pay-cash")
        await wait_for(pilot, lambda: "log in" in notices(app), what="refused: no staff session")
        assert device.order(order["id"])["status"] == "awaiting_payment"
    seed(device, code_key=False)
    cashier = create_cashier_app(pay_core.url, language="en")
    async with cashier.run_test(size=(120, 40)) as pilot:  # the cashier logs in, then takes the cash
        await cashier_login(pilot, cashier, CASHIER[0], CASHIER[3])
        await tap(pilot, "#open-payments")
        await wait_for(pilot, lambda: bool(cashier.screen.query(".pay-cash")), what="the held order")
        await tap(pilot, ".pay-cash")
        await wait_for(pilot, lambda: requests.get(f"{pay_core.url}/v1/orders/{order['id']}",
                                                   timeout=5).json()["status"] == "paid", what="paid in cash")
    with device.ledger.reading():
        assert device.db.execute("SELECT action, staff_id FROM staff_actions").fetchall() == [("cash", "c1")]


async def test_pay_by_code_at_checkout_opens_the_pay_screen_and_the_order_waits_for_the_money(pay_core, device):  # noqa: F811
    """Any store: the customer chooses "pay by code" at checkout; no kitchen ticket until paid."""
    from tests.ui.conftest import menu_ready

    app = create_app(pay_core.url, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await menu_ready(pilot)
        await tap(pilot, "#cat-steamed")
        await tap(pilot, "#item-har_gow")
        await tap(pilot, "#add-to-cart")
        await tap(pilot, "#cart")
        await tap(pilot, "#checkout")
        await tap(pilot, "#service-takeaway")
        await tap(pilot, "#pay-by-code")
        await wait_for(pilot, lambda: isinstance(app.screen, PayScreen), what="the pay screen")
        order = app.screen.order
        assert order["payment"] == "code" and order["status"] == "awaiting_payment" and order["print_jobs"] == []
        requests.post(f"{pay_core.url}/v1/scans", json={"text": scenario_code("wechat", "instant_success")},
                      timeout=5)
        await wait_for(pilot, lambda: app.screen.state == "paid", what="paid")
        assert device.order(order["id"])["print_jobs"], "paid: the kitchen has it"


async def test_the_cashier_gives_up_a_payment_whose_outcome_is_unknown(pay_core, gw_upstream, device):  # noqa: F811
    """放弃 on the unresolved-payments screen: the cashier's decision, sent with their session and
    recorded; the kiosk's customer could not have cancelled it (its outcome is unknown)."""
    order = new_order(pay_core.url)
    view, _ = device.payments.pay(order["id"], classify(scenario_code("alipay", "password_then_timeout")))
    gw_upstream.server.stop(kill=True)  # the network to the upstream is gone while the customer types
    await asyncio.to_thread(support_wait_for, lambda: device.payments.view(view["attempt_id"])["unresolved"], 20,
                            what="unresolved")
    seed(device, code_key=False)
    cashier = create_cashier_app(pay_core.url)
    async with cashier.run_test(size=(80, 24), notifications=True) as pilot:
        await cashier_login(pilot, cashier, CASHIER[0], CASHIER[3])
        await tap(pilot, "#open-payments")
        await wait_for(pilot, lambda: bool(cashier.screen.query(".pay-abandon")), what="the unresolved payment")
        await tap(pilot, ".pay-abandon")
        await wait_for(pilot, lambda: device.payments.view(view["attempt_id"])["state"] == "abandoning",
                       what="given up")
    with device.ledger.reading():
        assert device.db.execute("SELECT action, staff_id, target FROM staff_actions").fetchall() == [
            ("abandon", "c1", order["id"])]
