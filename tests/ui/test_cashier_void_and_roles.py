"""Cashier mode against a real core, Pilot at 80x24 and 120x40: a void opens a confirmation that
shows what is voided and its amount and asks a reason from chips (nothing is voided before the
cashier confirms with one); a void above the store's threshold asks a manager's PIN on the same
screen; a fully voided line shows no void button; a technician is not offered in the cashier's
staff list and is refused if they try (a list from before their role changed)."""

from __future__ import annotations

import pytest

from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.login import LoginScreen
from edge.ui.cashier.order import OrderScreen
from edge.ui.cashier.void_dialog import VoidDialog
from tests.cashier.helpers import CASHIER, MANAGER, pin_hash, place, seed

SIZES = [(80, 24), (120, 40)]
TECHNICIAN = ("t1", "赵技术", "technician", "55667788")


@pytest.fixture
def cashier_core(core_factory):
    running = core_factory()
    seed(running.service, code_key=False)
    return running


async def login(pilot, ui, who=CASHIER) -> None:
    app = pilot.app
    await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{who[0]}")), what="the staff list")
    await ui.tap(pilot, f"#staff-{who[0]}")
    await pilot.press(*who[3], "enter")
    await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")


async def open_order(pilot, ui, order_id: str, ready: str) -> None:
    app = pilot.app
    app.push_screen(OrderScreen(order_id))
    await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and bool(app.screen.query(ready)),
                      what="the order")


def voids(core) -> list[tuple]:
    with core.service.ledger.reading():
        return core.service.db.execute("SELECT line_no, qty, reason, staff_id FROM order_voids"
                                       " ORDER BY at_ms").fetchall()


def approvals(core) -> list[tuple]:
    with core.service.ledger.reading():
        return core.service.db.execute("SELECT action, staff_id, approved_by FROM staff_actions ORDER BY id").fetchall()


@pytest.mark.parametrize("size", SIZES)
async def test_a_void_shows_what_and_how_much_and_needs_a_reason(cashier_core, ui, size):
    order = place(cashier_core.service, lines=(("har_gow", 1), ("milk_tea", 1)))
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        await open_order(pilot, ui, order["id"], "#void-line-1")
        await ui.tap(pilot, "#void-line-1")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, VoidDialog), what="the void confirmation")
        assert "水晶虾饺皇 ×1  ¥28.00" in ui.text_of(app, ".void-what")
        assert ui.text_of(app, "#void-amount") == "退菜金额 ¥28.00"
        for chip in ("客人不要了", "上错菜", "缺货估清", "等太久", "其他"):
            assert any(ui.text_of(app, f"#{b.id}") == chip for b in app.screen.query(".void-reason"))
        await ui.tap(pilot, "#void-cancel")  # changed their mind: nothing happens
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen), what="back on the order")
        await ui.tap(pilot, "#void-line-1")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, VoidDialog), what="the void confirmation")
        await ui.tap(pilot, "#void-ok")  # no reason chosen yet
        await ui.wait_for(pilot, lambda: "请选择退菜原因" in ui.text_of(app, "#void-message"), what="asks a reason")
        assert voids(cashier_core) == []
        await ui.tap(pilot, "#void-reason-wrong")
        assert ui.text_of(app, "#void-reason-wrong") == "✓ 上错菜"
        await ui.tap(pilot, "#void-ok")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and "已退 1" in ui.screen_text(app),
                          what="voided")
        assert not app.screen.query("#void-line-1"), "a fully voided line has no void button"
        assert app.screen.query("#void-line-2")
    assert voids(cashier_core) == [(1, 1, "上错菜", "c1")]


@pytest.mark.parametrize("size", SIZES)
async def test_a_big_void_asks_a_managers_pin(cashier_core, ui, size):
    order = place(cashier_core.service, lines=(("har_gow", 3),))  # ¥84.00: above the ¥50 threshold
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        await open_order(pilot, ui, order["id"], "#void-all")
        await ui.tap(pilot, "#void-all")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, VoidDialog), what="the void confirmation")
        assert ui.text_of(app, "#void-amount") == "退菜金额 ¥84.00"
        await ui.tap(pilot, "#void-reason-slow")
        await ui.tap(pilot, "#void-ok")
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#void-mgr-m1")), what="the manager's PIN asked")
        assert "退菜超过 ¥50.00，需经理授权" in ui.text_of(app, "#void-manager-note")
        assert voids(cashier_core) == []
        app.screen.query_one("#void-manager-pin").value = "000000"
        await ui.tap(pilot, "#void-ok")
        await ui.wait_for(pilot, lambda: "经理密码错误" in ui.text_of(app, "#void-message"), what="wrong PIN")
        assert voids(cashier_core) == []
        app.screen.query_one("#void-manager-pin").value = MANAGER[3]
        await ui.tap(pilot, "#void-ok")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and "已作废" in ui.screen_text(app),
                          what="voided with the manager's approval")
        assert not app.screen.query(".void-line")
    assert voids(cashier_core) == [(1, 3, "等太久", "c1")]
    assert approvals(cashier_core) == [("void", "c1", "m1")]


@pytest.mark.parametrize("size", SIZES)
async def test_a_technician_is_kept_out_of_cashier_mode(cashier_core, ui, size):
    seed(cashier_core.service, code_key=False, staff=(CASHIER, MANAGER, TECHNICIAN))
    app = create_cashier_app(cashier_core.url)
    async with app.run_test(size=size) as pilot:
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#staff-c1")), what="the staff list")
        assert not app.screen.query("#staff-t1") and "赵技术" not in ui.screen_text(app)
        # a list from before the role changed still names them: the core refuses the login
        app.screen.staff = [*app.screen.staff, {"staff_id": "t1", "name": "赵技术", "role": "cashier"}]
        app.screen.refresh(recompose=True)
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#staff-t1")), what="the stale list")
        await login_attempt(pilot, ui, TECHNICIAN)
        await ui.wait_for(pilot, lambda: "技术员不能进入收银模式" in ui.text_of(app, "#login-message"),
                          what="refused")
        assert isinstance(app.screen, LoginScreen) and app.cashier_client.staff_session is None
    with cashier_core.service.ledger.reading():
        row = cashier_core.service.db.execute("SELECT role, pin_hash FROM staff_pins WHERE staff_id = 't1'").fetchone()
    assert row == ("technician", pin_hash(TECHNICIAN[3]))


async def login_attempt(pilot, ui, who) -> None:
    await ui.tap(pilot, f"#staff-{who[0]}")
    for digit in who[3]:
        await ui.tap(pilot, f"#key-{digit}")
    await ui.tap(pilot, "#key-ok")
