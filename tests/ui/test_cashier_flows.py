"""Cashier mode, Pilot tests against real cores: PIN login and lockout, scanning vouchers (核销),
pickup codes, table codes and payment codes, order actions (void, refund with a manager's PIN,
reprint), 估清, the day report; two cashier screens redeeming the same voucher at once."""

from __future__ import annotations

import asyncio

import pytest

from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.login import LoginScreen
from edge.ui.cashier.order import OrderScreen, RefundDialog
from edge.ui.cashier.report_screen import ReportScreen
from edge.ui.cashier.soldout import SoldOutScreen
from edge.ui.cashier.void_dialog import VoidDialog
from tests.cashier.helpers import CASHIER, MANAGER, pickup, place, seed, voucher

SIZE = (120, 40)


@pytest.fixture
def cashier_core(core_factory):
    running = core_factory()
    seed(running.service)
    with running.service.ledger.reading():
        running.service.db["table_keys"].insert({"kid": "k1", "store_id": "s1",
                                                 "key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "active": 1})
    return running


async def login(pilot, ui, who=CASHIER) -> None:
    app = pilot.app
    await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{who[0]}")), what="the staff list")
    await ui.tap(pilot, f"#staff-{who[0]}")
    for digit in who[3]:
        await ui.tap(pilot, f"#key-{digit}")
    await ui.tap(pilot, "#key-ok")
    await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")


def report_shown(app) -> bool:
    """The 日结 screen is up and shows the core's report (its title alone shows before it loads)."""
    screen = app.screen
    if not isinstance(screen, ReportScreen) or screen.report is None:
        return False
    shown = screen.query("#report-text")
    return bool(shown) and str(shown.first().render()) != "…"


async def subscribed(pilot, ui, core, n: int = 1) -> None:
    await ui.wait_for(pilot, lambda: core.service.events.subscriber_count >= n, what="the event stream")


def detail(app) -> str:
    return str(app.screen.query_one("#scan-detail").render())


async def test_wrong_pins_say_how_many_tries_are_left_then_lock(cashier_core, ui):
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#staff-c1")), what="staff")
        await ui.tap(pilot, "#key-ok")
        assert "请先选择员工" in ui.screen_text(app)
        await ui.tap(pilot, "#staff-c1")
        for attempt in range(5):
            for digit in "0000":
                await ui.tap(pilot, f"#key-{digit}")
            await ui.tap(pilot, "#key-ok")
            expected = f"还可尝试 {4 - attempt} 次" if attempt < 4 else "已锁定，请 30 秒后再试"
            await ui.wait_for(pilot, lambda expected=expected: expected in ui.screen_text(app), what=expected)
        await pilot.press(*CASHIER[3], "enter")  # the right PIN, typed: still locked
        await ui.wait_for(pilot, lambda: "已锁定" in ui.text_of(app, "#login-message"), what="still locked")
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, ui, MANAGER)  # another staff member is not locked
        assert ui.text_of(app, "#cashier-staff") == "李经理"
        await ui.tap(pilot, "#cashier-logout")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="logged out")


async def test_voucher_scan_verify_redeem_and_replay(cashier_core, ui):
    app = create_cashier_app(cashier_core.url)
    code = voucher("TEA20", 2000)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, ui)
        await subscribed(pilot, ui, cashier_core)
        app.client.scan(code)
        await ui.wait_for(pilot, lambda: "有效，可核销" in detail(app), what="the voucher checked")
        assert "券 TEA20  面值 ¥20.00" in ui.screen_text(app)
        await ui.tap(pilot, "#scan-action")
        await ui.wait_for(pilot, lambda: "已核销" in detail(app), what="redeemed")
        assert not app.screen.query_one("#scan-action").display
        await asyncio.sleep(3.2)  # the core's debounce: the same code again later is a new scan
        app.client.scan(code)
        await ui.wait_for(pilot, lambda: "此券已使用" in detail(app), what="already used")
        assert "本机" in detail(app) and not app.screen.query_one("#scan-action").display
        app.client.scan(voucher("X1", store="s2"))
        await ui.wait_for(pilot, lambda: "非本店券" in detail(app), what="wrong store")
        forged = voucher("FREE", 99999)
        app.client.scan(forged[:-2] + ("AA" if not forged.endswith("AA") else "BB"))
        await ui.wait_for(pilot, lambda: "无效券码" in detail(app), what="forged")
        app.client.scan(voucher("OLD", expires=1_000_000))
        await ui.wait_for(pilot, lambda: "此券已过期" in detail(app), what="expired")
    with cashier_core.service.ledger.reading():
        assert cashier_core.service.db.execute("SELECT count(*) FROM voucher_redemptions").fetchone()[0] == 1


