"""Scanning at the kiosk, against a real core with a table key: table codes bind the order,
refused and payment codes are explained (never echoed), a wedge scanner's burst is one scan
while a person's key presses stay key presses, and the camera's state shows in the status line.
Each test has its own core: the core's debounce would merge the same code across tests."""

from __future__ import annotations

import re

import pytest
from textual import events
from textual.app import _character_to_key

from edge.tables import b64url, make_table_url
from edge.ui.kiosk_app import create_app
from edge.ui.screens.cart_screen import CartScreen
from edge.ui.screens.checkout import CheckoutScreen
from edge.ui.screens.placed import PlacedScreen

KEY = bytes(range(1, 33))
OTHER_KEY = bytes(range(101, 133))
WECHAT = "134567890123456789"  # 18 digits, prefix 13: a WeChat Pay code's shape
WECHAT_MASKED = "1345************89"


@pytest.fixture
def table_core(core_factory):
    """A core of this test alone that holds store s1's table key k1 (no enrollment needed)."""
    running = core_factory()
    with running.service.ledger.reading():
        running.service.db["table_keys"].insert({"kid": "k1", "store_id": "s1", "key": b64url(KEY), "active": 1})
    return running


def table_url(table: str, key: bytes = KEY, store: str = "s1") -> str:
    return make_table_url("order.example.com", store, table, "k1", key)


async def started(app, pilot, core, ui) -> None:
    """Menu shown and the kiosk subscribed to the core's event stream."""
    await ui.menu_ready(pilot)
    await ui.wait_for(pilot, lambda: app.core_state == "online" and core.service.events.subscriber_count > 0,
                      what="the event stream")


def counting_scans(app) -> list[str]:
    """Record every POST /v1/scans the kiosk makes (the text it sends)."""
    sent, scan = [], app.client.scan
    app.client.scan = lambda text: (sent.append(text), scan(text))[1]
    return sent


async def wedge(pilot, text: str) -> None:
    """A keyboard-wedge scanner: `text` + Enter as one burst of keystrokes, as the terminal driver
    posts them from one read of stdin (Pilot.press waits for idle between keys: a person's pace)."""
    for char in (*text, "\r"):
        key = "enter" if char == "\r" else char if char.isalnum() else _character_to_key(char)
        pilot.app._driver.send_message(events.Key(key, char))
    await pilot.pause()


async def to_checkout_dining_in(app, pilot, ui) -> None:
    await ui.tap(pilot, "#item-har_gow")
    await ui.tap(pilot, "#add-to-cart")
    await ui.tap(pilot, "#checkout")
    await ui.tap(pilot, "#service-dine_in")


async def test_table_scans_bind_the_order_and_a_new_table_replaces_it(table_core, ui):
    app = create_app(table_core.url, language="zh")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await started(app, pilot, table_core, ui)
        await ui.tap(pilot, "#item-har_gow")
        await ui.tap(pilot, "#add-to-cart")
        await ui.tap(pilot, "#cart")
        assert isinstance(app.screen, CartScreen)
        app.client.scan(table_url("7"))  # as the camera would: the core announces it
        await ui.wait_for(pilot, lambda: app.draft.table == "7", what="table 7 bound on the cart screen")
        assert app.draft.service == "dine_in"
        assert ui.text_of(app, "#table-badge") == "桌 7 已绑定"
        assert "已绑定桌号" in ui.notices(app)

        await ui.tap(pilot, "#checkout")
        assert isinstance(app.screen, CheckoutScreen)
        assert app.screen.query_one("#service-dine_in").selected  # no choice, no keypad needed
        assert "7（已扫码绑定）" in ui.text_of(app, "#table-display")
        assert not app.screen.query_one("#place-order").disabled

        app.client.scan(table_url("12"))
        await ui.wait_for(pilot, lambda: "12" in ui.text_of(app, "#table-display"), what="table 12 on checkout")
        assert ui.text_of(app, "#table-badge") == "桌 12 已绑定"
        assert "7 号桌 → 12 号桌" in ui.notices(app)  # the replaced table is said, visibly
        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")
        order = app.client.order(app.last_order["id"])
        assert (order["service"], order["table"]) == ("dine_in", "12")
        assert not app.screen.query_one("#table-badge").display  # the next customer starts unbound


