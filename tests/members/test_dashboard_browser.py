"""The dashboard in a real browser (Debian's chromium through Playwright) at a laptop's and a
phone's width: the manager logs in with the PIN, sees the day's figures and the hour chart, switches
to the week, downloads a CSV, and nothing runs off a phone's screen."""

from __future__ import annotations

import pytest

from tests.members.test_dashboard import PIN, shop  # noqa: F401
from tests.phone.conftest import browser  # noqa: F401
from tests.sync.fixtures import STORE

@pytest.mark.parametrize("upstream_db", ["sqlite"], indirect=True)
def test_log_in_see_the_figures_switch_period_download(shop, browser, tmp_path):  # noqa: F811
    for width, height in ((1200, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto(f"{shop.url}/owner/{STORE}")
        page.fill("#staff_id", "boss")
        page.fill("#pin", "000000")
        page.click("button[type=submit]")
        page.wait_for_selector("#msg:has-text('tries left')")
        page.fill("#pin", PIN)
        page.click("button[type=submit]")
        page.wait_for_selector("#card-revenue")
        assert "¥112.00" in page.inner_text("#card-revenue")
        assert page.locator("svg.chart").count() >= 2
        assert "水晶虾饺皇" in page.inner_text("#dishes")
        page.click("nav.periods a:has-text('周')")
        page.wait_for_selector("#period:has-text('–')")
        with page.expect_download() as download:
            page.click("section:has(#dishes) a.csv")
        saved = tmp_path / f"dishes-{width}.csv"
        download.value.save_as(saved)
        assert "水晶虾饺皇" in saved.read_text(encoding="utf-8-sig")
        if width == 1200:
            page.click("nav.periods a:has-text('日')")
            page.wait_for_selector("#card-revenue")
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, "nothing runs off the screen"
        assert errors == []
        context.close()
