"""The cashier's table view (桌台) with a real upstream, a real device receiving the phones'
rounds by its sync worker and the real core, at 80x24 and 120x40: reached from the home by its
button and by F2; 开台 by number; the guests' rounds appear by themselves with their state in
words; a call is highlighted until 已处理; the bill says 应收 / 已付 / 待付; 清台 is refused while
money is due and asks a manager; 收现金 pays the whole bill; 清台 ends the table. With upstream
down the view says so and keeps the table that owes money; a bill paid on a phone is not taken
again. Every control fits at both sizes, in
Chinese and in English. Screenshots (SVG) go to the test's folder."""

from __future__ import annotations

import pytest

from edge.core.server import BackgroundCore
from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.order import OrderScreen
from edge.ui.cashier.tables_screen import ForceCloseDialog, TablesScreen
from tests.cashier.helpers import CASHIER, MANAGER
from tests.support import wait_for as wait_until
from tests.sync.fixtures import make_device, sqlite_upstream, sqlite_upstream_db  # noqa: F401
from tests.tables.helpers import add, phone, state, submit
from tests.ui.cashier_fit import assert_all_reachable
from upstream import table_rounds
from upstream.errors import now_ms
from upstream.store_settings import set_staff

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def world(make_device, sqlite_upstream):
    """(upstream, device, core url): an enrolled device with its sync worker, cashier thread and API."""
    up = sqlite_upstream
    for staff in (CASHIER, MANAGER):
        set_staff(up.db, "s1", *staff)
    device = make_device(up.url, up.db, role="cashier")
    device.service.cashier.attach(None, start=True)
    device.attach(write_lock=device.service.ledger.write_lock).start()
    wait_until(lambda: len(device.service.cashier.staff_list()) == 2, 30, what="the staff on the device")
    core = BackgroundCore(device.service).start()
    yield up, device, core.url
    core.stop()


async def login(pilot, ui) -> None:
    app = pilot.app
    await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{CASHIER[0]}")), what="the staff list")
    await ui.tap(pilot, f"#staff-{CASHIER[0]}")
    await pilot.press(*CASHIER[3], "enter")
    await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")


def table_row(app) -> str:
    rows = list(app.screen.query(".table-row"))
    return str(rows[0].label) if rows else ""


async def clean(pilot) -> None:
    """No toast, the lists at their top: the screenshot shows the screen as a cashier first sees it."""
    pilot.app.clear_notifications()
    for box in pilot.app.screen.query("VerticalScroll"):
        box.scroll_home(animate=False)
    await pilot.pause(0.2)


def rounds_on(device) -> int:
    with device.service.ledger.reading() as db:
        return db.execute("SELECT count(*) FROM orders WHERE table_session IS NOT NULL").fetchone()[0]


