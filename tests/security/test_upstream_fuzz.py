"""Fuzzing every upstream endpoint over real HTTP (127.0.0.1) against a real `edge-upstream serve`
process (with the sandbox payment gateway, so the payment routes are live): hypothesis bodies
(deep nesting, huge and non-finite numbers, lone surrogates, raw bytes, well-formed envelopes
with garbage inside), sent unsigned and correctly signed by an enrolled device, under wrong
content types; oversized and chunked streams. Whatever arrives: never a response >= 500, never
a traceback in the server's log, and the server's peak RSS (VmHWM) stays bounded.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import socket
import subprocess
import sys
import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.demo.setup import MENU_FILE
from edge.orders import new_id
from edge.protocol.canonical import canonical_json
from edge.protocol.enroll_code import parse_enroll_code
from edge.protocol.signing import generate_key, public_key_text, sign_headers
from upstream.enroll import add_store, make_token
from upstream.schema import open_database
from tests.support import free_port, stop_process
from upstream.store_settings import publish_menu_file, table_code

STORE = "s1"
RSS_GROWTH_LIMIT_KB = 96 * 1024  # the fuzz run may not grow the server's peak RSS by more than this
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def _vm_hwm_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


class Upstream:
    """`python -m upstream serve` on a free port; its log in a file; an enrolled device key."""

    def __init__(self, tmp_path):
        self.db_path, self.log_path = str(tmp_path / "upstream.sqlite"), tmp_path / "upstream.log"
        db = open_database(self.db_path)
        add_store(db, STORE, "测试茶楼")
        add_store(db, "s2", "对面")
        publish_menu_file(db, STORE, str(MENU_FILE))
        self.port = free_port()  # below the ephemeral range: its own sandboxes bind port 0 first
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = parse_enroll_code(make_token(db, STORE, "cashier", self.url)[0]).token
        self.table_code = table_code(db, STORE, "12", "order.example.com")
        db.close()
        env = {**os.environ, "EDGE_UPSTREAM_GATEWAY": "sandbox"}
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "upstream", "serve", "--database", self.db_path,
                                         "--port", str(self.port)], stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                if requests.get(self.url + "/v1/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the upstream did not come up"
            time.sleep(0.1)
        self.key = generate_key()
        answer = requests.post(self.url + "/v1/enroll", json={"token": self.token, "name": "fuzz",
                                                              "public_key": public_key_text(self.key)}, timeout=10)
        assert answer.status_code == 201, answer.text
        self.device_id = answer.json()["device_id"]
        self.session = requests.Session()
        self.seen: list[tuple[int, str, str]] = []

    def send(self, method: str, path: str, body, sign: bool, content_type: str | None = "application/json",
             sign_body: bytes | None = None, headers: dict | None = None) -> requests.Response:
        h = {} if content_type is None else {"Content-Type": content_type}
        if sign:
            h.update(sign_headers(self.key, self.device_id, method, path,
                                  (body or b"") if sign_body is None else sign_body, time.time_ns() // 1_000_000))
        h.update(headers or {})
        answer = self.session.request(method, self.url + path, data=body, headers=h, timeout=30)
        self.seen.append((answer.status_code, method, path))
        assert answer.status_code < 500, f"{method} {path} -> {answer.status_code} {answer.text[:300]}"
        if answer.status_code >= 400:
            error = answer.json()["error"]
            assert isinstance(error["code"], str) and isinstance(error["message"], str) and "field" in error
        return answer

    def rss_kb(self) -> int:
        return _vm_hwm_kb(self.process.pid)

    def check_rss(self) -> None:
        grown = self.rss_kb() - self.baseline_kb
        print(f"upstream VmHWM {self.baseline_kb // 1024} MiB at start, {self.rss_kb() // 1024} MiB after"
              f" {len(self.seen)} requests")
        assert grown < RSS_GROWTH_LIMIT_KB, f"peak RSS grew by {grown // 1024} MiB"

    def stop(self) -> None:
        self.session.close()
        stop_process(self.process)
        self.log.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = Upstream(tmp_path_factory.mktemp("fuzz"))
    server.baseline_kb = server.rss_kb()
    yield server
    server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log and "unexpected error" not in log, log[-3000:]


# -- strategies ---------------------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.integers(-10, 10**6)
           | st.floats() | st.text(max_size=12) | st.sampled_from(["", "har_gow", new_id(), "a" * 26]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | st.sampled_from(
                          ["lines", "qty", "item_id", "amount", "order_id", "token", "public_key", "acks",
                           "command_id", "status", "code", "redemption_id", "redemption_ids", "channel",
                           "out_trade_no", "refund_id", "reason", "notes", "service", "client_token"]),
                                        inner, max_size=5), max_leaves=15)


def _text(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, allow_nan=True).encode("utf-8", "surrogatepass")


@st.composite
def nested(draw) -> bytes:
    depth = draw(st.integers(1, 20_000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    return opener * depth + draw(st.sampled_from([b"1", b"[]", b""])) + closer * depth


huge_numbers = st.sampled_from([b"9" * 5000, b"-" + b"9" * 4000, b"1e999", b"-1e999", b"NaN", b"Infinity",
                                b"1" + b"0" * 19, b"9223372036854775808", b"1.5e308", b'"\\ud800"'])
bodies = st.one_of(
    values.map(_text),
    nested(),
    huge_numbers,
    st.tuples(st.sampled_from(["qty", "amount", "token", "lines", "acks", "events", "value"]), huge_numbers)
    .map(lambda kv: b'{"%s": ' % kv[0].encode() + kv[1] + b"}"),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
content_types = st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "application/json; charset=latin-1", None])


@st.composite
def payloads(draw) -> tuple[str, dict]:
    kind = draw(st.sampled_from(["order.placed", "order.paid", "payment.succeeded", "payment.refunded",
                                 "cashier.void", "cashier.refund", "pickup.collected", "menu.sold_out",
                                 "voucher.redeemed", "day.closed", "note.added"]))
    payload = draw(st.dictionaries(st.sampled_from(
        ["order_id", "attempt_id", "amount", "value", "total", "lines", "item_id", "sold_out", "full",
         "redemption_id", "voucher_id", "staff_id", "ticket_no", "business_day", "service", "payment", "table"]),
        values, max_size=8))
    for key in ("order_id", "attempt_id"):
        if draw(st.booleans()):
            payload[key] = new_id()
    return kind, payload


@st.composite
def batches(draw) -> bytes:
    events = []
    for _ in range(draw(st.integers(1, 4))):
        kind, payload = draw(payloads())
        text = canonical_json(payload).encode("utf-8", "surrogatepass")
        events.append({"event_id": draw(st.sampled_from([new_id(), "x", 5])), "device_seq": draw(
            st.integers(-1, 10**6) | st.integers(2**62, 2**64)), "type": kind,
            "occurred": {"wall_ms": draw(st.integers(0, 2**63 - 1) | st.just(time.time_ns() // 10**6)),
                         "monotonic_ns": draw(st.integers(0, 2**63)), "boot_id": "b",
                         "clock_synced": draw(st.sampled_from([True, False, None, 2]))},
            "payload": payload, "payload_sha256": hashlib.sha256(text).hexdigest()})
    return _text({"events": events})


# -- the fuzzing ----------------------------------------------------------------------------------

BODY_ROUTES = [  # (method, path, signed?)
    ("POST", "/v1/enroll", False),
    ("POST", f"/v1/stores/{STORE}/orders", False),
    ("POST", "/v1/ingest", True),
    ("POST", "/v1/devices/me/commands/ack", True),
    ("POST", "/v1/vouchers/redeem", True),
    ("POST", "/v1/vouchers/check", True),
    ("POST", "/v1/vouchers/redemptions/status", True),
    ("PUT", "/v1/payment-attempts/{id}", True),
    ("POST", "/v1/payment-attempts/{id}/abandon", True),
    ("POST", "/v1/payment-attempts/{id}/query", True),
    ("POST", "/v1/payment-attempts/{id}/refunds", True),
]


@FUZZ
@given(route=st.sampled_from(BODY_ROUTES), body=bodies, content_type=content_types, signed=st.booleans())
def test_any_body_on_any_route_is_never_a_5xx(live, route, body, content_type, signed):
    method, path, needs_signature = route
    live.send(method, path.format(id=new_id()), body, needs_signature and signed, content_type)
    assert live.rss_kb() - live.baseline_kb < RSS_GROWTH_LIMIT_KB


@FUZZ
@given(body=batches())
def test_signed_batches_with_garbage_inside_are_never_a_5xx(live, body):
    live.send("POST", "/v1/ingest", body, sign=True)


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(["client_token", "service", "lines", "notes", "table"]), values,
                           max_size=5),
       lines=st.lists(st.fixed_dictionaries({"item_id": st.sampled_from(["har_gow", "nope", ""]) | values,
                                             "qty": st.integers(-5, 2**70) | values}), max_size=3))
def test_phone_orders_with_a_good_table_code_and_garbage_are_never_a_5xx(live, doc, lines):
    doc = {**doc, "table_code": live.table_code, "lines": lines or doc.get("lines")}
    live.send("POST", f"/v1/stores/{STORE}/orders", _text(doc), sign=False)


@FUZZ
@given(doc=values, store=st.text(max_size=40), order=st.text(max_size=40))
def test_paths_and_enroll_with_garbage_are_never_a_5xx(live, doc, store, order):
    quoted = requests.utils.quote(store, safe="") or "x"
    live.send("POST", f"/v1/stores/{quoted}/orders", _text(doc), sign=False)
    live.send("GET", f"/v1/stores/{quoted}/orders/{requests.utils.quote(order, safe='') or 'x'}", None, sign=False)
    live.send("POST", "/v1/enroll", _text({"token": live.token if isinstance(doc, dict) else doc,
                                           "public_key": doc, "name": doc}), sign=False)


QUERIES = ["wait=abc", "wait=-1", "wait=nan", "wait=-inf", "after=" + "9" * 5000 + "&wait=0", "after=x",
           "after=-1&wait=0", "wait=", "menu_etag=%00&settings_etag=" + "x" * 2000]
GET_ROUTES = ["/v1/devices/me", "/v1/devices/me/menu", "/v1/devices/me/settings", "/v1/devices/me/code-keys",
              "/v1/devices/me/commands", "/v1/payment-attempts/" + new_id(), "/v1/health"]


def test_signed_gets_with_garbage_queries_and_headers_are_never_a_5xx(live):
    for path in GET_ROUTES:
        for query in QUERIES:
            if path.endswith("/commands") and "wait=" not in query:
                query += "&wait=0"
            live.send("GET", f"{path}?{query}", None, sign=True, headers={"If-None-Match": '"' + "x" * 300})
    for stamp in ["\u00b2", "-1", "1" * 17, "1 1", "٣"]:  # a superscript or Arabic-Indic digit is not a time
        live.send("POST", "/v1/ingest", b"{}", sign=False, headers={
            "X-Matou-Device": live.device_id, "X-Matou-Time": stamp.encode("utf-8").decode("latin-1"),
            "X-Matou-Signature": "AAAA"})
    live.check_rss()


def _raw(port: int, head: bytes, chunks=()) -> int:
    """Send a request by hand (lying or chunked framing) and return the answer's status; stops
    sending as soon as the server answered (it must answer before the stream ends)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
            else:
                sock.sendall(b"0\r\n\r\n" if chunks else b"")
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return int(answer.split(b" ", 2)[1])


