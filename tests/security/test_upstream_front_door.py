"""The upstream's front door, attacked over real HTTP on 127.0.0.1 (issue 12, items 6, 10, 12):

- bad input (deep nesting, 5,000-digit and non-finite numbers, lone surrogates, a non-ASCII
  digit as the signed time, a malformed query) is a 4xx in the one error format, never a 5xx;
- a device of one store cannot change another store's (or another device's) orders or payments:
  the event is kept but not applied, answered `rejected` / `foreign_row`, and alarmed;
- a device whose clock is in the future cannot make 估清 permanent, and a device whose clock is
  off is flagged (devices list, alarm, ingest answer).

Items 10 and 12 run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from click.testing import CliRunner

from edge.orders import new_id
from tests.sync.fixtures import (STORE, batch, make_event, order_payload, pg_cluster, raw_device,  # noqa: F401
                                 signed, sqlite_upstream, sqlite_upstream_db, upstream, upstream_db)
from upstream.cli import cli
from upstream.enroll import add_store
from upstream.store_settings import table_code

DAY_MS = 24 * 3600 * 1000
YEAR_2100_MS = 4_102_444_800_000


def assert_api_error(answer: requests.Response, status: int | tuple = (400, 422)) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert answer.status_code in statuses, (answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert set(error) >= {"code", "message", "field"} and error["code"] != "internal", error
    return error


def cli_json(db, *args) -> dict:
    result = CliRunner().invoke(cli, [*args, "--database", db.url, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def ingest(client, *events) -> requests.Response:
    return signed(client, "POST", "/v1/ingest", batch(*events))


# -- item 6: bad input is a 4xx, never a 5xx ------------------------------------------------------

DEEP = b"[" * 20_000 + b"]" * 20_000  # 40 KB: inside every body limit
HUGE = b'{"token": ' + b"9" * 5000 + b"}"
BAD_BODIES = {"deep": DEEP, "deep_object": b'{"a":' * 8_000 + b"1" + b"}" * 8_000, "huge_int": HUGE,
              "inf": b'{"qty": 1e999}', "nan": b'{"qty": NaN}', "surrogate": b'{"notes": ["\\ud800"]}'}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_json_is_a_4xx_on_every_public_and_signed_route(sqlite_upstream, name):
    body = BAD_BODIES[name]
    client = raw_device(sqlite_upstream)
    url = sqlite_upstream.url
    for answer in (requests.post(url + "/v1/enroll", data=body, headers={"Content-Type": "application/json"},
                                 timeout=10),
                   requests.post(url + f"/v1/stores/{STORE}/orders", data=body, timeout=10),
                   signed(client, "POST", "/v1/ingest", body),
                   signed(client, "POST", "/v1/devices/me/commands/ack", body),
                   signed(client, "POST", "/v1/vouchers/redeem", body)):
        assert_api_error(answer, 400)


def test_numbers_no_column_can_hold_are_refused_before_any_projection(sqlite_upstream):
    """A 4,000-digit integer is valid JSON (below Python's 4,300-digit limit) and a correctly hashed
    payload: it used to reach the database and fail there (500)."""
    client = raw_device(sqlite_upstream)
    ingest(client, make_event(1))
    for n, (kind, payload) in enumerate([
            ("cashier.void", {"order_id": new_id(), "amount": 10**4000}),
            ("cashier.refund", {"order_id": new_id(), "amount": 2**64}),
            ("voucher.redeemed", {"redemption_id": new_id(), "voucher_id": "V1", "value": 2**70}),
            ("cashier.refund", {"order_id": new_id(), "amount": 2**63 - 1})], 2):
        answer = ingest(client, make_event(n, payload, kind=kind))
        assert_api_error(answer, (400, 422))
    assert sqlite_upstream.db.scalar("SELECT count(*) FROM cashier_events") == 0


def test_lone_surrogates_in_a_phone_order_are_a_4xx(sqlite_upstream):
    code = table_code(sqlite_upstream.db, STORE, "12", "order.example.com")
    body = ('{"table_code": "' + code + '", "client_token": "tok-1234", "notes": ["\\ud800"],'
            ' "lines": [{"item_id": "har_gow", "qty": 1}]}').encode()
    assert_api_error(requests.post(sqlite_upstream.url + f"/v1/stores/{STORE}/orders", data=body, timeout=10), 400)


def test_a_signed_time_that_is_not_ascii_digits_is_a_401(sqlite_upstream):
    client = raw_device(sqlite_upstream)
    answer = requests.post(sqlite_upstream.url + "/v1/ingest", data=b"{}", timeout=10, headers={
        "X-Matou-Device": client.device_id, "X-Matou-Time": "\u00b2",  # latin-1 byte 0xb2: str.isdigit() says yes
        "X-Matou-Signature": "AAAA"})
    assert_api_error(answer, 401)


def test_a_malformed_query_is_a_422_in_the_error_format(sqlite_upstream):
    client = raw_device(sqlite_upstream)
    error = assert_api_error(signed(client, "GET", "/v1/devices/me/commands?wait=abc"), 422)
    assert error["field"] == "wait"


# -- item 10: a device changes only its own store's, its own rows --------------------------------

def payment_event(seq: int, state: str, attempt_id: str, order_id: str, amount: int) -> dict:
    return make_event(seq, {"attempt_id": attempt_id, "order_id": order_id, "amount": amount, "channel": "alipay"},
                      kind=f"payment.{state}")


def alarms(db, kind: str) -> list[dict]:
    return [a for a in cli_json(db, "alarms")["alarms"] if a["kind"] == kind]


def test_a_device_of_another_store_cannot_touch_a_stores_payments_or_orders(upstream):
    db = upstream.db
    add_store(db, "s2", "对面")
    victim = raw_device(upstream)  # store s1
    attacker = raw_device(upstream, store="s2")
    order = order_payload(total=4200)
    attempt = new_id()
    assert ingest(victim, make_event(1, order), payment_event(2, "succeeded", attempt, order["order_id"],
                                                              4200)).status_code == 200

    forged = [payment_event(50, "refunded", attempt, order["order_id"], 0),
              make_event(51, {"order_id": order["order_id"]}, kind="order.voided"),
              make_event(52, {"order_id": order["order_id"], "amount": 4200, "full": True}, kind="cashier.void"),
              make_event(53, {"order_id": order["order_id"], "amount": 4200}, kind="cashier.refund"),
              make_event(54, {"order_id": order["order_id"]}, kind="pickup.collected"),
              make_event(55, order_payload(total=1, order_id=order["order_id"])),
              payment_event(56, "succeeded", new_id(), order["order_id"], 1)]
    answer = ingest(attacker, *forged, make_event(57))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(forged) + ["stored"]
    assert {r["code"] for r in results[:-1]} == {"foreign_row"}

    payment = db.one("SELECT * FROM payments WHERE attempt_id = ?", [attempt])
    assert (payment["state"], payment["amount"], payment["store_id"], payment["device_id"]) == \
        ("succeeded", 4200, STORE, victim.device_id)
    row = db.one("SELECT * FROM orders WHERE order_id = ?", [order["order_id"]])
    assert (row["status"], row["total"], row["voided"], row["refunded"], row["collected_ms"], row["store_id"]) == \
        ("placed", 4200, 0, 0, None, STORE)
    assert db.scalar("SELECT count(*) FROM payments WHERE store_id = 's2'") == 0
    raised = alarms(db, "foreign_row")
    assert len(raised) == len(forged) and all(a["device_id"] == attacker.device_id for a in raised)

    # sent again (the device retrying): the same answer, never `duplicate`, nothing applied
    again = ingest(attacker, forged[0]).json()["results"][0]
    assert (again["status"], again["code"]) == ("rejected", "foreign_row")
    assert db.scalar("SELECT state FROM payments WHERE attempt_id = ?", [attempt]) == "succeeded"

    # the victim's own later events still apply
    assert ingest(victim, payment_event(3, "refunded", attempt, order["order_id"], 4200)).json()[
        "results"][0]["status"] == "stored"
    assert db.scalar("SELECT state FROM payments WHERE attempt_id = ?", [attempt]) == "refunded"


def test_another_device_of_the_same_store_cannot_overwrite_a_payment(upstream):
    db = upstream.db
    owner, other = raw_device(upstream), raw_device(upstream)
    attempt, order_id = new_id(), new_id()
    ingest(owner, payment_event(1, "succeeded", attempt, order_id, 900))
    result = ingest(other, payment_event(99, "refunded", attempt, order_id, 0)).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "foreign_row")
    assert db.one("SELECT state, amount, device_id FROM payments WHERE attempt_id = ?", [attempt]) == \
        {"state": "succeeded", "amount": 900, "device_id": owner.device_id}
    assert len(alarms(db, "foreign_row")) == 1


def test_replaying_another_devices_event_is_not_a_duplicate(upstream):
    db = upstream.db
    add_store(db, "s2", "对面")
    victim, attacker = raw_device(upstream), raw_device(upstream, store="s2")
    event = make_event(1)
    ingest(victim, event)
    result = ingest(attacker, event).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "foreign_row")
    assert db.scalar("SELECT device_id FROM events WHERE event_id = ?", [event["event_id"]]) == victim.device_id


# -- item 12: a clock in the future cannot make 估清 permanent; a clock that is off is flagged -------

def sold_out_event(seq: int, sold_out: bool, wall_ms: int | None = None) -> dict:
    return make_event(seq, {"item_id": "har_gow", "name_zh": "水晶虾饺皇", "sold_out": sold_out, "staff_id": "s"},
                      kind="menu.sold_out", wall_ms=wall_ms)


def har_gow_sold_out(client) -> bool:
    menu = signed(client, "GET", "/v1/devices/me/menu").json()["menu"]
    return next(i for i in menu["items"] if i["id"] == "har_gow").get("sold_out", False)


def test_a_device_clock_in_2100_cannot_make_sold_out_permanent(upstream):
    db = upstream.db
    future, honest = raw_device(upstream), raw_device(upstream)
    answer = ingest(future, sold_out_event(1, True, wall_ms=YEAR_2100_MS))
    assert answer.json()["results"][0]["status"] == "stored"
    assert har_gow_sold_out(honest)
    time.sleep(0.01)
    assert ingest(honest, sold_out_event(1, False)).json()["results"][0]["status"] == "stored"
    assert not har_gow_sold_out(honest), "back in stock from a device with a right clock was ignored"
    # and the 2100 device itself can change it again (its times count no later than their arrival)
    time.sleep(0.01)
    ingest(future, sold_out_event(2, True, wall_ms=YEAR_2100_MS + 1))
    assert har_gow_sold_out(honest)
    time.sleep(0.01)
    ingest(honest, sold_out_event(2, False))
    assert not har_gow_sold_out(honest)
    # phone orders of the dish are taken again
    code = table_code(db, STORE, "12", "order.example.com")
    placed = requests.post(upstream.url + f"/v1/stores/{STORE}/orders", timeout=10, json={
        "table_code": code, "client_token": "tok-12345", "lines": [{"item_id": "har_gow", "qty": 1}]})
    assert placed.status_code == 201, placed.text


def test_a_device_whose_clock_is_off_is_flagged(upstream):
    db = upstream.db
    ahead, honest, behind = raw_device(upstream), raw_device(upstream), raw_device(upstream)
    now = time.time_ns() // 1_000_000
    answer = ingest(ahead, sold_out_event(1, True, wall_ms=now + 2 * 3600 * 1000)).json()
    assert answer["device"]["clock_skew_ms"] > 2 * 3600 * 1000 - 60_000
    assert abs(ingest(honest, make_event(1)).json()["device"]["clock_skew_ms"]) < 60_000
    # a device whose own clock is an hour behind: its first request is refused (clock_skew) and measured
    refused = signed(behind, "GET", "/v1/devices/me", time_ms=now - 3600 * 1000)
    assert refused.json()["error"]["code"] == "clock_skew"

    devices = {d["device_id"]: d for d in cli_json(db, "devices", "list")["devices"]}
    assert devices[ahead.device_id]["clock_off"] is True
    assert devices[behind.device_id]["clock_off"] is True
    assert -3600 * 1000 - 60_000 < devices[behind.device_id]["clock_skew_ms"] < -3600 * 1000 + 60_000
    assert devices[honest.device_id]["clock_off"] is False
    flagged = {a["device_id"] for a in alarms(db, "clock_off")}
    assert flagged == {ahead.device_id, behind.device_id}
    # flagged once, not on every batch
    ingest(ahead, make_event(2, wall_ms=now + 2 * 3600 * 1000))
    assert len(alarms(db, "clock_off")) == 2
    # the clock fixed: the flag clears with the next batch
    ingest(ahead, make_event(3))
    devices = {d["device_id"]: d for d in cli_json(db, "devices", "list")["devices"]}
    assert devices[ahead.device_id]["clock_off"] is False

