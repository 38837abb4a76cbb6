"""The store's device offline, then back: rounds wait upstream (the phones are told the kitchen has
not received them), then print once each, in round order, when the device returns; a round that
waited more than 3 minutes prints marked 迟到 N 分钟.

Real processes: `edge-upstream serve`, `edge core` (the store's cashier device) printing to
printer-sims. The core is stopped (the device is off); the outage is made 4 minutes long by moving
the clock marks of what happened during it 4 minutes back in the upstream's database: when the
first round sent during it and its command were made, and when the device was last seen.
"""

from __future__ import annotations

import pytest


from tests.support import stop_process, wait_for
from tests.tables.stack import Store, printed_once
from upstream.errors import now_ms

OUTAGE_MS = 4 * 60_000


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path)
    yield store
    store.close()


def backdate_rounds(store: Store, round_ids: list[str], ms: int) -> None:
    """As if these rounds had been sent `ms` earlier and had waited for the device since then."""
    with store.db.tx():
        for round_id in round_ids:
            store.db.execute("UPDATE table_rounds SET created_ms = created_ms - ?, sent_ms = sent_ms - ?"
                             " WHERE round_id = ?", [ms, ms, round_id])
            store.db.execute("UPDATE commands SET created_ms = created_ms - ? WHERE command_id ="
                             " (SELECT command_id FROM table_rounds WHERE round_id = ?)", [ms, round_id])


def offline_for(store: Store, phone, ms: int) -> dict | None:
    """As if the device had last been seen `ms` ago; the phone's view once it says so. (The
    upstream may still note the stopped core's last long poll for a moment: then again.)"""
    with store.db.tx():
        store.db.execute("UPDATE devices SET last_seen_ms = ?", [now_ms() - ms])
    seen = phone.state()
    return seen if seen["device_online"] is False else None


def test_rounds_wait_for_the_device_and_print_once_in_order_late_ones_marked(store):
    guests, other = store.phone("12"), store.phone("7")
    guests.order([("har_gow", 2)])
    store.wait_all_printed(1, timeout=60)

    stop_process(store.core.process)  # the store's device is off
    late = guests.order([("siu_mai", 1), ("milk_tea", 1)])["rounds"][1]
    backdate_rounds(store, [late["round_id"]], OUTAGE_MS)
    guests.order([("char_siu_bao", 3)])
    other.order([("custard_bun", 1)])
    seen = wait_for(lambda: offline_for(store, guests, OUTAGE_MS), what="the phones see the device offline")
    assert [(r["round"], r["state"], r["waiting_for_device"]) for r in seen["rounds"]] == \
        [(1, "printed", False), (2, "sent", True), (3, "sent", True)]
    assert [r["waiting_for_device"] for r in wait_for(lambda: offline_for(store, other, OUTAGE_MS))["rounds"]] \
        == [True]
    assert len(store.printers.snapshot()) == 1, "nothing prints while the device is off"

    store.core.start()  # back
    rounds = store.wait_all_printed(4, timeout=90)
    tickets = store.printers.snapshot()
    printed_once(rounds, tickets)
    dimsum = [(t.table, t.round_no) for t in tickets if t.station == "dimsum"]
    assert dimsum == [("12", 1), ("12", 2), ("12", 3), ("7", 1)], "the waiting rounds print in the order they came"
    marked = sorted((t.station, t.table, t.round_no) for t in tickets if "迟到 4 分钟" in t.text)
    assert marked == [("bar", "12", 2), ("dimsum", "12", 2)], "only the round that waited over 3 minutes is late"
    assert all("迟到" not in t.text for t in tickets if (t.table, t.round_no) != ("12", 2))
    after = guests.state()
    assert [(r["round"], r["state"], r["late"], r["waiting_for_device"]) for r in after["rounds"]] == \
        [(1, "printed", False, False), (2, "printed", True, False), (3, "printed", False, False)]
    wait_for(lambda: guests.state()["device_online"], what="the phones see the device back")


def test_a_round_that_waited_on_the_device_itself_prints_late_too(sqlite_upstream, make_device):
    """A round whose command reached the device but was not placed then (the core stopped right
    after it arrived, or `edge sync now` took it while the core was off) waited there: when the
    core places it 4 minutes later, the ticket says 迟到 4 分钟."""
    from edge.ledger.db import connect
    from edge.printer_sim.simulator import PrinterSimulator
    from edge.sync.worker import SyncWorker
    from tests.tables.helpers import add, phone, submit

    sim = PrinterSimulator(port=0, name="dimsum").start()
    try:
        device = make_device(sqlite_upstream.url, sqlite_upstream.db, {"dimsum": sim.port}, start_printing=True,
                             role="cashier")
        guest = phone(sqlite_upstream)
        add(guest, "har_gow", 2)
        assert submit(guest).status_code == 201
        taker = SyncWorker(device.config)  # no place_order: it stores the command and leaves it for the core
        db = connect(device.config.db_path)
        try:
            client, _ = taker._client(db, "pull")
            taker.pull_once(db, client)
            with db.atomic():
                stored = db.execute("UPDATE downstream_commands SET received_wall_ms = received_wall_ms - ?"
                                    " WHERE state = 'received' AND type = 'order.place'", [OUTAGE_MS]).rowcount
        finally:
            taker.stop()
            db.close()
        assert stored == 1 and sim.tickets == []
        device.attach().start()  # the core again: it places what waited in its database
        ticket = sim.wait_for_tickets(1, timeout=30)[0]
        assert "第1轮" in ticket.text and "水晶虾饺皇  ×2" in ticket.text
        assert "迟到 4 分钟" in ticket.text, ticket.text
    finally:
        sim.stop()
