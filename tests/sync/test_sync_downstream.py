"""Downstream: menu by ETag, table keys and PIN hashes, phone orders printed exactly once."""

from __future__ import annotations

import time

import pytest
import requests

from edge.ledger.code_keys import table_keyring
from edge.sync import downstream
from tests.sync.faultproxy import FaultProxy
from tests.support import wait_for
from upstream.store_settings import publish_menu, set_staff, store_menu, table_code


def phone_order(up, token="phone-1", lines=None, table="12"):
    body = {"client_token": token, "table_code": table_code(up.db, "s1", table, "order.example.com"),
            "lines": lines or [{"item_id": "har_gow", "qty": 2}]}
    answer = requests.post(f"{up.url}/v1/stores/s1/orders", json=body, timeout=5)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def phone_status(up, order_id):
    return requests.get(f"{up.url}/v1/stores/s1/orders/{order_id}", timeout=5).json()


def kitchen_jobs(device):
    return device.service.db.execute(
        "SELECT count(*) FROM print_jobs p JOIN orders o ON o.id = p.order_id WHERE o.client_token LIKE 'up-%'"
    ).fetchone()[0]


def test_menu_published_upstream_reaches_the_device(sqlite_upstream, make_device):
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    device.attach().start()
    wait_for(lambda: device.worker.status()["menu_etag"], what="first menu pull")
    doc, _ = store_menu(sqlite_upstream.db, "s1")
    doc = {**doc, "version": "demo-2",
           "items": [{**i, "price": 3000} if i["id"] == "har_gow" else i for i in doc["items"]]}
    start = time.monotonic()
    publish_menu(sqlite_upstream.db, "s1", doc)
    wait_for(lambda: device.service.menu.version == "demo-2", what="menu demo-2 on the device")
    assert time.monotonic() - start < 3.0, "a long poll returns when the menu changes"
    assert device.service.menu.items["har_gow"].price == 3000
    assert device.place(1)["total"] == 3000


def test_table_keys_and_pin_hashes_reach_the_device(sqlite_upstream, make_device):
    from edge.codes import classify

    set_staff(sqlite_upstream.db, "s1", "amy", "Amy", "cashier", "4321")
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    device.attach().start()
    db = device.service.db
    wait_for(lambda: db.execute("SELECT count(*) FROM staff_pins").fetchone()[0] == 1, what="staff PINs")
    assert downstream.staff_pin_ok(db, "amy", "4321")
    assert not downstream.staff_pin_ok(db, "amy", "1234")
    assert "4321" not in db.execute("SELECT pin_hash FROM staff_pins").fetchone()[0]
    store, keyring = table_keyring(db)
    url = table_code(sqlite_upstream.db, "s1", "7", "order.example.com")
    scanned = classify(url, keyring, store)
    assert scanned.kind == "table" and scanned.fields["table"] == "7"
    assert classify(url.replace("/7?", "/8?"), keyring, store).kind == "unknown"


def test_staff_synced_down_is_announced_to_the_screens(sqlite_upstream, make_device):
    """A login screen follows `staff.changed`: published once the new staff list is stored, not
    when the settings did not change (ETag) or were refused."""
    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    seen: list[tuple[str, dict]] = []
    bus = device.service.events
    publish = bus.publish
    bus.publish = lambda kind, data: (seen.append((kind, data)), publish(kind, data))  # type: ignore[method-assign]
    device.attach().start()
    wait_for(lambda: ("staff.changed", {"staff": 0}) in seen, what="the first settings pull announced")
    set_staff(sqlite_upstream.db, "s1", "amy", "Amy", "cashier", "4321")
    wait_for(lambda: ("staff.changed", {"staff": 1}) in seen, what="the new staff member announced")
    with device.service.ledger.reading():
        assert device.service.db.execute("SELECT name FROM staff_pins").fetchall() == [("Amy",)]
    assert [k for k, _ in seen].count("staff.changed") == 2


