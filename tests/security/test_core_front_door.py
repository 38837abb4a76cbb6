"""The core's front door, attacked over real HTTP on 127.0.0.1 (issue 12, items 1, 6 and 7):

- a web page's request (text/plain or a form, a foreign Origin, `Origin: null`) and a request by
  another name (DNS rebinding: a foreign Host) never reach an endpoint, on every state-changing
  route, and a foreign Host reads nothing either;
- nested JSON, huge or infinite numbers get a 4xx, never a 5xx;
- an order holds at most 10 order-level notes.

Each attack is sent with a body that would change the device if it got in (an order, a PIN, a
sold-out dish ...) and the device's observable state is compared before and after.
"""

from __future__ import annotations

import json
import socket

import pytest
import requests

from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from tests.conftest import make_config
from tests.security.front_door_routes import fill, read_routes, state_changing_routes

JSON = "application/json"
ORDER = {"client_token": "attack-1", "lines": [{"item_id": "har_gow", "qty": 2}], "notes": ["rush"]}
BODIES = {  # what each route would do if the request got in
    "/v1/orders": ORDER,
    "/v1/scans": {"text": "attack"},
    "/v1/technician/pin": {"pin": "246810"},
    "/v1/cashier/menu/items/{item_id}/sold-out": {"sold_out": True},
    "/v1/print-test": {"url": "tcp://127.0.0.1:9", "wait": 0},
}


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    """A core with the demo menu and one order (real ids for the paths), on a free loopback port."""
    service = EdgeService(make_config(tmp_path_factory.mktemp("front-door") / "data")).open()
    order = service.place_order({"client_token": "seed", "lines": [{"item_id": "har_gow"}]})[0]
    server = BackgroundCore(service).start()
    server.ids = {"order_id": order["id"], "item_id": "har_gow", "job_id": order["print_jobs"][0]["id"]}
    yield server
    server.stop()
    service.close()


def state(url: str) -> dict:
    """What a refused request must not have changed."""
    technician = requests.get(f"{url}/v1/technician/state", timeout=10).json()
    technician.pop("locked_for_s", None)
    return {"orders": requests.get(f"{url}/v1/orders", timeout=10).json(),
            "jobs": requests.get(f"{url}/v1/print-jobs", timeout=10).json(),
            "payments": requests.get(f"{url}/v1/payments", timeout=10).json(),
            "menu": requests.get(f"{url}/v1/menu", timeout=10).json(),
            "technician": technician,
            "orders_today": requests.get(f"{url}/v1/status", timeout=10).json()["orders_today"]}


def port(core) -> int:
    return int(core.url.rsplit(":", 1)[1])


def refused(answer: requests.Response, status: int, code: str) -> None:
    assert answer.status_code == status, (answer.request.method, answer.request.url, answer.status_code, answer.text)
    assert answer.json()["error"]["code"] == code


ATTACKS = {
    # a page's "simple" cross-site POSTs, which a browser sends without asking the server first
    "text/plain": ({"Content-Type": "text/plain"}, 415, "not_json"),
    "form": ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "not_json"),
    "multipart": ({"Content-Type": "multipart/form-data; boundary=x"}, 415, "not_json"),
    "no content type": ({}, 415, "not_json"),
    "json-ish": ({"Content-Type": "application/jsonp"}, 415, "not_json"),
    # DNS rebinding: a name of the attacker's that resolves to 127.0.0.1
    "foreign host": ({"Host": "evil.example", "Content-Type": JSON}, 421, "bad_host"),
    "rebound host": ({"Host": "evil.example:{port}", "Content-Type": JSON}, 421, "bad_host"),
    "lookalike host": ({"Host": "127.0.0.1.evil.example:{port}", "Content-Type": JSON}, 421, "bad_host"),
    "other port": ({"Host": "127.0.0.1:1", "Content-Type": JSON}, 421, "bad_host"),
    # a page of another origin (JSON from a page needs a preflight, but Origin says who asks)
    "foreign origin": ({"Origin": "http://evil.example", "Content-Type": JSON}, 403, "bad_origin"),
    "null origin": ({"Origin": "null", "Content-Type": JSON}, 403, "bad_origin"),
    "other port origin": ({"Origin": "http://127.0.0.1:8080", "Content-Type": JSON}, 403, "bad_origin"),
    "https origin": ({"Origin": "https://127.0.0.1:{port}", "Content-Type": JSON}, 403, "bad_origin"),
}


@pytest.mark.parametrize("method,path", state_changing_routes())
def test_no_web_page_nor_foreign_name_gets_through_a_state_changing_route(core, method, path):
    before = state(core.url)
    body = BODIES.get(path, {})
    url = core.url + fill(path, core.ids)
    for name, (headers, status, code) in ATTACKS.items():
        headers = {key: value.replace("{port}", str(port(core))) for key, value in headers.items()}
        data = json.dumps(body).encode() if name != "form" else "pin=246810&text=attack"
        answer = requests.request(method, url, data=data, headers=headers, timeout=10)
        refused(answer, status, code)
    assert state(core.url) == before, f"a refused {method} {path} changed the device"


def test_a_post_without_a_body_still_says_json(core):
    """An empty POST (logout, enroll, cash, query ...) is a simple cross-site request too."""
    for method, path in state_changing_routes():
        refused(requests.request(method, core.url + fill(path, core.ids), timeout=10), 415, "not_json")


@pytest.mark.parametrize("path", read_routes())
def test_a_foreign_name_reads_nothing(core, path):
    url = core.url + fill(path, core.ids)
    for host in ("evil.example", f"evil.example:{port(core)}", "localhost:1", f"127.0.0.1.nip.io:{port(core)}"):
        with requests.get(url, headers={"Host": host}, timeout=10, stream=True) as answer:
            refused(answer, 421, "bad_host")
    with requests.get(url, headers={"Origin": "http://evil.example"}, timeout=10, stream=True) as answer:
        refused(answer, 403, "bad_origin")


