"""Cashier screens follow the core's event stream, like the kiosk: with a real core (and a real
upstream for the staff), a new order, an order paid at another desk, a reprint that completes and
a staff member added upstream show on an open cashier screen without anyone pressing 刷新."""

from __future__ import annotations

import pytest

from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_client import CashierClient
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.login import LoginScreen
from edge.ui.cashier.order import OrderScreen
from tests.cashier.helpers import CASHIER, MANAGER, place, seed
from tests.support import wait_for as wait_until
from tests.sync.fixtures import make_device, sqlite_upstream, sqlite_upstream_db  # noqa: F401
from tests.ui.cashier_fit import printer_config, start_printers
from tests.ui.conftest import RunningCore
from upstream.store_settings import set_staff

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def sims():
    started = start_printers()
    yield started
    for sim in started.values():
        sim.stop()


@pytest.fixture
def printed_core(core_factory, sims):
    running = core_factory(printer_config(sims))
    seed(running.service)
    return running


async def login(pilot, ui) -> None:
    app = pilot.app
    await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{CASHIER[0]}")), what="the staff list")
    await ui.tap(pilot, f"#staff-{CASHIER[0]}")
    await pilot.press(*CASHIER[3], "enter")
    await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")


async def subscribed(pilot, ui, core) -> None:
    await ui.wait_for(pilot, lambda: core.service.events.subscriber_count >= 1, what="the event stream")


def row_text(ui, app, order_id: str) -> str:
    return ui.text_of(app, f"#order-{order_id}") if app.screen.query(f"#order-{order_id}") else ""


def job_state(core, job_id: str) -> str | None:
    with core.service.ledger.reading():
        row = core.service.db.execute("SELECT state FROM print_jobs WHERE id = ?", [job_id]).fetchone()
    return row[0] if row else None


@pytest.mark.parametrize("size", SIZES)
async def test_a_new_order_and_a_payment_at_another_desk_show_on_the_open_list(printed_core, ui, size):
    app = create_cashier_app(printed_core.url)
    async with app.run_test(size=size) as pilot:
        await login(pilot, ui)
        await subscribed(pilot, ui, printed_core)
        order = place(printed_core.service, lines=(("har_gow", 1),))  # a kiosk's order
        await ui.wait_for(pilot, lambda: order["ticket_no"] in row_text(ui, app, order["id"]), what="the new order")
        assert "已下单" in row_text(ui, app, order["id"])
        desk = CashierClient(printed_core.url)  # another cashier takes the cash
        try:
            desk.login(MANAGER[0], MANAGER[3])
            desk._act("POST", f"/v1/orders/{order['id']}/cash", {}, ok=(200, 201))
        finally:
            desk.close()
        await ui.wait_for(pilot, lambda: "已付款" in row_text(ui, app, order["id"]), what="paid, without 刷新")


@pytest.mark.parametrize("size", SIZES)
async def test_a_reprint_that_completes_shows_printed_without_refresh(printed_core, sims, ui, size):
    order = place(printed_core.service, lines=(("milk_tea", 1),))
    bar_job = next(job["id"] for job in order["print_jobs"] if job["station_id"] == "bar")
    wait_until(lambda: job_state(printed_core, bar_job) == "printed", what="the bar ticket printed")
    app = create_cashier_app(printed_core.url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        app.push_screen(OrderScreen(order["id"]))
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and bool(app.screen.query(".reprint")),
                          what="the order")
        await subscribed(pilot, ui, printed_core)
        sims["bar"].set_fault("offline")  # the reprint waits at the printer
        await ui.tap(pilot, f"#reprint-{bar_job}")
        await ui.wait_for(pilot, lambda: len(app.screen.query(".reprint")) == 2, what="the reprint listed")
        new_job = next(b.value for b in app.screen.query(".reprint") if b.value != bar_job)
        assert "已打印" not in ui.text_of(app, f"#job-{new_job}")
        sims["bar"].clear_fault("offline")
        await ui.wait_for(pilot, lambda: job_state(printed_core, new_job) == "printed", timeout=30,
                          what="the reprint printed")
        await ui.wait_for(pilot, lambda: ui.text_of(app, f"#job-{new_job}") == "厨房单 · 水吧 · 已打印",
                          what="printed on the open screen, without 刷新")


@pytest.mark.parametrize("size", SIZES)
async def test_a_staff_member_added_upstream_shows_on_the_open_login(sqlite_upstream, make_device, ui,  # noqa: F811
                                                                      size):
    set_staff(sqlite_upstream.db, "s1", "amy", "Amy", "cashier", "4321")
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    device.attach().start()
    wait_until(lambda: device.service.db.execute("SELECT count(*) FROM staff_pins").fetchone()[0] == 1,
               what="the first staff list synced")
    core = RunningCore(device.service).start()
    try:
        app = create_cashier_app(core.url)
        async with app.run_test(size=size) as pilot:
            await ui.wait_for(pilot, lambda: bool(app.screen.query("#staff-amy")), what="Amy")
            await subscribed(pilot, ui, core)
            set_staff(sqlite_upstream.db, "s1", "bo", "Bo", "cashier", "8765")
            await ui.wait_for(pilot, lambda: bool(app.screen.query("#staff-bo")), timeout=30,
                              what="Bo on the open login, without 刷新")
            assert isinstance(app.screen, LoginScreen)
            await ui.tap(pilot, "#staff-bo")
            await pilot.press(*"8765", "enter")
            await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="Bo logged in")
    finally:
        core.stop()
