"""Every cashier screen at 80x24 and at kiosk size (120x40), in Chinese and in English, against a
real core with printers: login with its whole PIN keypad, home with its filters, an order with
its print jobs, 估清, the day report and 未结支付 — nothing cut off, every button reachable (and
pressed), long content scrolled to. The words: print jobs say what, for which station and how
far in words; the English screen shows the menu's English dish names; logging out of the cashier
leaves the kiosk in its own language."""

from __future__ import annotations

import pytest

from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.login import LoginScreen
from edge.ui.cashier.order import OrderScreen
from edge.ui.cashier.soldout import SoldOutScreen
from edge.ui.kiosk_app import create_app
from edge.ui.screens.payments import UnresolvedPaymentsScreen
from tests.cashier.helpers import CASHIER, MANAGER, place, seed
from tests.support import wait_for as wait_until
from tests.ui.cashier_fit import assert_all_reachable, printer_config, start_printers
from tests.ui.test_cashier_flows import report_shown

SIZES = [(80, 24), (120, 40)]
LINES = (("har_gow", 2), ("milk_tea", 1), ("char_siu_bao", 1), ("cheung_fun", 1), ("lemon_tea", 2))


@pytest.fixture
def printed_core(core_factory):
    sims = start_printers()
    running = core_factory(printer_config(sims))
    seed(running.service, staff=(CASHIER, MANAGER, ("c2", "张收银", "cashier", "5678")))
    yield running
    for sim in sims.values():
        sim.stop()


def job_states(core, order_id: str) -> set[str]:
    with core.service.ledger.reading():
        return {r[0] for r in core.service.db.execute("SELECT state FROM print_jobs WHERE order_id = ?", [order_id])}


async def login(pilot, ui) -> None:
    app = pilot.app
    await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{CASHIER[0]}")), what="the staff list")
    await ui.tap(pilot, f"#staff-{CASHIER[0]}")
    await ui.tap(pilot, "#key-9")
    await ui.tap(pilot, "#key-clear")  # the keypad's last row: 清除 0 确认, all on screen
    await ui.tap(pilot, "#key-0")
    await ui.tap(pilot, "#key-clear")
    for digit in CASHIER[3]:
        await ui.tap(pilot, f"#key-{digit}")
    await ui.tap(pilot, "#key-ok")
    await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES)
