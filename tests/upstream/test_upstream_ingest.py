"""POST /v1/ingest on SQLite and PostgreSQL: exactly once, conflicts, projections, limits."""

from __future__ import annotations

import json

import pytest

from tests.sync.fixtures import batch, make_event, order_payload, raw_device, signed


def ingest(client, *events):
    return signed(client, "POST", "/v1/ingest", batch(*events))


def counts(db):
    return (db.scalar("SELECT count(*) FROM events"), db.scalar("SELECT count(*) FROM orders"))


def test_stored_then_duplicate_and_projection(upstream):
    client = raw_device(upstream)
    events = [make_event(n) for n in range(1, 4)]
    first = ingest(client, *events)
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["stored"] * 3
    assert first.json()["device"]["max_seq"] == 3
    again = ingest(client, *events)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * 3
    assert counts(upstream.db) == (3, 3)
    order = upstream.db.one("SELECT * FROM orders WHERE order_id = ?", [events[0]["payload"]["order_id"]])
    assert order["total"] == 2800 and order["status"] == "placed" and order["device_id"] == client.device_id
    assert json.loads(order["lines"])["lines"][0]["item_id"] == "har_gow"


def test_conflict_is_refused_alarmed_and_never_overwrites(upstream):
    client = raw_device(upstream)
    original = make_event(1)
    ingest(client, original)
    changed = make_event(1, order_payload(total=1), event_id=original["event_id"])
    answer = ingest(client, changed, make_event(2))
    results = answer.json()["results"]
    assert answer.status_code == 200
    assert results[0]["status"] == "rejected" and results[0]["code"] == "conflict"
    assert results[1]["status"] == "stored"
    stored = upstream.db.one("SELECT payload_sha256 FROM events WHERE event_id = ?", [original["event_id"]])
    assert stored["payload_sha256"] == original["payload_sha256"]
    assert upstream.db.scalar("SELECT total FROM orders WHERE order_id = ?",
                              [original["payload"]["order_id"]]) == 2800
    assert upstream.db.scalar("SELECT count(*) FROM alarms WHERE kind = 'conflict'") == 1


def test_duplicate_inside_one_batch(upstream):
    client = raw_device(upstream)
    event = make_event(1)
    answer = ingest(client, event, event)
    assert [r["status"] for r in answer.json()["results"]] == ["stored", "duplicate"]
    assert counts(upstream.db) == (1, 1)


def test_late_events_are_accepted_and_flagged(upstream):
    client = raw_device(upstream)
    old = make_event(1, wall_ms=1_000_000_000_000)  # 2001
    answer = ingest(client, old, make_event(2))
    assert [r["late"] for r in answer.json()["results"]] == [True, False]
    assert upstream.db.scalar("SELECT late FROM events WHERE event_id = ?", [old["event_id"]]) == 1
    assert upstream.db.scalar("SELECT late FROM orders WHERE order_id = ?", [old["payload"]["order_id"]]) == 1


def test_sequence_gap_and_regression_alarm_but_never_block(upstream):
    client = raw_device(upstream)
    assert ingest(client, make_event(1), make_event(2)).status_code == 200
    assert [r["status"] for r in ingest(client, make_event(5)).json()["results"]] == ["stored"]
    # a database restored from an old backup numbers new events from 3 again
    restored = ingest(client, make_event(3), make_event(4))
    assert [r["status"] for r in restored.json()["results"]] == ["stored", "stored"]
    kinds = [r["kind"] for r in upstream.db.query("SELECT kind FROM alarms ORDER BY id")]
    assert kinds == ["seq_gap", "seq_regression"]
    assert upstream.db.scalar("SELECT count(*) FROM events") == 5


def test_payment_and_void_projections_follow_device_seq(upstream):
    from edge.orders import new_id

    client = raw_device(upstream)
    placed = make_event(1)
    order_id = placed["payload"]["order_id"]
    attempt = new_id()
    pay = {"attempt_id": attempt, "order_id": order_id, "amount": 2800, "channel": "alipay"}
    answer = ingest(client, placed, make_event(3, pay, "payment.refunded"), make_event(2, pay, "payment.succeeded"),
                    make_event(4, {"order_id": order_id}, "order.voided"))
    assert answer.status_code == 200, answer.text
    assert upstream.db.scalar("SELECT state FROM payments WHERE attempt_id = ?", [attempt]) == "refunded"
    assert upstream.db.scalar("SELECT status FROM orders WHERE order_id = ?", [order_id]) == "voided"


