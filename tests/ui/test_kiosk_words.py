"""The kiosk's words read right: one item is not '1 items', a name with its own brackets is
not wrapped in a second pair, and Ctrl+C answers in the kiosk's language, not Textual's English."""

from __future__ import annotations

import pytest

from edge.ui.i18n import both, t
from edge.ui.kiosk_app import create_app

SIZES = [(80, 24), (120, 40)]


def test_counts_agree_with_their_noun():
    assert t("summary", "en", count=1, total="¥1.00") == "1 item  total ¥1.00"
    assert t("summary", "en", count=2, total="¥2.00") == "2 items  total ¥2.00"
    assert t("cart_summary", "en", count=1, total="¥1.00") == "1 item  total ¥1.00"
    assert t("cart_summary", "zh", count=1, total="¥1.00") == "已选 1 件  合计 ¥1.00"


def test_a_name_with_brackets_gets_no_second_pair():
    har_gow = {"id": "har_gow", "zh": "水晶虾饺皇", "en": "Shrimp dumplings (har gow)"}
    assert both(har_gow, "zh") == "水晶虾饺皇 · Shrimp dumplings (har gow)"
    assert both(har_gow, "en") == "Shrimp dumplings (har gow) · 水晶虾饺皇"
    assert "))" not in both(har_gow, "zh")
    assert both({"zh": "白粥", "en": "Plain congee"}, "zh") == "白粥 (Plain congee)"


@pytest.mark.parametrize("size", SIZES)
async def test_item_screen_and_cart_words(core, ui, size):
    app = create_app(core.url, language="en")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        await ui.tap(pilot, "#item-har_gow")
        assert "))" not in ui.text_of(app, "#item-name")
        await ui.tap(pilot, "#add-to-cart")
        await ui.wait_for(pilot, lambda: "1 item " in ui.text_of(app, "#cart-summary"), what="singular count")
        assert "1 items" not in ui.screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_ctrl_c_hint_is_in_the_kiosk_language(core, ui, size):
    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        await pilot.press("ctrl+c")
        await ui.wait_for(pilot, lambda: bool(app._notifications), what="a notice")
        said = " ".join(notice.message for notice in app._notifications)
        assert "按 Ctrl+Q 退出" in said
        assert "quit the app" not in said
