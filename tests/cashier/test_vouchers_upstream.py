"""Vouchers against a real upstream on SQLite and PostgreSQL: redeemed exactly once online, under
concurrent scans and replays; wrong store, forged and expired codes refused; offline redemption
of signed codes queued as an event, and a double redemption across devices found at sync and
shown on the device. Also 估清 reaching upstream, the other devices and phone ordering."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from edge.cashier.upstream_link import Offline
from edge.ledger.staff import Staff
from tests.cashier.helpers import STORE, seed, voucher
from tests.sync.fixtures import STORE as SYNC_STORE
from upstream.enroll import add_store
from upstream.vouchers import issue_voucher

CASHIER = Staff("c1", "王收银", "cashier")
assert STORE == SYNC_STORE


def device(make_device, upstream, name: str):
    dev = make_device(upstream.url, upstream.db, name=name, role="cashier")
    seed(dev.service, code_key=False)
    assert dev.service.cashier.refresh_code_keys()
    dev.attach()
    return dev


def device_id(dev) -> str:
    from edge.sync.state import load_enrollment

    with dev.service.ledger.reading():
        return load_enrollment(dev.service.db).device_id


def redeem(dev, code: str) -> dict:
    return dev.service.cashier.redeem_voucher(CASHIER, code=code)


def test_online_redemption_is_exactly_once_across_devices_and_replays(make_device, upstream):
    a, b = device(make_device, upstream, "a"), device(make_device, upstream, "b")
    code = issue_voucher(upstream.db, STORE, 2500, int(time.time()) + 3600, "SPRING25")
    check = a.service.cashier.verify_voucher(code=code)
    assert (check["status"], check["online"], check["voucher"]["value"]) == ("valid", True, 2500)
    first = redeem(a, code)
    assert (first["status"], first["online"]) == ("redeemed", True)
    again = redeem(a, code)  # scanned again on the same device
    assert again["status"] == "already_used" and again["redemption"]["device"] == "this device"
    other = redeem(b, code)  # the same code on another device of the store
    assert (other["status"], other["online"]) == ("already_used", True)
    assert other["redemption"]["device_id"] == device_id(a)
    assert b.service.cashier.verify_voucher(code=code)["status"] == "already_used"
    rows = upstream.db.query("SELECT redemption_id, device_id, mode FROM voucher_redemptions")
    assert len(rows) == 1 and rows[0]["redemption_id"] == first["redemption"]["redemption_id"]
    # a replayed request (same redemption id, e.g. the answer was lost) is the same redemption
    replay = a.service.cashier.link.redeem(code, first["redemption"]["redemption_id"], "c1", None)
    assert replay["status"] == "redeemed"
    # the event reaches upstream once, however often it is sent
    assert a.worker.run_once()["ok"]
    with a.service.ledger.reading():
        a.service.db.execute("UPDATE outbox SET synced_at = NULL")
    assert a.worker.run_once()["ok"]
    assert upstream.db.scalar("SELECT count(*) AS n FROM cashier_events WHERE type = 'voucher.redeemed'") == 1
    assert upstream.db.scalar("SELECT count(*) AS n FROM voucher_conflicts") == 0


def test_concurrent_scans_redeem_once(make_device, upstream):
    a, b = device(make_device, upstream, "a"), device(make_device, upstream, "b")
    code = issue_voucher(upstream.db, STORE, 1000, int(time.time()) + 3600)
    results, start = [], threading.Barrier(8)

    def worker(dev):
        start.wait()
        results.append(redeem(dev, code)["status"])

    threads = [threading.Thread(target=worker, args=(dev,)) for dev in (a, b) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["already_used"] * 7 + ["redeemed"]
    assert upstream.db.scalar("SELECT count(*) AS n FROM voucher_redemptions") == 1


def test_wrong_store_forged_and_expired_codes(make_device, upstream):
    a = device(make_device, upstream, "a")
    add_store(upstream.db, "s2", "别家")
    other_store = issue_voucher(upstream.db, "s2", 1000, int(time.time()) + 3600)
    good = issue_voucher(upstream.db, STORE, 1000, int(time.time()) + 3600)
    forged = good.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAA"
    made_up = voucher("FREE", 99999)  # signed with a key this store does not have
    expired = issue_voucher(upstream.db, STORE, 1000, int(time.time()) - 10)
    for code, status in ((other_store, "wrong_store"), (forged, "forged"), (made_up, "unknown_key"),
                         (expired, "expired"), ("hello", "malformed")):
        assert a.service.cashier.verify_voucher(code=code)["status"] == status, code
        assert redeem(a, code)["status"] == status
    # upstream checks again by itself: a device cannot talk it into a bad code
    for code, status in ((other_store, 422), (forged, 422), (expired, 410)):
        with pytest.raises(Exception) as refused:
            a.service.cashier.link.redeem(code, "a" * 26, "c1", None)
        assert refused.value.status == status
    assert upstream.db.scalar("SELECT count(*) AS n FROM voucher_redemptions") == 0


def test_offline_redemption_is_queued_and_a_double_redemption_shows_at_sync(make_device, upstream):
    a, b = device(make_device, upstream, "a"), device(make_device, upstream, "b")
    code = issue_voucher(upstream.db, STORE, 3000, int(time.time()) + 3600)
    seen = []
    a.service.events.publish = lambda kind, data: seen.append((kind, data))

    def unreachable(*args, **kwargs):
        raise Offline("upstream unreachable")

    a.service.cashier.link.redeem = unreachable  # device a lost its uplink
    offline = redeem(a, code)
    assert (offline["status"], offline["online"], offline["redemption"]["state"]) == ("redeemed", False, "queued")
    assert redeem(b, code)["status"] == "redeemed"  # b is online: upstream did not know of a's
    assert a.service.cashier.reconcile() == []  # a's event has not arrived yet: nothing to say
    assert a.worker.run_once()["ok"]  # a syncs: its redemption arrives second
    conflicts = a.service.cashier.reconcile()
    assert len(conflicts) == 1 and conflicts[0]["first"]["device_id"] == device_id(b)
    assert ("voucher.conflict", conflicts[0]) in seen
    with a.service.ledger.reading():
        state = a.service.db.execute("SELECT state FROM voucher_redemptions").fetchone()[0]
    assert state == "conflict"
    assert upstream.db.scalar("SELECT count(*) AS n FROM alarms WHERE kind = 'voucher_double'") == 1
    # the other way round: an offline redemption that arrives first holds the voucher
    code2 = issue_voucher(upstream.db, STORE, 500, int(time.time()) + 3600)
    assert redeem(a, code2)["online"] is False
    assert a.worker.run_once()["ok"]
    assert redeem(b, code2)["status"] == "already_used"
    assert a.service.cashier.reconcile() == []
    with a.service.ledger.reading():
        states = sorted(r[0] for r in a.service.db.execute("SELECT state FROM voucher_redemptions"))
    assert states == ["confirmed", "conflict"]


def test_sold_out_reaches_upstream_other_devices_and_phone_orders(make_device, upstream):
    from upstream.store_settings import table_code

    a, b = device(make_device, upstream, "a"), device(make_device, upstream, "b")
    assert b.worker.run_once()["ok"]
    a.service.cashier.sold_out(CASHIER, "har_gow", True)
    assert a.worker.run_once()["ok"]
    assert b.worker.run_once()["ok"]  # b pulls the store's menu, changed by a's event
    assert b.service.menu.items["har_gow"].sold_out
    code = table_code(upstream.db, STORE, "5", "order.example.com")
    answer = requests.post(f"{upstream.url}/v1/stores/{STORE}/orders", timeout=10,
                           json={"client_token": "p1", "table_code": code, "lines": [{"item_id": "har_gow"}]})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "sold_out"
    # a menu from upstream that is older than a local change does not undo it
    a.service.cashier.sold_out(CASHIER, "har_gow", False)
    a.service.import_menu(b.service.menu)  # still sold out there
    assert not a.service.menu.items["har_gow"].sold_out
    assert a.worker.run_once()["ok"] and b.worker.run_once()["ok"]
    assert not b.service.menu.items["har_gow"].sold_out
