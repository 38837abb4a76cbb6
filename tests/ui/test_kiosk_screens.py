"""Kiosk behaviour on single screens: sold-out dishes, the language switch, status line."""

from __future__ import annotations

import socket

from edge.ui.kiosk_app import create_app
from edge.ui.core_client import CoreClient
from edge.ui.screens.item import ItemScreen
from edge.ui.screens.menu_screen import MenuScreen


async def test_sold_out_item_is_disabled_and_cannot_be_added(core, ui):
    app = create_app(core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await ui.menu_ready(pilot)
        await ui.tap(pilot, "#cat-steamed")
        sold_out = app.screen.query_one("#item-abalone_siu_mai")
        assert sold_out.disabled and sold_out.has_class("-sold-out")
        assert "售罄" in ui.text_of(app, "#item-abalone_siu_mai")
        assert not app.screen.query_one("#item-har_gow").disabled
        sold_out.scroll_visible(animate=False, immediate=True)
        await pilot.click("#item-abalone_siu_mai")
        await pilot.pause()
        assert isinstance(app.screen, MenuScreen)  # no dish dialog opened
        assert app.draft.cart.is_empty()
        await ui.tap(pilot, "#cat-congee")
        assert app.screen.query_one("#item-beef_brisket_noodles").disabled
        assert app.screen.query_one("#checkout").disabled  # nothing to check out


async def test_language_switch_changes_texts_and_back(core, ui):
    app = create_app(core.url, language="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        await ui.menu_ready(pilot)
        assert ui.text_of(app, "#cart") == "购物车"
        assert ui.text_of(app, "#cat-steamed") == "蒸点"
        assert ui.text_of(app, "#item-har_gow").startswith("水晶虾饺皇")
        assert ui.text_of(app, "#lang") == "English"
        await ui.wait_for(pilot, lambda: "系统正常" in ui.text_of(app, "#status"), what="online status")

        await ui.tap(pilot, "#lang")
        await ui.wait_for(pilot, lambda: ui.text_of(app, "#cart") == "Cart", what="English texts")
        assert ui.text_of(app, "#cat-steamed") == "Steamed"
        assert ui.text_of(app, "#item-har_gow").startswith("Shrimp dumplings (har gow)\n水晶虾饺皇")
        assert ui.text_of(app, "#lang") == "中文"
        assert "Online" in ui.text_of(app, "#status")

        # the dish screen keeps what was chosen across a switch
        await ui.tap(pilot, "#cat-congee")
        await ui.tap(pilot, "#item-beef_chow_fun")
        await ui.tap(pilot, "#opt-large")
        assert "Large +¥5.00" in ui.text_of(app, "#opt-large")
        assert "Add to cart" in ui.text_of(app, "#add-to-cart")
        await ui.tap(pilot, "#lang")
        await ui.wait_for(pilot, lambda: "加入购物车" in ui.text_of(app, "#add-to-cart"), what="Chinese texts")
        assert isinstance(app.screen, ItemScreen)
        assert "大 +¥5.00" in ui.text_of(app, "#opt-large") and app.screen.query_one("#opt-large").selected
        assert "¥37.00" in ui.text_of(app, "#add-to-cart")
        await ui.tap(pilot, "#cancel-item")
        assert ui.text_of(app, "#cart") == "购物车"  # the menu underneath switched back too
        assert ui.text_of(app, "#cat-congee") == "粥粉面"


async def test_keyboard_only_can_open_a_dish(core, ui):
    app = create_app(core.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await ui.menu_ready(pilot)
        app.screen.query_one("#item-har_gow").focus()
        await pilot.press("enter")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ItemScreen), what="the dish screen")
        await pilot.press("escape")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, MenuScreen), what="the menu again")


async def test_status_line_shows_a_printer_problem_from_the_event_stream(core_factory, ui):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        dead_port = free.getsockname()[1]
    core = core_factory(f'[printers.kitchen]\nurl = "tcp://127.0.0.1:{dead_port}"\ntimeout = 0.5\n')
    app = create_app(core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await ui.menu_ready(pilot)
        await ui.wait_for(pilot, lambda: app.core_state == "online", what="the event stream")
        CoreClient(core.url).place_order({"client_token": "status-test", "lines": [{"item_id": "pu_erh", "qty": 1}]})
        await ui.wait_for(pilot, lambda: "⚠ 打印机 kitchen" in ui.text_of(app, "#status"), what="the problem")
        assert app.screen.query_one("#status").has_class("-printer")


async def test_status_line_shows_unsynced_orders_while_an_enrolled_device_cannot_sync(core_factory, ui):
    """Issue #5: the UI shows "N not synced" (and re-enrollment) from the sync worker's events."""
    core = core_factory()
    app = create_app(core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await ui.menu_ready(pilot)
        await ui.wait_for(pilot, lambda: app.core_state == "online", what="the event stream")
        assert "未同步" not in ui.text_of(app, "#status")  # never enrolled: offline on purpose, nothing shown
        core.service.events.publish("sync.changed", {"pending": 3, "state": "offline"})
        await ui.wait_for(pilot, lambda: "离线：3 单未同步" in ui.text_of(app, "#status"), what="3 not synced")
        core.service.events.publish("sync.changed", {"pending": 4, "state": "needs re-enrollment"})
        await ui.wait_for(pilot, lambda: "需重新注册设备：4 单未同步" in ui.text_of(app, "#status"), what="re-enroll")
        core.service.events.publish("sync.changed", {"pending": 0, "state": "ok"})
        await ui.wait_for(pilot, lambda: "未同步" not in ui.text_of(app, "#status"), what="all synced")