async def test_forged_and_foreign_table_codes_bind_nothing(table_core, ui):
    app = create_app(table_core.url, language="zh")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await started(app, pilot, table_core, ui)
        forged = table_url("12", key=OTHER_KEY)
        app.client.scan(forged)
        await ui.wait_for(pilot, lambda: "桌码无效，请联系服务员" in ui.notices(app), what="the forged notice")
        assert "无法识别的二维码" in ui.notices(app)
        shown = ui.screen_text(app) + ui.notices(app)
        assert "example.com" not in shown and forged[-22:] not in shown  # never the code itself
        app.client.scan(table_url("5", store="s2"))
        await ui.wait_for(pilot, lambda: "其他门店" in ui.notices(app), what="the other-store notice")
        await pilot.pause(0.1)
        assert (app.draft.table, app.draft.service, app.draft.table_scanned) == ("", None, False)
        assert not app.screen.query_one("#table-badge").display


async def test_wedge_burst_is_one_scan_and_its_keys_press_nothing(table_core, ui):
    app = create_app(table_core.url, language="en")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await started(app, pilot, table_core, ui)
        sent = counting_scans(app)
        await to_checkout_dining_in(app, pilot, ui)
        app.screen.query_one("#back").focus()  # Enter would go back if the scan's Enter leaked
        url = table_url("12")
        async with table_core.service.events.subscribe() as events:
            await wedge(pilot, url)
            await ui.wait_for(pilot, lambda: app.draft.table_scanned, what="the wedge scan's table")
            await pilot.pause(0.3)
            scans = []
            while not events.empty():
                event = events.get_nowait()
                scans += [event] if event.type == "scan" else []
        assert sent == [url]  # one POST, the whole code
        assert [(e.data["kind"], e.data["table"]) for e in scans] == [("table", "12")]
        assert isinstance(app.screen, CheckoutScreen)  # Enter did not press "back"
        assert app.draft.table == "12" and app.draft.service == "dine_in"  # not "1" typed on the keypad
        assert "Table: 12 (scanned)" in ui.text_of(app, "#table-display")
        assert ui.text_of(app, "#table-badge") == "Table 12"
        await ui.tap(pilot, "#place-order")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PlacedScreen), what="the placed screen")
        assert app.client.order(app.last_order["id"])["table"] == "12"


async def test_slow_key_presses_are_a_person_on_the_keypad(table_core, ui):
    app = create_app(table_core.url, language="zh")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await started(app, pilot, table_core, ui)
        sent = counting_scans(app)
        await to_checkout_dining_in(app, pilot, ui)
        for key in ("1", "2", "3", "4", "5", "6", "backspace", "5"):  # 7 keys, a person's pace
            await pilot.press(key)
            await pilot.pause(0.08)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert sent == []
        assert app.draft.table == "1235" and not app.draft.table_scanned  # 4 digits at most
        assert "桌号: 1235" in ui.text_of(app, "#table-display")


async def test_payment_code_shows_its_channel_never_the_clear_code(table_core, ui):
    app = create_app(table_core.url, language="zh")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await started(app, pilot, table_core, ui)
        sent = counting_scans(app)
        await to_checkout_dining_in(app, pilot, ui)
        await wedge(pilot, WECHAT)  # a wedge scanner reads the customer's phone
        await ui.wait_for(pilot, lambda: "微信支付码" in ui.notices(app), what="the payment notice")
        assert "已识别 微信支付码" in ui.notices(app) and "请到柜台付款" in ui.notices(app)
        shown = ui.screen_text(app)  # everything the terminal shows, every layer
        assert WECHAT_MASKED in shown
        assert sent == [WECHAT]
        flat = re.sub(r"\s+", "", shown)
        assert WECHAT not in flat and not any(WECHAT[i:i + 7] in flat for i in range(len(WECHAT) - 6))
        assert app.draft.table == ""  # the digits were not typed into the keypad
        table_core.service.events.publish("scan", {"kind": "alipay", "channel": "alipay",
                                                   "text_masked": "2845678901234567891"})  # a bad event
        await ui.wait_for(pilot, lambda: "支付宝付款码" in ui.notices(app), what="the Alipay notice")
        assert "2845*************91" in ui.screen_text(app)
        assert "28456789" not in re.sub(r"\s+", "", ui.screen_text(app))


async def test_camera_offline_shows_in_the_status_line(table_core, ui):
    app = create_app(table_core.url, language="zh")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await started(app, pilot, table_core, ui)
        assert "摄像头" not in ui.text_of(app, "#status")
        table_core.service.events.publish("camera", {"status": "camera offline"})
        await ui.wait_for(pilot, lambda: "摄像头离线" in ui.text_of(app, "#status"), what="camera offline")
        assert app.screen.query_one("#status").has_class("-printer")  # the warning colour
        table_core.service.events.publish("camera", {"status": "camera online"})
        await ui.wait_for(pilot, lambda: "摄像头" not in ui.text_of(app, "#status"), what="camera online")
