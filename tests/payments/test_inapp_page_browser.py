"""The providers' sandbox confirmation page in a real browser (headless Chromium, a phone's
viewport): it fits the screen, its two buttons are big enough for a thumb, and pressing 确认付款
pays, notifies the upstream and brings the browser back to the merchant's return_url."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.payments.inapp_world import world  # noqa: F401

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_the_page_fits_a_phone_and_pays(world, browser, channel, tmp_path):
    started = world.start("round-b", 3600, channel, return_url=world.url + "/v1/health?back=1")
    page = browser.new_page(viewport={"width": 360, "height": 640}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    try:
        page.goto(started["pay_url"])
        assert "¥36.00" in page.inner_text("body")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
        for name in ("确认付款", "取消"):
            box = page.get_by_role("button", name=name).bounding_box()
            assert box["height"] >= 44 and box["width"] >= 280, (name, box)
            assert box["y"] + box["height"] <= 640, f"{name} shows without scrolling"
        page.screenshot(path=str(tmp_path / f"{channel}.png"))
        page.get_by_role("button", name="确认付款").click()
        page.wait_for_url(world.url + "/v1/health?back=1*", timeout=30_000)
    finally:
        page.close()
    world.wait_settled(started["attempt_id"])
    assert world.settled == [started["attempt_id"]]
    assert world.sandboxes.ledger.charged(started["attempt_id"]) == 3600
