"""Two phones that scanned the same table share one cart: what one adds, changes or removes shows
on the other at once (the long poll), with options, notes and the price the server computed."""

from __future__ import annotations

from tests.phone.conftest import ALIPAY_UA, wait_text


def test_two_phones_on_one_table_share_a_cart(world):
    alice = world.phone()
    bob = world.phone(user_agent=ALIPAY_UA)
    for phone in (alice, bob):
        wait_text(phone, "#n-cart", "0", exact=True)
    # Alice adds shrimp dumplings with a plain tap
    alice.click('.dish[data-id="har_gow"] .add')
    wait_text(bob, "#n-cart", "1", exact=True)
    wait_text(bob, "#bar-total", "¥28.00")
    # Bob chooses a large beef chow fun, less oil, two of them, on the dish's sheet
    bob.click('.dish[data-id="beef_chow_fun"] .add')
    bob.click('#sheet .grp[data-g="size"] label:has(input[value="large"])')
    bob.click('#sh-chips label[data-n="less_oil"]')
    bob.click("#sh-plus")
    assert bob.inner_text("#sh-total") == "¥74.00"  # (32 + 5) x 2, as the sheet adds it up
    bob.click("#sh-add")
    wait_text(alice, "#n-cart", "3", exact=True)
    wait_text(alice, "#bar-total", "¥102.00")
    alice.click("#show-cart")
    wait_text(alice, "#cart-lines", "干炒牛河")
    lines = alice.inner_text("#cart-lines")
    assert "大" in lines and "少油" in lines and "¥74.00" in lines and "水晶虾饺皇" in lines
    # Alice takes the dumplings out again: Bob's phone follows
    alice.click("#cart-lines li:has-text('水晶虾饺皇') button[aria-label='-1']")
    wait_text(bob, "#bar-total", "¥74.00")
    wait_text(bob, "#n-cart", "2", exact=True)
    assert alice.errors == [] and bob.errors == []