def test_a_request_without_host_is_refused(core):
    with socket.create_connection(("127.0.0.1", port(core)), timeout=10) as connection:
        connection.sendall(b"GET /v1/status HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 421") and b"bad_host" in answer


def test_the_device_s_own_clients_still_get_in(core):
    here = port(core)
    for host in (f"127.0.0.1:{here}", f"localhost:{here}", f"LOCALHOST:{here}", f"[::1]:{here}"):
        assert requests.get(f"{core.url}/v1/health", headers={"Host": host}, timeout=10).status_code == 200
    for origin in (f"http://127.0.0.1:{here}", f"http://localhost:{here}"):
        answer = requests.post(f"{core.url}/v1/scans", json={"text": "hello"}, headers={"Origin": origin}, timeout=10)
        assert answer.status_code == 202, answer.text
    for content_type in (JSON, "application/json; charset=utf-8", "Application/JSON ; charset=UTF-8"):
        answer = requests.post(f"{core.url}/v1/scans", data=b'{"text": "hello"}',
                               headers={"Content-Type": content_type}, timeout=10)
        assert answer.status_code == 202, answer.text


def test_a_refused_pin_is_not_set(core):
    """Whatever the PIN rules, a PIN sent by a web page (text/plain) is not the device's PIN."""
    refused(requests.post(f"{core.url}/v1/technician/pin", data=b'{"pin": "246810"}',
                          headers={"Content-Type": "text/plain"}, timeout=10), 415, "not_json")
    login = requests.post(f"{core.url}/v1/technician/login", json={"pin": "246810"}, timeout=10)
    assert 400 <= login.status_code < 500, login.text
    assert requests.get(f"{core.url}/v1/technician/state", timeout=10).json()["pin_set"] is False


# -- item 6: never a 5xx for what a body holds --------------------------------------------------------
DEPTH = 30_000  # about 60 KB: under the 64 KiB body limit
HUGE = "9" * 5000
BIG = "9" * 4000  # under Python's 4300-digit limit: it parses, then fails later
BROKEN = {
    "nested arrays": "[" * DEPTH + "]" * DEPTH,
    "nested objects": '{"a":' * 5000 + "1" + "}" * 5000,
    "nested in a field": "{%s: " + "[" * 1000 + "]" * 1000 + "}",
    "5000-digit integer": "{%s: " + HUGE + "}",
    "4000-digit integer": "{%s: " + BIG + "}",
    "4000-digit fraction": "{%s: 0." + BIG + "}",
    "1e999": "{%s: 1e999}",
    "NaN": "{%s: NaN}",
    "-Infinity": "{%s: -Infinity}",
}
FIELDS = {"/v1/orders": ('"client_token"', '"notes"'), "/v1/scans": ('"text"',),
          "/v1/print-test": ('"wait"', '"profile"', '"url"')}
SIDE = {"/v1/print-test": '"url": "tcp://127.0.0.1:9", ', "/v1/orders": '"client_token": "deep", "lines": '
        '[{"item_id": "har_gow", "qty": 1}], '}


@pytest.mark.parametrize("path", sorted(FIELDS))
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_json_gets_a_4xx(core, path, name):
    before = state(core.url)
    for field in FIELDS[path]:
        template = BROKEN[name]
        text = template % field if "%s" in template else template
        if text.startswith("{") and path in SIDE and field not in SIDE[path]:
            text = "{" + SIDE[path] + text[1:]
        answer = requests.post(core.url + path, data=text.encode(), headers={"Content-Type": JSON}, timeout=30)
        assert 400 <= answer.status_code < 500, (path, name, field, answer.status_code, answer.text[:300])
        assert set(answer.json()["error"]) >= {"code", "message", "field"}
    after = state(core.url)
    assert after["orders"] == before["orders"] and after["jobs"] == before["jobs"]


def test_too_deep_and_absurd_numbers_are_named(core):
    deep = requests.post(f"{core.url}/v1/orders", data=("[" * 40 + "]" * 40).encode(),
                         headers={"Content-Type": JSON}, timeout=10)
    refused(deep, 400, "too_deep")
    huge = requests.post(f"{core.url}/v1/orders", data=b'{"client_token": ' + HUGE.encode() + b"}",
                         headers={"Content-Type": JSON}, timeout=10)
    refused(huge, 400, "bad_number")
    assert len(huge.text) < 500  # the number is not echoed


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/payments", "/v1/print-jobs"])
def test_a_huge_query_number_gets_a_4xx(core, path):
    answer = requests.get(f"{core.url}{path}?limit={HUGE}", timeout=10)
    assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:300])
    assert answer.json()["error"]["field"] == "limit"
    assert requests.get(f"{core.url}{path}?limit={BIG}", timeout=10).status_code < 500


# -- item 7: order-level notes are capped like a line's ----------------------------------------------
def test_an_order_holds_at_most_ten_notes(core):
    before = state(core.url)
    for count in (500, 11):
        answer = requests.post(f"{core.url}/v1/orders", json={**ORDER, "client_token": f"notes-{count}",
                                                               "notes": ["rush"] * count}, timeout=10)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "bad_note" and answer.json()["error"]["field"] == "notes"
    assert state(core.url) == before
    placed = requests.post(f"{core.url}/v1/orders", json={**ORDER, "client_token": "notes-10",
                                                          "notes": ["rush"] * 10}, timeout=10)
    assert placed.status_code == 201, placed.text
    assert len(placed.json()["notes"]) == 10
