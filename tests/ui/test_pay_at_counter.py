"""到柜台付款: the customer is told what is owed, where and with which number; the cashier's order
screen says 待付款 / 应收 for an unpaid order and takes the money there (cash, or a payment code
scanned at the cashier's own wedge scanner or typed), never offering 退款 on it. Real core, real
gateway on the sandbox providers, Pilot at 80x24 and 120x40."""

from __future__ import annotations

import pytest
import requests

from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.order import OrderScreen
from edge.ui.kiosk_app import create_app
from edge.ui.screens.pay import PayScreen
from edge.ui.screens.placed import PlacedScreen
from tests.cashier.helpers import CASHIER, seed
from tests.payments.conftest import device, gw_upstream, sandboxes  # noqa: F401
from tests.payments.helpers import scenario_code
from tests.support import pilot_wait_for as wait_for
from tests.sync.fixtures import sqlite_upstream_db  # noqa: F401
from tests.ui.conftest import cashier_login, screen_text, tap, text_of
from tests.ui.test_pay_kiosk import new_order, pay_core  # noqa: F401

SIZES = [(80, 24), (120, 40)]


def status_of(url: str, order_id: str) -> str:
    return requests.get(f"{url}/v1/orders/{order_id}", timeout=5).json()["status"]


@pytest.mark.parametrize("size", SIZES)
async def test_pay_at_the_counter_tells_the_customer_what_is_owed_where_and_the_number(pay_core, size):  # noqa: F811
    order = new_order(pay_core.url)
    app = create_app(pay_core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.core_state == "online", what="online")
        app.push_screen(PayScreen(order))
        await pilot.pause()
        await tap(pilot, "#pay-counter")
        await wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the pay-at-counter screen")
        words = text_of(app, "#pay-at-counter")
        assert words == f"请到收银台付款 ¥28.00，取餐号 {order['ticket_no']}；付款后厨房开始制作"
        assert status_of(pay_core.url, order["id"]) == "awaiting_payment"


async def login(pilot, cashier) -> None:
    await cashier_login(pilot, cashier, CASHIER[0], CASHIER[3])


@pytest.mark.parametrize("size", SIZES)
async def test_the_cashier_takes_cash_on_an_unpaid_order_and_the_screen_tells_the_truth(pay_core, device, size):  # noqa: F811
    order = new_order(pay_core.url)
    seed(device, code_key=False)
    cashier = create_cashier_app(pay_core.url, language="zh")
    async with cashier.run_test(size=size, notifications=True) as pilot:
        await login(pilot, cashier)
        cashier.push_screen(OrderScreen(order["id"]))
        await wait_for(pilot, lambda: bool(cashier.screen.query("#order-money")), what="the order")
        title, money = text_of(cashier, "#order-title"), text_of(cashier, "#order-money")
        assert "待付款" in title and "awaiting_payment" not in screen_text(cashier)
        assert "应收 ¥28.00" in money and "实收" not in money
        assert not cashier.screen.query("#refund"), "nothing was taken: no refund"
        await tap(pilot, "#take-cash")
        await wait_for(pilot, lambda: status_of(pay_core.url, order["id"]) == "paid", what="paid in cash")
        await wait_for(pilot, lambda: "已付款" in text_of(cashier, "#order-title"), what="the screen says paid")
        assert "实收 ¥28.00" in text_of(cashier, "#order-money") and cashier.screen.query("#refund")
        assert not cashier.screen.query("#take-cash")
    assert device.order(order["id"])["print_jobs"], "paid: the kitchen has it"


async def test_the_cashier_takes_a_code_scanned_at_the_cashier_screen(pay_core, device, sandboxes):  # noqa: F811
    order = new_order(pay_core.url)
    seed(device, code_key=False)
    cashier = create_cashier_app(pay_core.url, language="en")
    async with cashier.run_test(size=(120, 40), notifications=True) as pilot:
        await login(pilot, cashier)
        cashier.push_screen(OrderScreen(order["id"]))
        await wait_for(pilot, lambda: bool(cashier.screen.query("#take-code")), what="the unpaid order")
        # the cashier's wedge scanner: the burst comes back as a `scan` event of this screen
        cashier.cashier_client.scan(scenario_code("wechat", "instant_success"))
        await wait_for(pilot, lambda: status_of(pay_core.url, order["id"]) == "paid", what="paid by the code")
        await wait_for(pilot, lambda: "Paid" in text_of(cashier, "#order-title"), what="the screen says paid")
        attempts = requests.get(f"{pay_core.url}/v1/orders/{order['id']}/payments", timeout=5).json()["attempts"]
        assert [a["amount"] for a in attempts] == [order["total"]]
        assert sandboxes.ledger.charged(attempts[0]["attempt_id"]) == order["total"]

        typed = new_order(pay_core.url)  # and a code the cashier types
        cashier.push_screen(OrderScreen(typed["id"]))
        await wait_for(pilot, lambda: bool(cashier.screen.query("#pay-code")), what="the second unpaid order")
        code = scenario_code("alipay", "instant_success")
        cashier.screen.query_one("#pay-code").value = code
        await tap(pilot, "#take-code")
        assert all(box.value == "" for box in cashier.screen.query("#pay-code")) and code not in screen_text(cashier)
        await wait_for(pilot, lambda: status_of(pay_core.url, typed["id"]) == "paid", what="paid by the typed code")


@pytest.mark.parametrize("size", SIZES)
async def test_an_order_held_for_payment_appears_at_once_on_the_cashiers_screens(pay_core, device, size):  # noqa: F811
    """No 刷新: the cashier's unresolved-payments view follows the core's event stream."""
    seed(device, code_key=False)
    cashier = create_cashier_app(pay_core.url, language="zh")
    async with cashier.run_test(size=size) as pilot:
        await login(pilot, cashier)
        await tap(pilot, "#open-payments")
        await wait_for(pilot, lambda: bool(cashier.screen.query("#payments-list")), what="未结支付")
        order = new_order(pay_core.url)
        await wait_for(pilot, lambda: any(order["ticket_no"] in str(label.render())
                                          for label in cashier.screen.query("#payments-list Label")),
                       what="the new held order, without 刷新")
        assert cashier.screen.query(".pay-cash")