@pytest.mark.parametrize("mutate,code,field", [
    (lambda e: e.update(device_seq="7"), "bad_event", "events[1].device_seq"),
    (lambda e: e.update(device_seq=0), "bad_event", "events[1].device_seq"),
    (lambda e: e.update(device_seq=True), "bad_event", "events[1].device_seq"),
    (lambda e: e.update(event_id="x"), "bad_event", "events[1].event_id"),
    (lambda e: e.update(type="Order Placed"), "bad_event", "events[1].type"),
    (lambda e: e["occurred"].update(wall_ms=1.5), "bad_event", "events[1].occurred"),
    (lambda e: e["occurred"].update(clock_synced="yes"), "bad_event", "events[1].occurred.clock_synced"),
    (lambda e: e.update(payload=[1]), "bad_event", "events[1].payload"),
    (lambda e: e.update(payload_sha256="0" * 64), "hash_mismatch", "events[1].payload_sha256"),
])
def test_wrong_types_refuse_the_whole_batch(upstream, mutate, code, field):
    client = raw_device(upstream)
    good, bad = make_event(1), make_event(2)
    mutate(bad)
    answer = ingest(client, good, bad)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["field"] == field and "nothing stored" in error["message"]
    assert counts(upstream.db) == (0, 0), "never a partial batch commit"


@pytest.mark.parametrize("payload,code", [
    (lambda p: p.update(total=-100), "negative_money"),
    (lambda p: p["lines"][0].update(unit_price=-2800, total=-2800), "negative_money"),
    (lambda p: p.update(total=1), "bad_payload"),
    (lambda p: p.update(total="28.00"), "bad_payload"),
    (lambda p: p["lines"][0].update(qty=0), "bad_payload"),
    (lambda p: p.update(lines=[]), "bad_payload"),
    (lambda p: p.update(prepaid={"attempt_id": "a" * 26, "channel": "alipay", "discount": -5}), "negative_money"),
    (lambda p: p.update(prepaid={"attempt_id": "a" * 26, "channel": "alipay", "discount": 2801}), "bad_payload"),
    (lambda p: p.update(prepaid="paid"), "bad_payload"),
])
def test_bad_money_is_refused_with_the_event_named(upstream, payload, code):
    client = raw_device(upstream)
    body = order_payload()
    payload(body)
    good, bad = make_event(1), make_event(2, body)
    answer = ingest(client, good, bad)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == code
    assert [r["event_id"] for r in error["rejected"]] == [bad["event_id"]]
    assert counts(upstream.db) == (0, 0)


def test_negative_payment_amount_refused(upstream):
    from edge.orders import new_id

    client = raw_device(upstream)
    pay = {"attempt_id": new_id(), "order_id": new_id(), "amount": -1}
    answer = ingest(client, make_event(1, pay, "payment.succeeded"))
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "negative_money"


def test_oversize_batches(upstream):
    client = raw_device(upstream)
    answer = ingest(client, *[make_event(n) for n in range(1, 102)])
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_many_events"
    big = make_event(1, {**order_payload(), "pad": "x" * (300 * 1024)})
    answer = ingest(client, big)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    assert counts(upstream.db) == (0, 0)


@pytest.mark.parametrize("body,status,code", [
    (b"{not json", 400, "malformed_json"),
    (b"\xff\xfe", 400, "malformed_json"),
    (b"[]", 422, "bad_request"),
    (b'{"events": {}}', 422, "bad_request"),
    (b'{"events": []}', 422, "empty_batch"),
    (b'{"events": [1]}', 422, "bad_event"),
])
def test_malformed_bodies(upstream, body, status, code):
    client = raw_device(upstream)
    answer = signed(client, "POST", "/v1/ingest", body)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message"]


def test_dedup_is_permanent_across_restarts(upstream):
    from upstream.server import BackgroundUpstream

    client = raw_device(upstream)
    event = make_event(1)
    ingest(client, event)
    upstream.stop()
    again = BackgroundUpstream(upstream.db).start()
    try:
        client.base_url = again.url
        assert ingest(client, event).json()["results"][0]["status"] == "duplicate"
    finally:
        again.stop()


def test_a_phone_coupon_is_kept_apart_from_the_money(upstream):
    """A member's coupon applied on a phone: a prepaid round's `prepaid.discount` and a bill's
    `order.paid` `discount` land in orders.discount (never above the total); a negative one is refused."""
    client = raw_device(upstream)
    round_paid = order_payload()
    round_paid["prepaid"] = {"attempt_id": "a" * 26, "channel": "alipay", "discount": 800, "coupon_id": "Q1"}
    by_bill = order_payload()
    events = [make_event(1, round_paid), make_event(2, by_bill),
              make_event(3, {"order_id": by_bill["order_id"], "payment": "wechat", "amount": 0, "discount": 9999,
                             "coupon_id": "Q2"}, "order.paid")]
    assert ingest(client, *events).status_code == 200
    discount = lambda order_id: upstream.db.scalar("SELECT discount FROM orders WHERE order_id = ?",  # noqa: E731
                                                   [order_id])
    assert discount(round_paid["order_id"]) == 800
    assert discount(by_bill["order_id"]) == 2800  # capped at the order's total
    bad = ingest(client, make_event(4, {"order_id": by_bill["order_id"], "discount": -1}, "order.paid"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "negative_money"
