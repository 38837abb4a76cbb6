"""The table view takes a payment code for a table's whole bill, typed into its masked field by a
person or read by the screen's own wedge scanner, at 80x24 and 120x40: a real core, an upstream
with its payment gateway and sandbox providers over 127.0.0.1. A typed code leaves the field at
once; the bill reads 待付 ¥0.00 and each round 已付; the provider charged the bill once, in ONE
attempt."""

from __future__ import annotations

import pytest

from edge.core.server import BackgroundCore
from edge.orders import new_id
from edge.ui.cashier.cashier_app import create_cashier_app
from edge.ui.cashier.cashier_home import HomeScreen
from edge.ui.cashier.tables_screen import TablesScreen
from edge.ui.wedge_decoder import WEDGE_GAP_S
from tests.cashier.helpers import CASHIER, seed
from tests.payments.conftest import device, gw_upstream, sandboxes  # noqa: F401
from tests.payments.helpers import scenario_code
from tests.sync.fixtures import sqlite_upstream_db  # noqa: F401
from upstream import table_sessions
from upstream.errors import now_ms

SIZES = [(80, 24), (120, 40)]


# typed: a person's keys, PERSON_GAP_S apart. Keys as fast as a scanner's (within WEDGE_GAP_S) are a
# wedge burst to the app's decoder (edge/ui/wedge_decoder.py), and a burst whose Enter comes late is
# machine input without its end, dropped: a pilot pressing 18 keys at once on a busy machine made
# exactly that now and then (the "typed code that reached no payment" of the last sessions). A slower
# machine only makes a person's gaps longer, so this stays a person's typing however busy it is.
PERSON_GAP_S = 2 * WEDGE_GAP_S


@pytest.mark.parametrize("how", ["typed", "scanned"])
@pytest.mark.parametrize("size", SIZES)
async def test_a_code_pays_the_whole_table(device, gw_upstream, sandboxes, ui, size, how):  # noqa: F811
    seed(device, code_key=False)
    session = table_sessions.open_or_join(gw_upstream.db, "s1", "9", now_ms())["session_id"]
    totals = []
    for round_no, item in ((1, "har_gow"), (2, "milk_tea")):  # as the downstream path places a round
        view, _ = device.place_order({"client_token": f"up-{new_id()}", "table": "9", "payment": "table",
                                      "table_session": {"id": session, "round": round_no, "waited_ms": 0},
                                      "lines": [{"item_id": item, "qty": 1}]}, from_upstream=True)
        totals.append(view["total"])
    core = BackgroundCore(device).start()
    try:
        app = create_cashier_app(core.url)
        async with app.run_test(size=size, notifications=True) as pilot:
            await ui.wait_for(pilot, lambda: bool(app.screen.query(f"#staff-{CASHIER[0]}")), what="the staff list")
            await ui.tap(pilot, f"#staff-{CASHIER[0]}")
            await pilot.press(*CASHIER[3], "enter")
            await ui.wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), what="the cashier home")
            app.set_focus(None)
            await pilot.press("f2")
            await ui.wait_for(pilot, lambda: isinstance(app.screen, TablesScreen)
                              and "未付" in ui.text_of(app, "#round-1"), what="table 9's rounds")
            due = sum(totals)
            assert ui.text_of(app, "#table-bill").endswith(f"待付 ¥{due / 100:.2f}")
            code = scenario_code("alipay", "instant_success")
            if how == "typed":
                await ui.tap(pilot, "#bill-code")
                for key in [*code, "enter"]:
                    await pilot.pause(PERSON_GAP_S)
                    await pilot.press(key)
                await ui.wait_for(pilot, lambda: app.screen.query_one("#bill-code").value == "",
                                  what="the code leaving the field")
            else:  # this screen's wedge scanner: the code is tied to this screen and pays the table shown
                app.cashier_client.scan(code)
            await ui.wait_for(pilot, lambda: ui.text_of(app, "#table-bill").endswith("待付 ¥0.00"), what="paid")
            assert "已付" in ui.text_of(app, "#round-0") and "已付" in ui.text_of(app, "#round-1")
            assert code not in ui.screen_text(app)
        with device.ledger.reading() as db:
            attempts = db.execute("SELECT attempt_id, amount, state, bill FROM payment_attempts").fetchall()
        assert [(a[1], a[2], a[3]) for a in attempts] == [(due, "succeeded", session)]
        assert sandboxes.ledger.charged(attempts[0][0]) == due
    finally:
        core.stop()