def _head(live, method: str, path: str, signed: bool, framing: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{live.port}", "Content-Type: application/json"]
    if signed:
        lines += [f"{k}: {v}" for k, v in sign_headers(live.key, live.device_id, method, path, b"",
                                                         time.time_ns() // 1_000_000).items()]
    return "\r\n".join(lines).encode() + b"\r\n" + framing + b"\r\n"


def test_oversized_and_chunked_streams_are_refused_and_memory_stays_bounded(live):
    chunk = b"[" * 65536
    for method, path, needs_signature in BODY_ROUTES:
        path = path.format(id=new_id())
        # up to 64 MiB chunked (no Content-Length): refused while it streams, never held whole
        frames = (b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(1024))
        status = _raw(live.port, _head(live, method, path, needs_signature, b"Transfer-Encoding: chunked\r\n"),
                      frames)
        assert status == 413, (method, path, status)
        # a Content-Length far over the limit is refused before any byte of the body is read (413 by
        # read_body; one past 64 bits is already a 400 of the HTTP layer)
        for declared, expected in ((b"999999999999", 413), (b"99999999999999999999999999", (400, 413))):
            status = _raw(live.port, _head(live, method, path, needs_signature, b"Content-Length: " + declared
                                           + b"\r\n"))
            assert status in (expected if isinstance(expected, tuple) else (expected,)), (method, path, declared,
                                                                                          status)
        # a Content-Length that is not a number: refused (by the HTTP layer or by read_body)
        for declared in (b"1e3", "\u00b2".encode("latin-1"), b"-1"):
            status = _raw(live.port, _head(live, method, path, needs_signature, b"Content-Length: " + declared
                                           + b"\r\n"))
            assert 400 <= status < 500, (method, path, declared, status)
    live.check_rss()
