"""Table rounds reach the kitchen printers through a real device: each round once, only its own
lines, 第2轮 加菜 on the ticket, 已下厨 back on the phones; a call prints a slip at the counter."""

from __future__ import annotations


from tests.support import wait_for
from tests.tables.helpers import add, phone, state, submit




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


def test_a_bill_paid_on_a_phone_pays_the_rounds_on_the_device(sqlite_upstream, make_device, printers):
    from upstream import table_rounds
    from upstream.errors import now_ms

    device = make_device(sqlite_upstream.url, sqlite_upstream.db, {n: s.port for n, s in printers.items()},
                         start_printing=True, role="cashier")
    device.attach().start()
    guest = phone(sqlite_upstream)
    add(guest, "har_gow", 1)
    submit(guest)
    add(guest, "siu_mai", 1)
    submit(guest)
    wait_for(lambda: [r["state"] for r in state(guest)["rounds"]] == ["printed", "printed"], timeout=20,
             what="both rounds printed")
    session = sqlite_upstream.db.one("SELECT * FROM table_sessions")
    due = state(guest)["bill"]["due"]
    # what the gateway's settle callback does once the guest's in-app payment succeeded
    assert table_rounds.record_payment(sqlite_upstream.db, session, "p" * 26, due, "wechat", "phone", None, now_ms())
    assert not table_rounds.record_payment(sqlite_upstream.db, session, "p" * 26, due, "wechat", "phone", None,
                                           now_ms()), "a repeated callback records nothing twice"
    db = device.service.db

    def paid():
        return db.execute("SELECT table_round, status, payment FROM orders ORDER BY table_round").fetchall()

    wait_for(lambda: paid() == [(1, "paid", "wechat"), (2, "paid", "wechat")], timeout=15,
             what="the device's rounds paid by the phone")
    assert len(printers["dimsum"].tickets) + len(printers["kitchen"].tickets) + len(printers["bar"].tickets) == 2, \
        "paying prints nothing again"
    events = db.execute("SELECT count(*) FROM outbox WHERE type = 'order.paid'").fetchone()[0]
    assert events == 2
    assert db.execute("SELECT count(*) FROM table_bill_notices").fetchone()[0] == 0, "upstream is not told back"