async def test_two_cashier_screens_redeem_a_voucher_once(cashier_core, ui):
    first, second = create_cashier_app(cashier_core.url), create_cashier_app(cashier_core.url)
    code = voucher("TWIN", 1500)
    async with first.run_test(size=SIZE) as p1, second.run_test(size=SIZE) as p2:
        await login(p1, ui)
        await login(p2, ui, MANAGER)
        await subscribed(p1, ui, cashier_core, 2)
        first.client.scan(code)  # one scan: both screens show it
        for pilot, app in ((p1, first), (p2, second)):
            await ui.wait_for(pilot, lambda app=app: "有效，可核销" in detail(app), what="valid on both screens")
        first.screen.query_one("#scan-action").press()  # both cashiers tap 核销 at the same moment
        second.screen.query_one("#scan-action").press()
        for pilot, app in ((p1, first), (p2, second)):
            await ui.wait_for(pilot, lambda app=app: "…" not in detail(app) and "可核销" not in detail(app),
                              what="answers")
        outcomes = sorted(("used" if "已使用" in detail(a) else "redeemed" if "已核销" in detail(a) else detail(a))
                          for a in (first, second))
        assert outcomes == ["redeemed", "used"]
    with cashier_core.service.ledger.reading():
        rows = cashier_core.service.db.execute("SELECT state FROM voucher_redemptions").fetchall()
        events = cashier_core.service.db.execute(
            "SELECT count(*) FROM outbox WHERE type = 'voucher.redeemed'").fetchone()[0]
    assert len(rows) == 1 and events == 1


@pytest.mark.parametrize("terms, shown", [
    ({"k": "amount", "m": 3000}, "会员券 Q5OFF  满¥30.00减¥5.00"),
    ({"k": "percent", "p": 10, "m": 10000}, "会员券 Q5OFF  满¥100.00 打9折 最多减¥5.00"),
])
async def test_a_members_coupon_shows_its_terms_and_is_redeemed_once(cashier_core, ui, terms, shown):
    from edge.codes import make_signed_code
    from tests.cashier.helpers import FAR, KEY, KID, STORE

    code = make_signed_code("voucher", {"s": STORE, "id": "Q5OFF", "v": 500, "x": FAR, "c": "cdemo", **terms},
                            KID, KEY)  # as upstream/coupons.py signs a member's coupon
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, ui)
        await subscribed(pilot, ui, cashier_core)
        app.client.scan(code)
        await ui.wait_for(pilot, lambda: "有效，可核销" in detail(app), what="the coupon checked")
        assert str(app.screen.query_one("#scan-title").render()) == shown
        await ui.tap(pilot, "#scan-action")
        await ui.wait_for(pilot, lambda: "已核销" in detail(app), what="redeemed")
    with cashier_core.service.ledger.reading():
        assert cashier_core.service.db.execute("SELECT count(*) FROM voucher_redemptions").fetchone()[0] == 1


async def test_pickup_codes_and_table_codes(cashier_core, ui):
    from edge.tables import make_table_url

    order = place(cashier_core.service, lines=(("har_gow", 2),), table="8")
    other = place(cashier_core.service, table="9")
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, ui)
        await subscribed(pilot, ui, cashier_core)
        code = pickup(order["id"], order["ticket_no"])
        app.client.scan(code)
        await ui.wait_for(pilot, lambda: "水晶虾饺皇×2" in detail(app), what="the order to hand over")
        await ui.tap(pilot, "#scan-action")
        await ui.wait_for(pilot, lambda: f"{order['ticket_no']} 已取餐" in detail(app), what="collected")
        await asyncio.sleep(3.2)
        app.client.scan(code)
        await ui.wait_for(pilot, lambda: "已取过餐" in detail(app), what="already collected")
        assert not app.screen.query_one("#scan-action").display
        app.client.scan(make_table_url("order.example.com", "s1", "9", "k1", bytes(range(32))))
        await ui.wait_for(pilot, lambda: "桌 9 的未完成订单" in ui.text_of(app, "#orders-title"), what="table 9")
        await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#order-{other['id']}")), what="its order")
        assert not app.screen.query(f"#order-{order['id']}")
        app.client.scan("134567890123456789")  # a payment code: masked, pointed to payments
        await ui.wait_for(pilot, lambda: "1345************89" in ui.screen_text(app), what="payment code")
        assert "134567890123456789" not in ui.screen_text(app)
        await ui.tap(pilot, "#open-payments")  # the payments module's unresolved-payments screen
        from edge.ui.screens.payments import UnresolvedPaymentsScreen

        await ui.wait_for(pilot, lambda: isinstance(app.screen, UnresolvedPaymentsScreen), what="payments screen")