async def test_every_cashier_screen_fits_and_every_button_is_reachable(printed_core, ui, size, lang):
    order = place(printed_core.service, lines=LINES)
    wait_until(lambda: job_states(printed_core, order["id"]) == {"printed"}, what="the kitchen tickets printed")
    app = create_cashier_app(printed_core.url, language=lang)
    async with app.run_test(size=size, notifications=True) as pilot:
        await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{CASHIER[0]}")), what="the staff list")
        assert await assert_all_reachable(pilot) >= 16  # names, the 12 keys, the bar
        await login(pilot, ui)
        await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#order-{order['id']}")), what="the order list")
        await assert_all_reachable(pilot)
        for toggle in ("#filter-open", "#filter-hour"):  # 未完成, 近1小时: on screen, pressed
            await ui.tap(pilot, toggle)
            await ui.wait_for(pilot, lambda toggle=toggle: app.screen.query_one(toggle).selected, what=toggle)
        await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#order-{order['id']}")), what="still listed")
        await ui.tap(pilot, f"#order-{order['id']}")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and bool(app.screen.query(".reprint")),
                          what="the order")
        await assert_all_reachable(pilot)
        last_job = list(app.screen.query(".reprint"))[-1]
        await ui.tap(pilot, f"#{last_job.id}")  # the last print job's 补打, scrolled to
        await ui.wait_for(pilot, lambda: len(app.screen.query(".reprint")) == len(order["print_jobs"]) + 1,
                          what="the reprint listed")
        app.clear_notifications()  # a toast may lie over the bottom bar for a few seconds
        await ui.tap(pilot, "#order-back")
        await ui.tap(pilot, "#open-soldout")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, SoldOutScreen) and bool(app.screen.query(".so-item")),
                          what="估清")
        await pilot.pause(0.2)
        await assert_all_reachable(pilot)
        last = list(app.screen.query(".so-item"))[-1]
        was = last.selected
        await ui.tap(pilot, f"#{last.id}")
        await ui.wait_for(pilot, lambda: app.screen.query_one(f"#{last.id}").selected is not was,
                          what="the last dish switched")
        app.clear_notifications()
        await ui.tap(pilot, "#soldout-back")
        await ui.tap(pilot, "#open-report")
        await ui.wait_for(pilot, lambda: report_shown(app), what="the day report")
        await assert_all_reachable(pilot)
        app.clear_notifications()
        await ui.tap(pilot, "#report-back")
        await ui.tap(pilot, "#open-payments")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, UnresolvedPaymentsScreen)
                          and bool(app.screen.query(".payments-none")), what="未结支付")
        await assert_all_reachable(pilot)
        bar = app.screen.query_one("#cashier-bar")  # the cashier's look: a title bar with who is logged in
        assert app.screen.query_one("#payments-title").parent is bar
        assert ui.text_of(app, "#cashier-staff") == CASHIER[1]
        assert app.screen.query(".payments-none-hint")  # the empty state says what would show here
        ui.assert_touch_sized(app)
        app.clear_notifications()
        await ui.tap(pilot, "#payments-refresh")
        await ui.tap(pilot, "#payments-back")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="home again")
        await ui.tap(pilot, "#cashier-logout")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), what="logged out")


async def test_print_jobs_and_dishes_in_words_of_the_screens_language(printed_core, ui):
    order = place(printed_core.service, lines=(("har_gow", 1), ("milk_tea", 1)))
    wait_until(lambda: job_states(printed_core, order["id"]) == {"printed"}, what="the kitchen tickets printed")
    app = create_cashier_app(printed_core.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, ui)
        app.push_screen(OrderScreen(order["id"]))
        await ui.wait_for(pilot, lambda: "点心" in ui.screen_text(app), what="the order with its stations")
        jobs = {job["station_id"]: job["id"] for job in order["print_jobs"]}
        assert ui.text_of(app, f"#job-{jobs['bar']}") == "厨房单 · 水吧 · 已打印"
        assert ui.text_of(app, f"#job-{jobs['dimsum']}") == "厨房单 · 点心 · 已打印"
        assert "水晶虾饺皇" in ui.screen_text(app)
        await ui.tap(pilot, "#cashier-lang")
        await ui.wait_for(pilot, lambda: "Dim sum" in ui.screen_text(app), what="English")
        assert ui.text_of(app, f"#job-{jobs['bar']}") == "Kitchen · Drinks bar · printed"
        text = ui.screen_text(app)
        assert "Shrimp dumplings" in text and "Hong Kong milk tea" in text
        assert "水晶虾饺皇" not in text and "港式奶茶" not in text and "bar bar" not in text


@pytest.mark.parametrize("size", SIZES)
async def test_logging_out_of_the_cashier_leaves_the_kiosk_in_its_own_language(printed_core, ui, size):
    app = create_app(printed_core.url)  # a Chinese kiosk
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        app.staff_hooks.open()
        await login(pilot, ui)
        await ui.tap(pilot, "#cashier-lang")  # the cashier works in English
        await ui.wait_for(pilot, lambda: app.lang == "en" and "Log out" in ui.screen_text(app), what="English")
        await ui.tap(pilot, "#cashier-logout")
        await ui.wait_for(pilot, lambda: not isinstance(app.screen, HomeScreen), what="back to the kiosk")
        await ui.menu_ready(pilot)
        assert app.lang == "zh"
        await ui.wait_for(pilot, lambda: "水晶虾饺皇" in ui.screen_text(app), what="the menu in Chinese")
