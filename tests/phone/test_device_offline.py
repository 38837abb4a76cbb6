"""The store's device offline: the phones' rounds wait upstream, the page says the kitchen has not
received them yet, and once the device is back each waiting round prints once, in order."""

from __future__ import annotations

import pytest

from tests.phone.conftest import wait_text
from tests.support import wait_for

pytestmark = [pytest.mark.chaos, pytest.mark.serial]  # kills and restarts the core: one at a time, beside the rest


def submit(phone, item: str) -> None:
    phone.click(f'.dish[data-id="{item}"] .add')
    wait_text(phone, "#n-cart", "1", exact=True)
    phone.click("#show-cart")
    phone.click("#submit")
    phone.wait_for_selector("#orders:not([hidden])")
    phone.click("#orders [data-close]")


def test_rounds_made_while_the_device_is_offline_print_once_when_it_is_back(world):
    phone = world.phone()
    wait_text(phone, "#n-cart", "0", exact=True)
    world.core.kill()
    submit(phone, "har_gow")
    submit(phone, "char_siu_bao")
    phone.click("#show-orders")
    wait_text(phone, "#rounds", "第2轮")
    wait_text(phone, "#rounds", "厨房还没收到，门店设备恢复在线后会自动打印", timeout_s=90)
    assert world.tickets() == []
    world.core.start()
    wait_for(lambda: phone.inner_text("#rounds").count("已下厨") == 2, timeout=90, what="both rounds printed")
    assert "厨房还没收到" not in phone.inner_text("#rounds")
    tickets = world.tickets("dimsum")
    assert [("第1轮" in t, "第2轮 加菜" in t) for t in tickets] == [(True, False), (False, True)], tickets
    assert "水晶虾饺皇" in tickets[0] and "蜜汁叉烧包" in tickets[1]
    assert "水晶虾饺皇" not in tickets[1] and "蜜汁叉烧包" not in tickets[0]
    assert phone.errors == []
