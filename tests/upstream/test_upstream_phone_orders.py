"""Phone orders through POST /v1/stores/{store}/orders and their downstream commands."""

from __future__ import annotations

import requests

from tests.sync.fixtures import raw_device, signed
from upstream.store_settings import table_code


def order(upstream, table="12", token="phone-1", lines=None, **extra):
    body = {"client_token": token, "table_code": table_code(upstream.db, "s1", table, "order.example.com"),
            "lines": lines or [{"item_id": "har_gow", "qty": 2}], **extra}
    return requests.post(f"{upstream.url}/v1/stores/s1/orders", json=body, timeout=5)


def test_phone_order_becomes_one_command_and_is_idempotent(upstream):
    device = raw_device(upstream, role="cashier")
    first = order(upstream)
    assert first.status_code == 201, first.text
    assert first.json()["total"] == 5600 and first.json()["status"] == "sent" and first.json()["table"] == "12"
    again = order(upstream)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    commands = signed(device, "GET", "/v1/devices/me/commands").json()["commands"]
    assert len(commands) == 1 and commands[0]["type"] == "order.place"
    assert commands[0]["payload"]["lines"] == [{"item_id": "har_gow", "qty": 2, "options": [], "notes": []}]
    ack = {"acks": [{"command_id": commands[0]["command_id"], "status": "applied",
                     "result": {"order_id": "b" * 26, "ticket_no": "A007"}}]}
    import json

    for _ in range(2):  # acks are idempotent
        answer = signed(device, "POST", "/v1/devices/me/commands/ack", json.dumps(ack).encode())
        assert answer.json()["acked"] == [commands[0]["command_id"]]
    assert signed(device, "GET", "/v1/devices/me/commands").json()["commands"] == []
    status = requests.get(f"{upstream.url}/v1/stores/s1/orders/{first.json()['id']}", timeout=5).json()
    assert status["status"] == "accepted" and status["ticket_no"] == "A007"


def test_token_reused_with_other_content(upstream):
    raw_device(upstream)
    order(upstream)
    answer = order(upstream, lines=[{"item_id": "siu_mai", "qty": 1}])
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "token_reused"


def test_forged_or_missing_table_code(upstream):
    raw_device(upstream)
    url = table_code(upstream.db, "s1", "12", "order.example.com")
    forged = url.replace("/t/s1/12?", "/t/s1/13?")
    answer = requests.post(f"{upstream.url}/v1/stores/s1/orders", timeout=5,
                           json={"client_token": "x", "table_code": forged, "lines": [{"item_id": "har_gow"}]})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "bad_table_code"
    missing = requests.post(f"{upstream.url}/v1/stores/s1/orders", timeout=5,
                            json={"client_token": "x", "lines": [{"item_id": "har_gow"}]})
    assert missing.status_code == 403
    assert upstream.db.scalar("SELECT count(*) FROM commands") == 0


def test_bad_orders_are_refused(upstream):
    raw_device(upstream)
    cases = [
        ({"lines": [{"item_id": "ghost", "qty": 1}]}, 422, "unknown_item"),
        ({"lines": [{"item_id": "abalone_siu_mai", "qty": 1}]}, 422, "sold_out"),
        ({"lines": [{"item_id": "har_gow", "qty": 0}]}, 422, "bad_quantity"),
        ({"lines": [{"item_id": "har_gow", "qty": "2"}]}, 422, "bad_quantity"),
        ({"lines": "har_gow"}, 422, "bad_request"),
    ]
    for n, (extra, status, code) in enumerate(cases):
        answer = order(upstream, token=f"bad-{n}", **extra)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    text = requests.post(f"{upstream.url}/v1/stores/s1/orders", data=b"nope", timeout=5)
    assert text.status_code == 400
    nowhere = requests.post(f"{upstream.url}/v1/stores/zz/orders", json={}, timeout=5)
    assert nowhere.status_code == 404
    assert upstream.db.scalar("SELECT count(*) FROM phone_orders") == 0


def test_no_device_to_print_on(upstream):
    answer = order(upstream)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "no_device"


def test_bad_acks(upstream):
    device = raw_device(upstream)
    for body in (b"[]", b'{"acks": [{"command_id": 1}]}', b'{"acks": [{"command_id": "x", "status": "maybe"}]}'):
        answer = signed(device, "POST", "/v1/devices/me/commands/ack", body)
        assert answer.status_code in (400, 422), answer.text
    unknown = signed(device, "POST", "/v1/devices/me/commands/ack",
                     b'{"acks": [{"command_id": "cccccccccccccccccccccccccc", "status": "applied"}]}')
    assert unknown.status_code == 200 and unknown.json()["acked"] == []


def test_commands_long_poll_returns_when_an_order_arrives(upstream):
    import threading
    import time

    device = raw_device(upstream)
    timer = threading.Timer(0.5, lambda: order(upstream))
    start = time.monotonic()
    timer.start()
    answer = signed(device, "GET", "/v1/devices/me/commands?wait=10")
    took = time.monotonic() - start
    assert len(answer.json()["commands"]) == 1
    assert 0.4 < took < 3.0


def test_menu_and_settings_etags(upstream):
    from upstream.store_settings import publish_menu, set_staff, store_menu

    device = raw_device(upstream)
    first = signed(device, "GET", "/v1/devices/me/menu")
    etag = first.headers["ETag"]
    assert first.json()["menu"]["version"] == "demo-1"
    assert signed(device, "GET", "/v1/devices/me/menu", headers={"If-None-Match": etag}).status_code == 304
    doc, _ = store_menu(upstream.db, "s1")
    publish_menu(upstream.db, "s1", {**doc, "version": "demo-2"})
    changed = signed(device, "GET", "/v1/devices/me/menu", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["menu"]["version"] == "demo-2"
    settings = signed(device, "GET", "/v1/devices/me/settings")
    set_staff(upstream.db, "s1", "amy", "Amy", "cashier", "4321")
    after = signed(device, "GET", "/v1/devices/me/settings", headers={"If-None-Match": settings.headers["ETag"]})
    assert after.status_code == 200 and after.json()["staff"][0]["pin_hash"].startswith("scrypt$")