def test_phone_order_printed_once_despite_lost_acks_and_restarts(sqlite_upstream, make_device, printers):
    from edge.core.service import EdgeService

    proxy = FaultProxy(sqlite_upstream.port).start()
    try:
        device = make_device(proxy.url, sqlite_upstream.db, {n: s.port for n, s in printers.items()},
                             start_printing=True, role="cashier")
        proxy.set("drop_response", path="/v1/devices/me/commands/ack", times=2)
        device.attach().start()
        placed = phone_order(sqlite_upstream)
        tickets = printers["dimsum"].wait_for_tickets(1, timeout=10)
        assert "水晶虾饺皇" in tickets[0].text
        wait_for(lambda: len(proxy.requests("/v1/devices/me/commands/ack")) >= 2, what="two lost acks")
        device.worker.stop()
        device.service.close()
        device.service = EdgeService(device.config).open(start_printing=True)  # restart
        device.attach().start()
        wait_for(lambda: phone_status(sqlite_upstream, placed["id"])["status"] == "accepted", timeout=15,
                 what="ack after restart")
        time.sleep(0.5)
        assert kitchen_jobs(device) == 1
        assert len(printers["dimsum"].tickets) == 1, "printed exactly once"
        status = phone_status(sqlite_upstream, placed["id"])
        assert status["ticket_no"] == "A001"
        wait_for(lambda: device.worker.status()["pending"] == 0)
        listed = sqlite_upstream.db.query("SELECT order_id FROM orders")
        assert [r["order_id"] for r in listed] == [status["device_order_id"]]
    finally:
        proxy.stop()


def test_crash_between_placing_and_recording_places_once(make_device):
    device = make_device()
    db = device.service.db
    downstream.store_commands(db, [{"command_id": "c" * 26, "seq": 1, "type": "order.place",
                                    "payload": {"table": "5", "lines": [{"item_id": "har_gow", "qty": 1}]}}])

    def place_then_die(doc):
        device.service.place_order(doc)
        raise KeyboardInterrupt("power cut after the order commit")

    with pytest.raises(KeyboardInterrupt):
        downstream.apply_pending(db, place_then_die)
    assert downstream.apply_pending(db, device.service.place_order) == 1
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    assert kitchen_jobs(device) == 1
    assert downstream.unacked(db)[0]["status"] == "applied"


def test_phone_order_the_device_cannot_take_is_rejected_with_the_reason(sqlite_upstream, make_device):
    from edge.ledger.menu_store import load_menu, set_sold_out

    device = make_device(sqlite_upstream.url, sqlite_upstream.db)
    set_sold_out(device.service.db, "har_gow", True)
    device.service.menu = load_menu(device.service.db)
    device.attach().start()
    wait_for(lambda: device.worker.status()["menu_etag"], what="menu pull")
    set_sold_out(device.service.db, "har_gow", True)  # the pull re-imported the menu
    device.service.menu = load_menu(device.service.db)
    placed = phone_order(sqlite_upstream)
    wait_for(lambda: phone_status(sqlite_upstream, placed["id"])["status"] == "rejected", what="rejection")
    assert "sold out" in phone_status(sqlite_upstream, placed["id"])["reason"]
    assert kitchen_jobs(device) == 0


def test_malformed_commands_never_stop_the_worker(make_device):
    device = make_device()
    db = device.service.db
    good = {"command_id": "d" * 26, "seq": 3, "type": "order.place",
            "payload": {"lines": [{"item_id": "har_gow", "qty": 1}]}}
    garbage = [None, 7, {"command_id": 5}, {"command_id": "e" * 26, "seq": "x", "type": "order.place", "payload": {}},
               {"command_id": "f" * 26, "seq": 2, "type": "reboot.now", "payload": {}},
               {"command_id": "g" * 26, "seq": 4, "type": "order.place", "payload": {"lines": "lots"}}, good, good]
    downstream.store_commands(db, garbage)
    downstream.store_commands(db, "not a list")
    assert downstream.apply_pending(db, device.service.place_order) == 2
    acks = {a["command_id"]: a for a in downstream.unacked(db)}
    assert acks["e" * 26]["status"] == "rejected" and acks["e" * 26]["result"]["code"] == "bad_command"
    assert acks["f" * 26]["result"]["code"] == "unknown_command"
    assert acks["g" * 26]["status"] == "rejected"
    assert acks["d" * 26]["status"] == "applied"
    alarms = db.execute("SELECT count(*) FROM sync_alarms WHERE kind = 'bad_command'").fetchone()[0]
    assert alarms == 4  # three commands without an id, one payload that is not a list
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1


def test_malformed_settings_are_refused_whole(make_device):
    device = make_device()
    db = device.service.db
    with pytest.raises(downstream.BadCommand):
        downstream.store_settings(db, {"table_keys": [], "staff": [{"staff_id": "a", "name": "A", "role": "cashier",
                                                                    "pin_hash": "1234"}]}, "e1")
    assert db.execute("SELECT count(*) FROM staff_pins").fetchone()[0] == 0
