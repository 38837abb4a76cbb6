"""The core client (edge/ui/core_client.py): the SSE parser fed with lines, the line splitter fed
with awkward chunks, and the client against a real core (errors, offline, the event stream)."""

from __future__ import annotations

import socket
import threading
import uuid

import pytest

from edge.ui.core_client import CoreClient, CoreError, parse_sse, split_lines


def test_parse_sse_events_comments_and_multiline_data():
    lines = [
        "retry: 1000", ": connected", "",
        "id: 1", "event: order.placed", 'data: {"type": "order.placed", "ticket_no": "A017"}', "",
        ": heartbeat", "",
        "event: print.job", 'data: {"printer": "kitchen",', 'data:"state": "sent"}', "",
        'data: {"type": "resync"}', "",  # no event name: the type inside the data
        "event: menu.changed", "data: not json", "",  # skipped
        "event: menu.changed", 'data: {"version": "demo-2"}',  # no blank line yet: not dispatched
    ]
    assert list(parse_sse(lines)) == [
        ("order.placed", {"type": "order.placed", "ticket_no": "A017"}),
        ("print.job", {"printer": "kitchen", "state": "sent"}),
        ("resync", {"type": "resync"}),
    ]


def test_split_lines_handles_chunk_boundaries_crlf_and_utf8():
    data = 'event: a\r\ndata: {"zh": "走葱"}\r\n\r\nevent: b\rdata: {}\n\n'.encode()
    expected = ["event: a", 'data: {"zh": "走葱"}', "", "event: b", "data: {}", ""]
    assert list(split_lines([data])) == expected
    assert list(split_lines(data[i:i + 1] for i in range(len(data)))) == expected  # byte by byte


def test_errors_come_from_the_error_body(client):
    with pytest.raises(CoreError) as caught:
        client.order("nosuchorder")
    assert (caught.value.code, caught.value.status) == ("not_found", 404)
    with pytest.raises(CoreError) as caught:
        client.place_order({"client_token": uuid.uuid4().hex, "lines": [{"item_id": "abalone_siu_mai", "qty": 1}]})
    assert (caught.value.code, caught.value.status, caught.value.field) == ("sold_out", 422, "lines[0]")
    assert "Abalone siu mai" in caught.value.message


def test_place_order_is_idempotent_by_token(client):
    doc = {"client_token": uuid.uuid4().hex, "service": "takeaway", "lines": [{"item_id": "pu_erh", "qty": 3}]}
    first, again = client.place_order(doc), client.place_order(doc)
    assert first["id"] == again["id"] and first["total"] == 1800
    assert client.order(first["id"])["ticket_no"] == first["ticket_no"]


def test_unreachable_core_is_offline():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    client = CoreClient(f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(CoreError) as caught:
        client.menu()
    assert caught.value.code == "offline" and f":{port}" in caught.value.message
    with pytest.raises(CoreError):
        next(client.events())


def test_event_stream_delivers_order_placed_and_close_interrupts_it(core):
    client, opened, seen = CoreClient(core.url), threading.Event(), []

    def listen():
        try:
            for kind, data in client.events(on_open=opened.set):
                seen.append((kind, data))
        except CoreError as error:
            seen.append(("closed", {"code": error.code}))

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    assert opened.wait(5)
    placed = CoreClient(core.url).place_order(
        {"client_token": uuid.uuid4().hex, "lines": [{"item_id": "soy_milk", "qty": 1}]})
    for _ in range(250):
        if any(kind == "order.placed" and data.get("order_id") == placed["id"] for kind, data in seen):
            break
        threading.Event().wait(0.02)
    else:
        pytest.fail(f"no order.placed event for {placed['ticket_no']}: {seen}")
    client.close()  # must not wait for the next 15 s heartbeat
    reader.join(2)
    assert not reader.is_alive()
