"""Paying on the phone through the sandbox providers' in-app flow, from the phone page: the guest
presses 去支付, the provider's page opens, 确认付款, the phone is back on the table's page.
先付后吃: the round prints once only after it is paid; 先吃后付: the printed rounds' bill becomes
已付款, with the payment as a receipt on every phone of the table."""

from __future__ import annotations

import pytest

from tests.payments.helpers import fast_timings, start_upstream
from tests.phone.conftest import ALIPAY_UA, STORE, close_world, device_world, wait_text
from tests.phone.test_phone_screens import picture, picture_dir
from tests.support import wait_for
from upstream import table_sessions
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes
from upstream.schema import open_database

SLOW_EXPIRY = dict(inapp_expire_s=120.0, inapp_grace_s=1.0, inapp_query_interval_s=0.3, lease_s=10.0,
                   provider_connect_s=5.0, provider_timeout_s=10.0)


@pytest.fixture
def pay_world(tmp_path, browser):
    db = open_database(str(tmp_path / "upstream.sqlite"))
    boxes = start_sandboxes(SandboxTimings(notify_retry_s=(0.2, 0.4, 0.8, 1.6)))
    up = start_upstream(db, boxes, fast_timings(**SLOW_EXPIRY))
    made = device_world(tmp_path, browser, db, up)
    yield made
    close_world(made)
    up.server.stop()
    up.gateway.stop()
    boxes.stop()
    db.close()


def order(phone, item: str) -> None:
    phone.click(f'.dish[data-id="{item}"] .add')
    wait_text(phone, "#n-cart", "1", exact=True)
    phone.click("#show-cart")
    phone.click("#submit")
    phone.wait_for_selector("#orders:not([hidden])")


def confirm_on_the_providers_page(phone, button) -> None:
    """去支付 -> the provider's page -> 确认付款 -> back on the table's page."""
    with phone.expect_navigation():
        button.click()
    assert "/t/" not in phone.url  # the provider's page
    with phone.expect_navigation(url=lambda url: "/t/s1/12" in url, timeout=30_000):
        phone.click("text=确认付款")
    wait_text(phone, "#n-cart", "0", exact=True)  # the table's page again, following the table


def test_pay_first_a_round_prints_once_only_after_it_is_paid(pay_world):
    world = pay_world
    table_sessions.set_table_settings(world.db, STORE, mode="pay_first")
    phone, friend = world.phone(), world.phone(user_agent=ALIPAY_UA)
    order(phone, "har_gow")
    wait_text(friend, "#rounds", "待付款")
    assert world.tickets() == [] and world.db.scalar("SELECT count(*) AS n FROM commands"
                                                     " WHERE type = 'order.place'") == 0
    confirm_on_the_providers_page(phone, phone.locator("#rounds .pay button").first)
    phone.click("#show-orders")
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    wait_text(friend, "#rounds", "已下厨", timeout_s=60)
    tickets = wait_for(lambda: world.round_tickets(1), timeout=30, what="the paid round at the printer")
    assert len(tickets) == 1 and "水晶虾饺皇" in tickets[0]
    wait_text(phone, "#bill", "已付款")
    assert "微信支付" in phone.inner_text("#bill") and "交易号" in phone.inner_text("#bill")
    assert len(world.round_tickets(1)) == 1
    assert phone.errors == [] and friend.errors == []


def test_pay_after_the_printed_rounds_are_paid_at_the_end(pay_world, tmp_path):
    world = pay_world
    phone, friend = world.phone(user_agent=ALIPAY_UA), world.phone()
    order(phone, "har_gow")
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    phone.click("#orders [data-close]")
    order(friend, "char_siu_bao")
    wait_text(phone, "#rounds", "第2轮")
    wait_for(lambda: phone.inner_text("#rounds").count("已下厨") == 2, timeout=60, what="both rounds printed")
    phone.click("#show-orders")
    wait_text(phone, "#bill", "¥46.00")
    pay = phone.locator("#pay button")
    assert pay.locator(".zh").all_text_contents() == ["去支付 ¥46.00"]  # Alipay's browser: Alipay
    confirm_on_the_providers_page(phone, pay)
    phone.click("#show-orders")
    for guest in (phone, friend):
        wait_text(guest, "#bill", "已付款", timeout_s=30)
        assert "支付宝" in guest.inner_text("#bill") and "¥46.00" in guest.inner_text("#bill")
    assert phone.inner_text("#pay") == ""
    picture(phone, picture_dir(tmp_path) / "phone-paid.png")
    assert len(world.round_tickets(1)) == 1 and len(world.round_tickets(2)) == 1
    assert phone.errors == [] and friend.errors == []
