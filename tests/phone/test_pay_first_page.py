"""A 先付后吃 (pay first) store: the page says so, a round waits as 待付款 with a 去支付 button for
its amount (the payment channel of the app the page runs in: WeChat Pay in WeChat, Alipay in
Alipay, a choice in another browser), and nothing goes to the kitchen before it is paid."""

from __future__ import annotations

from tests.phone.conftest import ALIPAY_UA, STORE, wait_text
from upstream import table_sessions

OTHER_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0"
            " Mobile Safari/537.36")


def test_a_pay_first_round_waits_for_its_payment_with_a_pay_button(world):
    table_sessions.set_table_settings(world.db, STORE, mode="pay_first")
    wechat = world.phone()
    assert "先付后吃" in wechat.inner_text(".how")
    wechat.click('.dish[data-id="har_gow"] .add')
    wait_text(wechat, "#n-cart", "1", exact=True)
    wechat.click("#show-cart")
    wechat.click("#submit")
    wechat.wait_for_selector(".toast:has-text('请付款')")
    wait_text(wechat, "#rounds", "待付款")
    assert wechat.locator("#rounds .pay button .zh").all_text_contents() == ["去支付 ¥28.00"]
    assert wechat.inner_text("#pay") == ""  # the bill's button is for 先吃后付 tables
    alipay, other = world.phone(user_agent=ALIPAY_UA), world.phone(user_agent=OTHER_UA)
    wait_text(alipay, "#rounds", "待付款")
    wait_text(other, "#rounds", "待付款")
    assert alipay.locator("#rounds .pay button .zh").all_text_contents() == ["去支付 ¥28.00"]
    assert other.locator("#rounds .pay button .zh").all_text_contents() == ["去支付 ¥28.00 · 微信支付",
                                                                      "去支付 ¥28.00 · 支付宝"]
    assert world.db.scalar("SELECT count(*) AS n FROM commands WHERE type = 'order.place'") == 0
    assert world.tickets() == []
    assert wechat.errors == [] and alipay.errors == [] and other.errors == []