async def test_a_double_redemption_found_at_sync_is_shown(cashier_core, ui):
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, ui)
        await subscribed(pilot, ui, cashier_core)
        cashier_core.service.events.publish("voucher.conflict", {"voucher_id": "DUP9", "redemption_id": "r"})
        await ui.wait_for(pilot, lambda: "券 DUP9 被重复核销" in ui.screen_text(app), what="the warning")


def test_ui_mode_cashier_makes_the_cashier_app():
    from edge.ui.kiosk_app import create_app
    from edge.ui.cashier.cashier_app import CashierApp

    assert isinstance(create_app("http://127.0.0.1:9", mode="cashier"), CashierApp)


async def test_order_search_void_refund_and_reprint(cashier_core, ui):
    order = place(cashier_core.service, lines=(("har_gow", 2), ("milk_tea", 1)), table="3")
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, ui)
        pilot.app.screen.query_one("#search-ticket").value = order["ticket_no"]
        await ui.tap(pilot, "#do-search")
        await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#order-{order['id']}")), what="found")
        await ui.tap(pilot, f"#order-{order['id']}")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and bool(app.screen.query("#void-line-1")),
                          what="the order")
        await ui.tap(pilot, "#void-line-1")  # a void is confirmed with a reason (VoidDialog)
        await ui.wait_for(pilot, lambda: isinstance(app.screen, VoidDialog), what="the void dialog")
        await ui.tap(pilot, "#void-reason-guest")
        await ui.tap(pilot, "#void-ok")
        await ui.wait_for(pilot, lambda: "已退 1" in ui.screen_text(app), what="voided one")
        await ui.tap(pilot, "#refund")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, RefundDialog) and bool(app.screen.query("#mgr-m1")),
                          what="refund dialog")
        app.screen.query_one("#refund-amount").value = "999"
        app.screen.query_one("#manager-pin").value = MANAGER[3]
        await ui.tap(pilot, "#refund-ok")
        await ui.wait_for(pilot, lambda: "退款金额超过已付金额" in ui.screen_text(app), what="above paid")
        app.screen.query_one("#refund-amount").value = "5"
        app.screen.query_one("#manager-pin").value = "0000"
        await ui.tap(pilot, "#refund-ok")
        await ui.wait_for(pilot, lambda: "密码错误" in ui.screen_text(app), what="wrong manager PIN")
        app.screen.query_one("#manager-pin").value = MANAGER[3]
        await ui.tap(pilot, "#refund-ok")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="refund done")
        await ui.wait_for(pilot, lambda: "退款 ¥5.00" in ui.screen_text(app), what="refund shown")
        job = order["print_jobs"][0]["id"] if order["print_jobs"] else None
        if job is None:
            assert not app.screen.query(".reprint")
    with cashier_core.service.ledger.reading():
        rows = cashier_core.service.db.execute("SELECT action, staff_id, approved_by FROM staff_actions"
                                               " ORDER BY id").fetchall()
    assert rows == [("void", "c1", None), ("refund", "c1", "m1")]


async def test_sold_out_and_day_report(cashier_core, ui):
    place(cashier_core.service, lines=(("har_gow", 1),))
    app = create_cashier_app(cashier_core.url, language="en")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await login(pilot, ui)
        await ui.tap(pilot, "#open-soldout")
        await ui.wait_for(pilot,
                          lambda: isinstance(app.screen, SoldOutScreen) and bool(app.screen.query("#so-har_gow")),
                          what="dishes")
        await ui.tap(pilot, "#so-har_gow")
        await ui.wait_for(pilot, lambda: app.screen.query_one("#so-har_gow").selected, what="sold out")
        assert cashier_core.service.menu.items["har_gow"].sold_out
        await ui.tap(pilot, "#soldout-back")
        await ui.tap(pilot, "#open-report")
        await ui.wait_for(pilot, lambda: report_shown(app), what="report")
        shown = ui.screen_text(app)
        assert "Revenue" in shown and "营业额" not in shown and "¥28.00" in shown
        await ui.tap(pilot, "#close-day")
        await ui.wait_for(pilot, lambda: "Day closed" in ui.text_of(app, "#report-title"), what="closed")
    with cashier_core.service.ledger.reading():
        assert cashier_core.service.db.execute(
            "SELECT count(*) FROM outbox WHERE type = 'day.closed'").fetchone()[0] == 1
