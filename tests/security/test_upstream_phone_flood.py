"""A kitchen flooded through one photographed table code (issue 12, item 11), replayed over real
HTTP on 127.0.0.1 against the upstream on SQLite and on PostgreSQL: caps per dish, items and
amount (422), open phone orders per table (409), rate buckets per table and per client (429 with
Retry-After, on an injected clock), X-Forwarded-For believed only from a trusted proxy, the
limits holding across two servers on one database, and the refusals the merchant sees."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from edge.demo.setup import MENU_FILE
from tests.sync.fixtures import (batch, make_event, order_payload, pg_cluster, raw_device, signed,  # noqa: F401
                                 upstream_db)
from upstream.enroll import add_store
from upstream.phone_guard import refusals
from upstream.server import BackgroundUpstream
from upstream.store_settings import publish_menu_file, set_phone_limits, table_code

HOST = "order.example.com"


class Clock:
    """Milliseconds that move only when the test says so."""

    def __init__(self):
        self.ms = time.time_ns() // 1_000_000

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture
def clock():
    return Clock()


def store(db) -> None:
    add_store(db, "s1", "测试茶楼")
    publish_menu_file(db, "s1", str(MENU_FILE))


@pytest.fixture
def flood(upstream_db, clock):
    """The upstream (demo menu, store s1) on an injected clock, and its printing device."""
    store(upstream_db)
    server = BackgroundUpstream(upstream_db, clock=clock).start()
    server.device = raw_device(server, role="cashier")
    yield server
    server.stop()


def post(server, body: dict, headers: dict | None = None):
    return requests.post(f"{server.url}/v1/stores/s1/orders", json=body, headers=headers, timeout=30)


def body(server, n: int, table: str = "12", lines: list | None = None) -> dict:
    return {"client_token": f"flood-{table}-{n}", "table_code": table_code(server.db, "s1", table, HOST),
            "lines": lines or [{"item_id": "har_gow", "qty": 2}]}


def burst(server, bodies: list[dict]) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda b: post(server, b), bodies))


def kitchen(server) -> list[dict]:
    """The commands the store's printing device gets (what it would print)."""
    answer = signed(server.device, "GET", "/v1/devices/me/commands")
    assert answer.status_code == 200, answer.text
    return answer.json()["commands"]


def statuses(answers) -> list[int]:
    return sorted(a.status_code for a in answers)


def test_the_photographed_code_replayed_50_times_with_99_of_a_dish(flood):
    """The attack as found: 50 orders of 99 two-roast rice (¥4,158 each) in a burst, one table code."""
    answers = burst(flood, [body(flood, n, lines=[{"item_id": "two_roast_rice", "qty": 99}]) for n in range(50)])
    assert all(a.status_code == 422 for a in answers), statuses(answers)
    error = answers[0].json()["error"]
    assert error["code"] == "too_many_of_dish" and error["field"] == "lines[0].qty"
    assert "at most 20" in error["message"] and "lines[0].qty" in error["message"]
    assert kitchen(flood) == []
    assert flood.db.scalar("SELECT count(*) FROM phone_orders") == 0
    assert [(r["table_no"], r["reason"], r["refused"]) for r in refusals(flood.db, "s1")] == [("12", "too_large", 50)]


def test_a_burst_of_sane_orders_from_one_table_reaches_the_kitchen_at_most_3_times(flood):
    answers = burst(flood, [body(flood, n) for n in range(50)])
    codes = statuses(answers)
    assert max(codes) < 500, codes
    assert codes.count(201) == 3, codes
    refused = [a for a in answers if a.status_code != 201]
    assert {a.json()["error"]["code"] for a in refused} <= {"too_many_open_orders", "rate_limited"}
    assert any(a.json()["error"]["code"] == "too_many_open_orders" for a in refused)
    for a in refused:
        if a.status_code == 429:
            assert int(a.headers["Retry-After"]) >= 1
        else:
            assert a.status_code == 409 and a.json()["error"]["field"] == "table_code"
            assert "3 phone orders not paid" in a.json()["error"]["message"]
    assert len(kitchen(flood)) == 3
    assert flood.db.scalar("SELECT count(*) FROM phone_orders") == 3
    counted = sum(r["refused"] for r in refusals(flood.db, "s1") if r["table_no"] == "12")
    assert counted == 47
    taken = next(a.json() for a in answers if a.status_code == 201)
    n = int(taken["client_token"].rsplit("-", 1)[1])
    again = post(flood, body(flood, n))  # a retry of an accepted order is still answered, not limited
    assert again.status_code == 200 and again.json()["id"] == taken["id"]


def test_an_open_order_stops_counting_once_rejected_or_paid(flood, clock):
    placed = [post(flood, body(flood, n)) for n in range(3)]
    assert [a.status_code for a in placed] == [201, 201, 201]
    assert post(flood, body(flood, 3)).status_code == 409
    commands = kitchen(flood)
    device_order = order_payload(order_id="d" * 26)
    acks = {"acks": [{"command_id": commands[0]["command_id"], "status": "rejected",
                      "result": {"code": "sold_out", "message": "sold out"}},
                     {"command_id": commands[1]["command_id"], "status": "applied",
                      "result": {"order_id": device_order["order_id"], "ticket_no": "A001"}}]}
    assert signed(flood.device, "POST", "/v1/devices/me/commands/ack", json.dumps(acks).encode()).status_code == 200
    clock.advance(60)
    assert post(flood, body(flood, 4)).status_code == 201  # the rejected one left
    assert post(flood, body(flood, 5)).status_code == 409
    paid = {"order_id": device_order["order_id"], "ticket_no": "A001", "payment": "cash", "amount": 5600}
    events = batch(make_event(1, device_order), make_event(2, paid, kind="order.paid"))
    assert signed(flood.device, "POST", "/v1/ingest", events).status_code == 200
    assert post(flood, body(flood, 6)).status_code == 201  # the paid one left too
    assert post(flood, body(flood, 7)).status_code == 409


