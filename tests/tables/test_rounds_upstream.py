"""Table sessions and rounds on the upstream (both engines): one shared cart, numbered rounds that
each become ONE command with only their own lines, whatever the retries and races."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from tests.sync.fixtures import batch, make_event, raw_device, signed
from tests.tables.helpers import ack, add, commands, phone, state, submit
from upstream import table_rounds, table_sessions
from upstream.errors import ApiError, now_ms


def test_two_phones_share_one_cart_and_each_round_is_one_command(upstream):
    device = raw_device(upstream, role="cashier")
    alice, bob = phone(upstream), phone(upstream)
    assert state(alice)["session"]["id"] == state(bob)["session"]["id"], "one session per table"
    assert add(alice, "har_gow", 2).status_code == 200
    seen = state(bob)
    assert [(x["item_id"], x["qty"]) for x in seen["cart"]["lines"]] == [("har_gow", 2)]
    assert seen["cart"]["total"] == 5600, "priced by the server"
    first = submit(bob, "round-one-token")
    assert first.status_code == 201, first.text
    again = submit(alice, "round-one-token")  # a retry of the same submit (a lost answer, a double tap)
    assert again.status_code == 200
    sent = commands(device)
    assert len(sent) == 1
    payload = sent[0]["payload"]
    assert payload["table_session"]["round"] == 1 and payload["payment"] == "table" and payload["table"] == "12"
    assert [(x["item_id"], x["qty"]) for x in payload["lines"]] == [("har_gow", 2)]
    assert state(alice)["cart"]["lines"] == [], "the round took the whole cart"

    add(alice, "siu_mai", 1)
    assert submit(alice).status_code == 201
    sent = commands(device)
    assert [c["payload"]["table_session"]["round"] for c in sent] == [1, 2]
    assert [(x["item_id"], x["qty"]) for x in sent[1]["payload"]["lines"]] == [("siu_mai", 1)], "only round 2's lines"
    rounds = state(bob)["rounds"]
    assert [(r["round"], r["state"]) for r in rounds] == [(1, "sent"), (2, "sent")]


def test_an_empty_cart_and_a_closed_table_refuse_a_round(upstream):
    raw_device(upstream, role="cashier")
    guest = phone(upstream)
    answer = submit(guest)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "empty_cart"
    session = state(guest)["session"]["id"]
    table_sessions.close_session(upstream.db, "s1", session, "test", now_ms(), due=0)
    answer = add(guest)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "no_table_session"
    assert upstream.db.scalar("SELECT count(*) FROM table_rounds") == 0


def test_phones_submitting_at_once_make_one_round(upstream):
    device = raw_device(upstream, role="cashier")
    phones = [phone(upstream) for _ in range(6)]
    add(phones[0], "har_gow", 1)
    add(phones[1], "siu_mai", 1)
    answers = []
    gate = threading.Barrier(len(phones))

    def press(client):
        gate.wait()
        answers.append(submit(client))

    threads = [threading.Thread(target=press, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 1 and codes.count(409) == len(phones) - 1, [a.text for a in answers]
    sent = commands(device)
    assert len(sent) == 1 and len(sent[0]["payload"]["lines"]) == 2


def test_ack_and_printed_event_move_the_round_to_the_kitchen(upstream):
    device = raw_device(upstream, role="cashier")
    guest = phone(upstream)
    add(guest)
    submit(guest)
    command = commands(device)[0]
    ack(device, command["command_id"], order_id="b" * 26, ticket_no="A007")
    assert [(r["state"], r["ticket_no"]) for r in state(guest)["rounds"]] == [("accepted", "A007")]
    event = make_event(1, {"order_id": "b" * 26, "ticket_no": "A007", "command_id": command["command_id"],
                           "table_session": command["payload"]["table_session"]["id"], "round": 1,
                           "printed_wall_ms": now_ms()}, kind="order.printed")
    answer = signed(device, "POST", "/v1/ingest", batch(event))
    assert answer.status_code == 200, answer.text
    assert state(guest)["rounds"][0]["state"] == "printed"


def test_the_long_poll_answers_when_another_phone_changes_the_cart(upstream):
    raw_device(upstream, role="cashier")
    alice, bob = phone(upstream), phone(upstream)
    version = state(alice)["version"]
    timer = threading.Timer(0.5, lambda: add(bob, "siu_mai"))
    timer.start()
    changed = state(alice, after=version, wait=20)
    timer.join()
    assert changed["version"] != version and changed["cart"]["lines"][0]["item_id"] == "siu_mai"


def test_pay_first_round_waits_for_its_payment_and_is_sent_once(upstream):
    device = raw_device(upstream, role="cashier")
    table_sessions.set_table_settings(upstream.db, "s1", mode="pay_first")
    guest = phone(upstream)
    add(guest)
    assert submit(guest).status_code == 201
    assert commands(device) == [] and state(guest)["rounds"][0]["state"] == "awaiting_payment"
    round_id = state(guest)["rounds"][0]["round_id"]
    assert table_rounds.send_paid_round(upstream.db, round_id, "a" * 26, "alipay", 2800, now_ms())
    assert not table_rounds.send_paid_round(upstream.db, round_id, "a" * 26, "alipay", 2800, now_ms())
    sent = commands(device)
    assert len(sent) == 1 and sent[0]["payload"]["payment"] == "prepaid"
    assert sent[0]["payload"]["prepaid"] == {"attempt_id": "a" * 26, "channel": "alipay", "amount": 2800}


def test_calls_reach_the_device_once_per_open_call(upstream):
    device = raw_device(upstream, role="cashier")
    guest = phone(upstream)
    for _ in range(3):
        answer = guest.post(f"{guest.base}/v1/table/calls", json={"kind": "bill"}, timeout=10)
        assert answer.status_code in (200, 201)
    sent = [c for c in commands(device) if c["type"] == "table.call"]
    assert len(sent) == 1 and sent[0]["payload"]["kind"] == "bill" and sent[0]["payload"]["table"] == "12"
    table_rounds.handle_call(upstream.db, "s1", sent[0]["payload"]["call_id"], now_ms())
    guest.post(f"{guest.base}/v1/table/calls", json={"kind": "bill"}, timeout=10)
    assert len([c for c in commands(device) if c["type"] == "table.call"]) == 2, "a handled call can come again"


def test_clearing_a_table_needs_the_bill_paid_and_the_next_party_sees_nothing(upstream):
    device = raw_device(upstream, role="cashier")
    guest = phone(upstream)
    add(guest)
    submit(guest)
    session = state(guest)["session"]["id"]
    close = signed(device, "POST", f"/v1/devices/me/tables/{session}/close", b"{}")
    assert close.status_code == 409 and close.json()["error"]["code"] == "bill_unpaid"
    tables = signed(device, "GET", "/v1/devices/me/tables").json()["tables"]
    assert [(t["table"], t["bill"]["due"]) for t in tables] == [("12", 2800)]
    paid = json.dumps({"payment_id": "cash-1", "amount": 2800, "method": "cash", "staff_id": "wang"}).encode()
    for _ in range(2):  # a retried report counts once
        assert signed(device, "POST", f"/v1/devices/me/tables/{session}/bill-paid", paid).status_code == 200
    assert state(guest)["bill"] == {"total": 2800, "paid": 2800, "due": 0, "state": "paid"}
    assert signed(device, "POST", f"/v1/devices/me/tables/{session}/close", b"{}").json()["state"] == "closed"
    assert guest.get(f"{guest.base}/v1/table/state", timeout=5).status_code == 401
    newcomer = phone(upstream)
    fresh = state(newcomer)
    assert fresh["session"]["id"] != session and fresh["rounds"] == [] and fresh["bill"]["total"] == 0


def test_strict_store_opens_only_tables_the_cashier_opened(upstream):
    device = raw_device(upstream, role="cashier")
    table_sessions.set_table_settings(upstream.db, "s1", strict=True)
    with pytest.raises(ApiError) as refused:
        phone(upstream, table="7")
    assert refused.value.code == "table_not_open"
    opened = signed(device, "POST", "/v1/devices/me/tables/7/open", b"{}")
    assert opened.status_code == 201, opened.text
    assert state(phone(upstream, table="7"))["session"]["id"] == opened.json()["session_id"]


def test_phone_writes_are_json_from_the_page_itself(upstream):
    raw_device(upstream, role="cashier")
    guest = phone(upstream)
    form = guest.post(f"{guest.base}/v1/table/cart", data="op=add&item_id=har_gow",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
    assert form.status_code == 415
    foreign = guest.post(f"{guest.base}/v1/table/cart", json={"op": "add", "item_id": "har_gow"},
                         headers={"Origin": "https://evil.example"}, timeout=5)
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "foreign_origin"
    bad = guest.post(f"{guest.base}/v1/table/cart", json={"op": "add", "item_id": "no_such_dish"}, timeout=5)
    assert bad.status_code == 422
    stranger = guest.get(f"{guest.base}/v1/table/state", cookies={"matou_table": uuid.uuid4().hex}, timeout=5)
    assert stranger.status_code == 401
    assert state(guest)["cart"]["lines"] == []


def test_the_owner_sets_the_mode_and_sees_and_clears_tables_from_the_cli(sqlite_upstream):
    from click.testing import CliRunner

    from upstream.cli import cli

    raw_device(sqlite_upstream, role="cashier")
    db_url = sqlite_upstream.db.url
    run = CliRunner().invoke
    answer = run(cli, ["tables", "mode", "s1", "--database", db_url, "--pay-first", "--strict"])
    assert answer.exit_code == 0 and "先付后吃" in answer.output and "strict" in answer.output
    assert table_sessions.table_settings(sqlite_upstream.db, "s1") == {"mode": "pay_first", "strict": True}
    run(cli, ["tables", "mode", "s1", "--database", db_url, "--pay-after", "--open"])
    guest = phone(sqlite_upstream)
    add(guest)
    submit(guest)
    listed = run(cli, ["tables", "sessions", "s1", "--database", db_url])
    assert listed.exit_code == 0 and "table 12" in listed.output and "due 28.00" in listed.output
    refused = run(cli, ["tables", "close", "s1", "12", "--database", db_url])
    assert refused.exit_code == 1 and "bill_unpaid" in refused.output
    forced = run(cli, ["tables", "close", "s1", "12", "--database", db_url, "--force"])
    assert forced.exit_code == 0 and "cleared" in forced.output
    assert run(cli, ["tables", "close", "s1", "12", "--database", db_url]).exit_code == 1


def test_a_void_at_the_counter_reaches_the_phones_and_the_bill(upstream):
    from tests.sync.fixtures import order_payload

    device = raw_device(upstream, role="cashier")
    guest = phone(upstream)
    add(guest, "har_gow", 2)
    submit(guest)
    command = commands(device)[0]
    order = order_payload(total=5600, qty=2)
    ack(device, command["command_id"], order_id=order["order_id"], ticket_no="A001")
    placed = signed(device, "POST", "/v1/ingest", batch(make_event(1, order)))
    assert placed.status_code == 200, placed.text
    before = state(guest)
    assert before["bill"]["due"] == 5600
    void = make_event(2, {"order_id": order["order_id"], "amount": 2800, "full": False, "reason": "客人不要了",
                          "lines": [{"line_no": 1, "item_id": "har_gow", "qty": 1, "amount": 2800}]},
                      kind="cashier.void")
    assert signed(device, "POST", "/v1/ingest", batch(void)).status_code == 200
    after = state(guest, after=before["version"], wait=5)
    assert after["version"] != before["version"], "the phones' long poll wakes on a void"
    line = after["rounds"][0]["lines"][0]
    assert (line["qty"], line["voided_qty"]) == (2, 1) and after["rounds"][0]["voided"] == 2800
    assert after["bill"]["total"] == 2800 and after["bill"]["due"] == 2800
