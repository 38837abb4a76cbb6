"""The counter's table view against a real upstream (SQLite and PostgreSQL) and a real device
that receives the phones' rounds by its sync worker, all over HTTP on 127.0.0.1: the cashier opens
a table, the guests' rounds and their call show with this device's orders and bill, 清台 is
refused while money is due, the whole bill is paid in cash, upstream hears of it (the phones show
已付款), and 清台 ends the session. A bill paid while upstream is down is told when it is back."""

from __future__ import annotations

import requests

from edge.core.server import BackgroundCore
from tests.cashier.helpers import CASHIER, Api
from tests.support import wait_for
from tests.tables.helpers import add, phone, state, submit
from upstream.server import BackgroundUpstream
from upstream.store_settings import set_staff


def counter(make_device, up):
    """An enrolled device whose sync worker runs, its core's HTTP API and a logged-in cashier."""
    set_staff(up.db, "s1", CASHIER[0], CASHIER[1], CASHIER[2], CASHIER[3])  # the staff come with the settings
    device = make_device(up.url, up.db, role="cashier")
    device.service.cashier.attach(None, start=True)
    device.attach(write_lock=device.service.ledger.write_lock).start()  # as the core wires it
    wait_for(lambda: device.service.cashier.staff_list(), 30, what="the staff on the device")
    core = BackgroundCore(device.service).start()
    api = Api(core.url)
    api.login()
    return device, core, api


def notices(device) -> list[str]:
    with device.service.ledger.reading() as db:
        return [r[0] for r in db.execute("SELECT state FROM table_bill_notices ORDER BY created_ms")]


def table_of(api, number: str) -> dict | None:
    doc = api.call("GET", "/v1/tables").json()
    return next((t for t in doc["tables"] if t["table"] == number), None)


def test_a_table_from_opening_to_clearing(make_device, upstream):
    device, core, api = counter(make_device, upstream)
    try:
        opened = api.call("POST", "/v1/tables/12/open", {})
        assert opened.status_code == 200, opened.text
        session_id = opened.json()["session_id"]
        guest = phone(upstream, "12")
        assert state(guest)["session"]["id"] == session_id, "the guests join the table the cashier opened"
        add(guest, "har_gow", 2)
        assert submit(guest).status_code == 201
        add(guest, "milk_tea", 1)
        assert submit(guest).status_code == 201
        assert guest.post(f"{guest.base}/v1/table/calls", json={"kind": "bill"}, timeout=10).status_code == 201

        def both_rounds_here():
            table = table_of(api, "12")
            return table if table and [r.get("order_id") is not None for r in table["rounds"]] == [True, True] \
                and table["calls"] else None

        table = wait_for(both_rounds_here, 30, what="both rounds placed on the device")
        with device.service.ledger.reading() as db:
            orders = {r[0]: r[1] for r in db.execute("SELECT table_round, total FROM orders"
                                                     " WHERE table_session = ?", [session_id])}
        due = orders[1] + orders[2]
        assert table["session_id"] == session_id and table["bill"] == {"total": due, "paid": 0, "due": due}
        assert [(r["round"], r["order_state"]) for r in table["rounds"]] == [(1, "unpaid"), (2, "unpaid")]
        [call] = table["calls"]
        assert call["kind"] == "bill" and call["handled_ms"] is None

        refused = api.call("POST", f"/v1/tables/{session_id}/close", {})
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "bill_unpaid")
        handled = api.call("POST", f"/v1/calls/{call['call_id']}/handled", {})
        assert handled.status_code == 200, handled.text
        assert table_of(api, "12")["calls"][0]["handled_ms"] is not None

        paid = api.call("POST", f"/v1/tables/{session_id}/pay", {"method": "cash"})
        assert paid.status_code == 200 and paid.json()["amount"] == due, paid.text
        wait_for(lambda: state(guest)["bill"]["state"] == "paid", 30, what="the phones see 已付款")
        assert state(guest)["bill"]["due"] == 0

        closed = api.call("POST", f"/v1/tables/{session_id}/close", {})
        assert closed.status_code == 200, closed.text
        assert table_of(api, "12") is None
        after = guest.get(f"{guest.base}/v1/table/state", timeout=30)  # the party's phones are out
        assert (after.status_code, after.json()["error"]["code"]) == (401, "no_table_session")
        with device.service.ledger.reading() as db:
            actions = [r[0] for r in db.execute("SELECT action FROM staff_actions ORDER BY id")]
        assert {"table_open", "call_handled", "bill_paid", "table_close"} <= set(actions)
    finally:
        core.stop()


def test_a_bill_paid_while_upstream_is_down_is_told_when_it_is_back(make_device, sqlite_upstream):
    up = sqlite_upstream
    device, core, api = counter(make_device, up)
    try:
        guest = phone(up, "5")
        add(guest, "siu_mai", 1)
        assert submit(guest).status_code == 201
        session_id = state(guest)["session"]["id"]
        table = wait_for(lambda: (t := table_of(api, "5")) and t["rounds"] and t["rounds"][0].get("order_id") and t,
                         30, what="the round on the device")
        due = table["bill"]["due"]
        port = int(up.url.rsplit(":", 1)[1])
        up.stop()

        down = api.call("GET", "/v1/tables").json()
        assert down["online"] is False and [t["session_id"] for t in down["tables"]] == [session_id]
        assert api.call("POST", "/v1/tables/9/open", {}).json()["error"]["code"] == "upstream_offline"
        assert api.call("POST", f"/v1/tables/{session_id}/pay", {"method": "cash"}).status_code == 200
        assert notices(device) == ["queued"], "kept on the device until upstream has it"

        back = BackgroundUpstream(up.db, port=port).start()
        try:
            device.service.cashier.wake()
            wait_for(lambda: notices(device) == ["sent"], 30, what="the notice sent")
            assert state(guest)["bill"] == {**state(guest)["bill"], "due": 0, "state": "paid"}
            assert up.db.scalar("SELECT sum(amount) AS n FROM table_payments WHERE session_id = ?",
                                [session_id]) == due
            assert requests.get(core.url + "/v1/tables", headers={"X-Staff-Session": api.session},
                                timeout=30).json()["online"] is True
        finally:
            back.stop()
    finally:
        core.stop()