def test_rate_per_table_refills_on_the_clock(flood, clock):
    set_phone_limits(flood.db, "s1", {"max_open_per_table": 1000})
    answers = [post(flood, body(flood, n)) for n in range(8)]
    assert [a.status_code for a in answers] == [201] * 5 + [429] * 3
    limited = answers[5]
    assert limited.headers["Retry-After"] == "12" and limited.json()["error"]["retry_after"] == 12
    assert limited.json()["error"]["code"] == "rate_limited" and limited.json()["error"]["field"] == "table_code"
    clock.advance(11)
    assert post(flood, body(flood, 8)).status_code == 429
    clock.advance(1)
    assert post(flood, body(flood, 9)).status_code == 201
    assert post(flood, body(flood, 10)).status_code == 429
    assert post(flood, body(flood, 11, table="7")).status_code == 201  # another table has its own bucket
    clock.advance(60)
    assert [post(flood, body(flood, 20 + n)).status_code for n in range(6)] == [201] * 5 + [429]
    assert len(kitchen(flood)) == 12


def test_rate_per_client_across_tables_and_a_forged_forwarded_for(flood, clock):
    codes = [post(flood, body(flood, 0, table=f"T{n}")).status_code for n in range(20)]
    assert codes == [201] * 20
    forged = post(flood, body(flood, 0, table="T20"), headers={"X-Forwarded-For": "198.51.100.9"})
    assert forged.status_code == 429 and forged.json()["error"]["field"] is None
    assert "from this address" in forged.json()["error"]["message"] and int(forged.headers["Retry-After"]) >= 1
    assert len(kitchen(flood)) == 20
    assert any(r["reason"] == "rate_client" for r in refusals(flood.db, "s1"))
    clock.advance(3)  # 20 a minute: one token back
    assert post(flood, body(flood, 0, table="T21")).status_code == 201


def test_forwarded_for_from_a_trusted_proxy(upstream_db, clock):
    store(upstream_db)
    server = BackgroundUpstream(upstream_db, clock=clock, trusted_proxies=["127.0.0.1"]).start()
    try:
        raw_device(server, role="cashier")
        set_phone_limits(upstream_db, "s1", {"client_per_minute": 2})
        alice = {"X-Forwarded-For": "203.0.113.7"}
        assert post(server, body(server, 0, table="1"), alice).status_code == 201
        assert post(server, body(server, 0, table="2"), alice).status_code == 201
        assert post(server, body(server, 0, table="3"), alice).status_code == 429
        # what the client wrote left of the proxy's entry is not believed
        spoof = {"X-Forwarded-For": "192.0.2.1, 203.0.113.7"}
        assert post(server, body(server, 0, table="4"), spoof).status_code == 429
        bob = {"X-Forwarded-For": "203.0.113.8"}
        assert post(server, body(server, 0, table="5"), bob).status_code == 201
    finally:
        server.stop()


def test_the_limits_hold_across_two_servers_on_one_database(upstream_db, clock):
    """Two servers with their own connections (as two processes would be) share the buckets and
    the open-order count: they live in the database."""
    from upstream.schema import open_database

    store(upstream_db)
    first = BackgroundUpstream(upstream_db, clock=clock).start()
    other_db = open_database(upstream_db.url)
    second = BackgroundUpstream(other_db, clock=clock).start()
    try:
        first.device = raw_device(first, role="cashier")
        bodies = [body(first, n) for n in range(40)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda nb: post(first if nb[0] % 2 else second, nb[1]), enumerate(bodies)))
        codes = statuses(answers)
        assert max(codes) < 500 and codes.count(201) == 3, codes
        assert len(kitchen(first)) == 3
        set_phone_limits(upstream_db, "s1", {"max_open_per_table": 1000})
        clock.advance(60)
        more = [post(first if n % 2 else second, body(first, 100 + n)).status_code for n in range(8)]
        assert more == [201] * 5 + [429] * 3  # one bucket of 5 a minute, whichever server is asked
    finally:
        second.stop()
        other_db.close()
        first.stop()


def test_caps_on_items_and_amount_name_their_field(flood):
    lines = [{"item_id": i, "qty": 20} for i in ("har_gow", "siu_mai")] + [{"item_id": "char_siu_bao", "qty": 11}]
    too_many = post(flood, body(flood, 0, lines=lines))
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "too_many_items"
    assert too_many.json()["error"]["field"] == "lines" and "at most 50 items" in too_many.json()["error"]["message"]
    split = post(flood, body(flood, 1, lines=[{"item_id": "har_gow", "qty": 15}, {"item_id": "har_gow", "qty": 15}]))
    assert split.status_code == 422 and split.json()["error"]["field"] == "lines[1].qty"
    set_phone_limits(flood.db, "s1", {"max_amount": 50_000})
    dear = post(flood, body(flood, 2, lines=[{"item_id": "two_roast_rice", "qty": 13}]))
    assert dear.status_code == 422 and dear.json()["error"]["code"] == "amount_too_high"
    assert dear.json()["error"]["field"] == "total" and "¥500.00" in dear.json()["error"]["message"]
    assert post(flood, body(flood, 3, lines=[{"item_id": "two_roast_rice", "qty": 11}])).status_code == 201
    assert len(kitchen(flood)) == 1
