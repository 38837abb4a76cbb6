"""The core over real HTTP, with virtual printers over real TCP."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import requests

from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from edge.printer_sim.simulator import PrinterSimulator
from tests.conftest import make_config

ORDER = {
    "client_token": "tok-1", "service": "dine_in", "table": "12", "payment": "counter",
    "lines": [
        {"item_id": "har_gow", "qty": 2},
        {"item_id": "beef_chow_fun", "qty": 1, "options": ["large", "mild2"], "notes": ["no_scallion"]},
        {"item_id": "milk_tea", "qty": 1, "options": ["iced"], "notes": ["less_ice"]},
    ],
    "notes": ["rush"],
}


@pytest.fixture
def sims(tmp_path):
    started = {name: PrinterSimulator(port=0, out_dir=tmp_path / "tickets" / name, name=name)
               for name in ("dimsum", "kitchen", "bar")}
    for sim in started.values():
        sim.start()
    yield started
    for sim in started.values():
        sim.stop()


@pytest.fixture
def core(tmp_path, sims):
    config = make_config(tmp_path / "data", {name: sim.port for name, sim in sims.items()})
    service = EdgeService(config).open()
    server = BackgroundCore(service).start()
    yield server
    server.stop()
    service.close()


def test_order_reaches_every_station_printer(core, sims):
    answer = requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["ticket_no"] == "A001"
    assert order["total"] == 2 * 2800 + 3700 + 2000
    dimsum = sims["dimsum"].wait_for_tickets(1, timeout=5)[0].text
    kitchen = sims["kitchen"].wait_for_tickets(1, timeout=5)[0].text
    bar = sims["bar"].wait_for_tickets(1, timeout=5)[0].text
    assert "水晶虾饺皇" in dimsum and "A001" in dimsum and "12" in dimsum
    assert "干炒牛河" in kitchen and "大" in kitchen and "中辣" in kitchen and "走葱" in kitchen
    assert "加急" in kitchen
    assert "港式奶茶" in bar and "冰" in bar and "少冰" in bar
    assert "水晶虾饺皇" not in kitchen and "干炒牛河" not in dimsum
    (tmp_files,) = [list((sims["bar"].out_dir).glob("*.txt"))]
    assert any("港式奶茶" in f.read_text(encoding="utf-8") for f in tmp_files)


def test_double_submit_gives_one_order(core, tmp_path):
    first = requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5)
    second = requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    db = sqlite3.connect(tmp_path / "data" / "edge.sqlite")
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def test_concurrent_double_tap_gives_one_order(core, tmp_path):
    answers = []
    body = {**ORDER, "client_token": "tap-tap"}
    threads = [threading.Thread(target=lambda: answers.append(
        requests.post(f"{core.url}/v1/orders", json=body, timeout=5))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1


def test_token_reused_with_other_content(core):
    requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5)
    other = {**ORDER, "lines": [{"item_id": "siu_mai", "qty": 1}]}
    answer = requests.post(f"{core.url}/v1/orders", json=other, timeout=5)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "token_reused"
    assert answer.json()["error"]["ticket_no"] == "A001"  # the kiosk can show the customer's earlier ticket


def test_one_transaction_writes_everything(core, tmp_path):
    order = requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5).json()
    db = sqlite3.connect(tmp_path / "data" / "edge.sqlite")
    assert db.execute("SELECT count(*) FROM order_lines WHERE order_id = ?", [order["id"]]).fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM print_jobs WHERE order_id = ?", [order["id"]]).fetchone()[0] == 3
    event = db.execute("SELECT type, payload FROM outbox").fetchone()
    assert event[0] == "order.placed" and order["id"] in event[1]


@pytest.mark.parametrize("body,status,code", [
    (b"{not json", 400, "malformed_json"),
    (b'{"client_token": "a", "lines": [{"item_id": "ghost", "qty": 1}]}', 422, "unknown_item"),
    (b'{"client_token": "a", "lines": [{"item_id": "abalone_siu_mai", "qty": 1}]}', 422, "sold_out"),
    (b'{"client_token": "a", "lines": [{"item_id": "har_gow", "qty": 0}]}', 422, "bad_quantity"),
    (b'{"client_token": "a", "lines": [{"item_id": "har_gow", "qty": 100}]}', 422, "bad_quantity"),
    (b'{"client_token": "a", "lines": [{"item_id": "har_gow", "qty": 1, "options": ["iced"]}]}', 422, "bad_option"),
])
def test_bad_input_is_refused_and_nothing_stored(core, tmp_path, body, status, code):
    answer = requests.post(f"{core.url}/v1/orders", data=body, timeout=5,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]
    db = sqlite3.connect(tmp_path / "data" / "edge.sqlite")
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_client_price_is_ignored(core):
    body = {"client_token": "cheap", "total": 1, "lines": [{"item_id": "har_gow", "qty": 1, "price": 1}]}
    assert requests.post(f"{core.url}/v1/orders", json=body, timeout=5).json()["total"] == 2800


def test_menu_status_and_listing(core):
    menu = requests.get(f"{core.url}/v1/menu", timeout=5).json()
    assert len(menu["items"]) == 40
    requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5)
    listing = requests.get(f"{core.url}/v1/orders", timeout=5).json()["orders"]
    assert [o["ticket_no"] for o in listing] == ["A001"]
    status = requests.get(f"{core.url}/v1/status", timeout=5).json()
    assert status["outbox"]["unsynced"] == 1 and status["orders_today"] == 1
    assert requests.get(f"{core.url}/v1/orders/nope", timeout=5).status_code == 404


def test_event_stream_announces_orders(core):
    seen = []
    with requests.get(f"{core.url}/v1/events", stream=True, timeout=10) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines).startswith("retry:")
        requests.post(f"{core.url}/v1/orders", json=ORDER, timeout=5)
        for line in lines:
            if line.startswith("event:"):
                seen.append(line.split(":", 1)[1].strip())
            if "order.placed" in seen:
                break
    assert "order.placed" in seen


def test_event_stream_ends_when_the_core_stops(tmp_path):
    import time

    service = EdgeService(make_config(tmp_path / "data")).open()
    server = BackgroundCore(service)
    # a grace period far longer than any shutdown, so that waiting for it cannot pass for slowness
    server.server.config.timeout_graceful_shutdown = 60
    server.start()
    with requests.get(f"{server.url}/v1/events", stream=True, timeout=30) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        next(lines)
        started = time.monotonic()
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        events = [line for line in lines if line.startswith("event:")]
    assert events == ["event: shutdown"]
    assert time.monotonic() - started < 30, "shutdown must not wait for the SSE grace period"
    stopper.join(60)
    service.close()


def test_a_stream_that_sees_the_core_closing_still_gets_the_shutdown_event(tmp_path):
    """The stream ends on the bus's shutdown event, never silently on the closed flag: a stream
    that starts (or loops) after close() set the flag still tells its UI why it ends."""
    service = EdgeService(make_config(tmp_path / "data")).open()
    server = BackgroundCore(service)
    server.start()
    try:
        service.events.close()  # the flag is set and the event published before this stream exists
        with requests.get(f"{server.url}/v1/events", stream=True, timeout=30) as stream:
            events = [line for line in stream.iter_lines(decode_unicode=True) if line.startswith("event:")]
        assert events == ["event: shutdown"]
    finally:
        server.stop()
        service.close()