@pytest.mark.parametrize("size", SIZES)
async def test_a_table_at_the_counter_from_opening_to_clearing(world, ui, size, tmp_path):
    up, device, url = world
    app = create_cashier_app(url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        app.clear_notifications()  # the login's toast lies over the bottom row for a few seconds
        await ui.tap(pilot, "#open-tables")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, TablesScreen) and bool(app.screen.query("#no-tables")),
                          what="the table view, no table open")
        await assert_all_reachable(pilot)
        app.screen.query_one("#open-table-no").value = "12"
        await ui.tap(pilot, "#open-table")
        await ui.wait_for(pilot, lambda: "桌12" in table_row(app), what="table 12 open")
        assert "¥" not in table_row(app), "nothing owed yet"

        guest = phone(up, "12")
        add(guest, "har_gow", 2)
        assert submit(guest).status_code == 201
        add(guest, "milk_tea", 1)
        assert submit(guest).status_code == 201
        await ui.wait_for(pilot, lambda: "第2轮" in (second := ui.text_of(app, "#round-1")) and "未付" in second,
                          what="both rounds, without 刷新")
        assert "第1轮" in ui.text_of(app, "#round-0") and any(
            word in ui.text_of(app, "#round-0") for word in ("已提交", "已下厨"))
        rounds = state(guest)["rounds"]
        due = sum(r["total"] for r in rounds)
        assert ui.text_of(app, "#table-bill") == f"应收 ¥{due / 100:.2f}  已付 ¥0.00  待付 ¥{due / 100:.2f}"

        assert guest.post(f"{guest.base}/v1/table/calls", json={"kind": "bill"}, timeout=10).status_code == 201
        await ui.wait_for(pilot, lambda: bool(app.screen.query(".table-call")), what="the call, highlighted")
        assert "请求结账" in str(app.screen.query_one(".table-call").render())
        assert "！呼叫" in table_row(app)
        await assert_all_reachable(pilot)
        await clean(pilot)
        app.save_screenshot(path=str(tmp_path), filename=f"tables-zh-{size[0]}.svg")
        await ui.tap(pilot, ".call-done")
        await ui.wait_for(pilot, lambda: not app.screen.query(".table-call"), what="the call handled")

        # a round opens its order (void there with the usual rules)
        await ui.tap(pilot, "#round-0")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, OrderScreen) and bool(app.screen.query("#void-all")),
                          what="round 1's order")
        assert "整桌一起在「桌台」结账" in ui.text_of(app, "#order-table-bill")
        assert not app.screen.query("#take-cash") and not app.screen.query("#refund"), "paid with the table only"
        assert ui.text_of(app, "#order-money").startswith("待付款")
        await ui.tap(pilot, "#order-back")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, TablesScreen), what="back to the tables")

        await ui.tap(pilot, "#close-table")  # money due: a manager must force it
        await ui.wait_for(pilot, lambda: isinstance(app.screen, ForceCloseDialog), what="the manager's PIN")
        await assert_all_reachable(pilot)
        await ui.tap(pilot, "#force-cancel")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, TablesScreen), what="not closed")

        await ui.tap(pilot, "#bill-cash")
        await ui.wait_for(pilot, lambda: ui.text_of(app, "#table-bill").endswith("待付 ¥0.00"), what="paid")
        assert "已付" in ui.text_of(app, "#round-0")
        wait_until(lambda: state(guest)["bill"]["state"] == "paid", 30, what="the phones told")

        await ui.tap(pilot, "#cashier-lang")
        await ui.wait_for(pilot, lambda: ui.text_of(app, "#close-table") == "Clear table", what="English")
        await assert_all_reachable(pilot)
        await clean(pilot)
        app.save_screenshot(path=str(tmp_path), filename=f"tables-en-{size[0]}.svg")
        await ui.tap(pilot, "#close-table")
        await ui.wait_for(pilot, lambda: bool(app.screen.query("#no-tables")), what="table cleared")


@pytest.mark.parametrize("size", SIZES)
async def test_f2_opens_the_tables_and_upstream_down_is_said(world, ui, size, tmp_path):
    up, device, url = world
    guest = phone(up, "7")
    add(guest, "siu_mai", 1)
    assert submit(guest).status_code == 201
    wait_until(lambda: rounds_on(device) == 1, 30, what="the round on the device")
    up.stop()
    app = create_cashier_app(url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        app.set_focus(None)
        await pilot.press("f2")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, TablesScreen) and bool(app.screen.query(".table-row")),
                          what="the tables by F2")
        assert "连不上门店服务器" in ui.text_of(app, "#tables-offline")
        assert "桌7" in table_row(app) and app.screen.query_one("#close-table").disabled
        assert app.screen.query_one("#open-table").disabled
        assert not app.screen.query_one("#bill-cash").disabled, "the money can still be taken"
        await assert_all_reachable(pilot)
        await clean(pilot)
        app.save_screenshot(path=str(tmp_path), filename=f"tables-offline-{size[0]}.svg")


@pytest.mark.parametrize("size", SIZES)
async def test_a_bill_paid_on_a_phone_is_not_taken_again(world, ui, size):
    up, device, url = world
    guest = phone(up, "3")
    add(guest, "har_gow", 1)
    assert submit(guest).status_code == 201
    wait_until(lambda: rounds_on(device) == 1, 30, what="the round on the device")
    bill = state(guest)["bill"]
    session = up.db.one("SELECT * FROM table_sessions WHERE session_id = ?", [state(guest)["session"]["id"]])
    # what the in-app payment's settle records when the guests pay the bill on a phone; the device
    # hears of it (table.bill_paid) and pays the round there under the channel
    assert table_rounds.record_payment(up.db, session, "phone-pay-1", bill["due"], "wechat", "phone", None, now_ms())

    def paid_here() -> bool:
        with device.service.ledger.reading() as db:
            return db.execute("SELECT payment FROM orders WHERE table_session IS NOT NULL").fetchone()[0] == "wechat"

    wait_until(paid_here, 30, what="the phone's payment on the device")
    app = create_cashier_app(url)
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        app.set_focus(None)
        await pilot.press("f2")
        await ui.wait_for(pilot, lambda: isinstance(app.screen, TablesScreen)
                          and bool(app.screen.query("#table-bill")), what="the table's bill")
        assert ui.text_of(app, "#table-bill") == "应收 ¥28.00  已付 ¥28.00  待付 ¥0.00"
        assert "已付" in ui.text_of(app, "#round-0")
        assert app.screen.query_one("#bill-cash").disabled and app.screen.query_one("#bill-take-code").disabled
        await assert_all_reachable(pilot)
