"""Table rounds reach the kitchen printers through a real device: each round once, only its own
lines, 第2轮 加菜 on the ticket, 已下厨 back on the phones; a call prints a slip at the counter."""

from __future__ import annotations

import pytest

from edge.printer_sim.simulator import PrinterSimulator
from tests.support import wait_for
from tests.tables.helpers import add, phone, state, submit


@pytest.fixture
def printers():
    sims = {name: PrinterSimulator(port=0, name=name) for name in ("dimsum", "kitchen", "bar")}
    for sim in sims.values():
        sim.start()
    yield sims
    for sim in sims.values():
        sim.stop()


def test_each_round_prints_once_with_only_its_lines(sqlite_upstream, make_device, printers):
    device = make_device(sqlite_upstream.url, sqlite_upstream.db, {n: s.port for n, s in printers.items()},
                         start_printing=True, role="cashier")
    device.attach().start()
    alice, bob = phone(sqlite_upstream), phone(sqlite_upstream)
    add(alice, "har_gow", 2)
    assert submit(bob).status_code == 201
    first = printers["dimsum"].wait_for_tickets(1, timeout=15)
    assert "水晶虾饺皇" in first[0].text and "第1轮" in first[0].text and "桌 12" in first[0].text
    wait_for(lambda: state(alice)["rounds"][0]["state"] == "printed", timeout=15, what="round 1 已下厨")
    assert state(alice)["rounds"][0]["ticket_no"] == "A001"

    add(bob, "siu_mai", 1)
    add(alice, "har_gow", 1)
    assert submit(alice).status_code == 201
    tickets = printers["dimsum"].wait_for_tickets(2, timeout=15)
    assert "第2轮 加菜" in tickets[1].text
    assert "蟹籽烧卖  ×1" in tickets[1].text and "水晶虾饺皇  ×1" in tickets[1].text
    assert "×2" not in tickets[1].text, "round 2 holds only its own lines"
    wait_for(lambda: [r["state"] for r in state(bob)["rounds"]] == ["printed", "printed"], timeout=15,
             what="round 2 已下厨")
    device.worker.wake()
    wait_for(lambda: device.worker.status()["pending"] == 0, what="events synced")
    assert len(printers["dimsum"].tickets) == 2, "no round printed twice"
    orders = device.service.db.execute("SELECT table_session, table_round, payment, status FROM orders"
                                       " ORDER BY table_round").fetchall()
    assert [(r[1], r[2], r[3]) for r in orders] == [(1, "table", "placed"), (2, "table", "placed")]
    assert len({r[0] for r in orders}) == 1


def test_a_call_prints_a_slip_at_the_counter(sqlite_upstream, make_device, printers):
    device = make_device(sqlite_upstream.url, sqlite_upstream.db, {"receipt": printers["bar"].port},
                         start_printing=True, role="cashier")
    seen = []
    publish = device.service.events.publish
    device.service.events.publish = lambda kind, doc: (seen.append((kind, doc)), publish(kind, doc))
    device.attach().start()
    guest = phone(sqlite_upstream)
    assert guest.post(f"{guest.base}/v1/table/calls", json={"kind": "waiter"}, timeout=10).status_code == 201
    slip = printers["bar"].wait_for_tickets(1, timeout=15)[0]
    assert "呼叫服务员" in slip.text and "桌 12" in slip.text
    wait_for(lambda: any(kind == "table.call" for kind, _ in seen), what="the cashier screens told")
