"""Payment test helpers: sandbox providers, an upstream with a gateway on loopback, enrolled devices."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from edge.config import parse_config
from edge.core.service import EdgeService
from edge.demo.setup import MENU_FILE
from edge.ledger.staff import Staff
from upstream.gateway.config import Timings
from tests.support import AppServer, wait_for
from upstream.gateway.engine import Gateway

STORE = "s1"
CASHIER = Staff("c1", "王收银", "cashier")  # who takes cash in the tests that call the manager directly
CASHIER_PIN = "1234"
FAST = dict(query_interval_s=0.1, deadline_s={"alipay": 1.2, "wechat": 1.2, "unionpay": 1.2},
            reverse_after_s={"wechat": 0.4}, cancel_retry_s=0.1, cancel_tries=3, reconcile_interval_s=0.3,
            reconcile_rounds=3, provider_connect_s=1.0, provider_timeout_s=2.0, lease_s=1.5, code_memory_s=60.0)
CHANNEL_PREFIX = {"alipay": ("28", 18), "wechat": ("13", 18), "unionpay": ("62", 19)}
SUFFIX = {"instant_success": "00", "password_then_success": "01", "password_then_timeout": "02",
          "insufficient_funds": "03", "system_error_but_charged": "04", "network_loss": "05", "code_expired": "06"}
_rng = random.Random(20261125)
MADE_CODES: list[str] = []  # every code a test made: the byte search looks for them all


def scenario_code(channel: str, scenario: str) -> str:
    """A distinctive code of the channel's shape that plays `scenario` (random middle digits)."""
    prefix, length = CHANNEL_PREFIX[channel]
    middle = "".join(_rng.choice("123456789") for _ in range(length - 4))
    code = prefix + middle + SUFFIX[scenario]
    MADE_CODES.append(code)
    return code


def fast_timings(**over) -> Timings:
    return Timings(**{**FAST, **over})


@dataclass
class Upstream:
    db: object
    gateway: Gateway
    server: AppServer

    @property
    def url(self) -> str:
        return self.server.url


def start_upstream(db, sandboxes, timings: Timings | None = None, failpoint=None, port: int = 0,
                   prepare: bool = True) -> Upstream:
    from upstream.app import create_app
    from upstream.enroll import add_store
    from upstream.store_settings import publish_menu_file

    if prepare:
        add_store(db, STORE, "测试茶楼")
        publish_menu_file(db, STORE, str(MENU_FILE))
    gateway = Gateway(db, sandboxes.config(timings or fast_timings()), failpoint=failpoint).start()
    server = AppServer(create_app(db, gateway), port).start()
    gateway.public_url = gateway.public_url or server.url  # where the sandboxes send in-app notifies
    return Upstream(db, gateway, server)


def device_config(data_dir: Path, mode: str = "pay_first", printers: dict | None = None):
    text = f'[device]\ndata_dir = "{data_dir}"\n[menu]\nfile = "{MENU_FILE}"\n[payments]\nmode = "{mode}"\n'
    for station, port in (printers or {}).items():
        text += f'[printers.{station}]\nurl = "tcp://127.0.0.1:{port}"\ntimeout = 2.0\n'
    return parse_config(text, "<test>", environ={})


def enroll_device(config, upstream_db, url: str) -> None:
    from edge.sync.enroll import enroll
    from tests.support.upstream_trust import trusting
    from upstream.enroll import make_token

    enroll(trusting(config, url, upstream_db), make_token(upstream_db, STORE, "kiosk", url)[0])


def open_device(config, failpoint=None, **manager) -> EdgeService:
    """An EdgeService without printing threads; the payment manager with short retries."""
    service = EdgeService(config).open(start_printing=False)
    service.payments = service.build_payments(failpoint=failpoint, **{"poll_wait": 2.0, "retry_s": (0.05, 0.3),
                                                                      **manager})
    return service


def place(service, n: int = 1, qty: int = 1, item: str = "har_gow") -> dict:
    view, _ = service.place_order({"client_token": f"pay-{n}-{time.monotonic_ns()}", "table": "12",
                                   "payment": "code", "lines": [{"item_id": item, "qty": qty}]})
    return view


@dataclass
class Crash:
    """An in-process crash point: raises Crashed at `point` (once), like kill -9 there."""

    point: str
    skip: int = 0  # let this many hits pass first
    fired: threading.Event = field(default_factory=threading.Event)

    def __call__(self, name: str) -> None:
        from edge.protocol.failpoints import Crashed

        if name == self.point and not self.fired.is_set():
            if self.skip > 0:
                self.skip -= 1
                return
            self.fired.set()
            raise Crashed(name)


def settle_all(service, upstream_db, timeout: float = 15.0) -> None:
    """Wait until every attempt is final on the device and at the gateway (or parked for a human)."""
    from edge.payments import store as device_store

    def done():
        with service.ledger.reading():
            open_rows = device_store.unfinished(service.db)
        gw = upstream_db.query("SELECT state FROM gateway_attempts WHERE state NOT IN"
                               " ('succeeded', 'failed', 'closed', 'refunded', 'abandoned', 'attention')")
        return not open_rows and not gw

    wait_for(done, timeout, interval=0.05, what="every attempt final")


def check_invariants(service, upstream_db, ledger) -> dict:
    """The payment invariants (issue 6), checked on the device DB, the gateway DB and the provider's books.
    Returns {order_id: net charged} for the caller's own assertions."""
    db = service.db
    with service.ledger.reading():
        orders = {r["id"]: dict(r) for r in db.query(
            "SELECT id, status, payment, total - (SELECT coalesce(sum(amount), 0) FROM order_voids v"
            " WHERE v.order_id = orders.id) AS due FROM orders")}
        attempts = [dict(r) for r in db.query("SELECT * FROM payment_attempts")]
        jobs = {r["order_id"]: r["n"] for r in db.query(
            "SELECT order_id, count(*) AS n FROM print_jobs WHERE kind != 'receipt' GROUP BY order_id")}
        events = [dict(r) for r in db.query("SELECT type, payload FROM outbox")]
    # at most one open attempt per order (device and gateway)
    open_by_order: dict = {}
    for a in attempts:
        if a["state"] in ("created", "pending", "abandoning"):
            open_by_order[a["order_id"]] = open_by_order.get(a["order_id"], 0) + 1
    assert all(n <= 1 for n in open_by_order.values()), open_by_order
    gw_open = upstream_db.query("SELECT store_id, open_order, count(*) AS n FROM gateway_attempts"
                                " WHERE open_order IS NOT NULL GROUP BY store_id, open_order")
    assert all(r["n"] == 1 for r in gw_open)
    # every attempt ends final or in the reconcile list
    gw_rows = {r["attempt_id"]: r for r in upstream_db.query("SELECT * FROM gateway_attempts")}
    for a in attempts:
        assert a["state"] in ("succeeded", "failed", "closed", "refunded", "abandoned") or (
            a["state"] == "closing" and gw_rows.get(a["attempt_id"], {}).get("state") == "attention"), a
    # money: a paid order has exactly one net charge, of what was due (total − voided); an unpaid or cash order none
    net: dict = {}
    for a in attempts:
        net[a["order_id"]] = net.get(a["order_id"], 0) + ledger.charged(a["out_trade_no"])
    for order_id, o in orders.items():
        charged = net.get(order_id, 0)
        if o["status"] == "paid" and o["payment"] in ("alipay", "wechat", "unionpay"):
            assert charged == o["due"], (o, charged)
            succeeded = [a for a in attempts if a["order_id"] == order_id and a["state"] == "succeeded"]
            assert len(succeeded) == 1, succeeded
            assert gw_rows[succeeded[0]["attempt_id"]]["state"] == "succeeded"
        else:
            assert charged == 0, (o, charged)
        # no kitchen ticket before the payment settles (pay-first)
        if service.config.payments.mode == "pay_first" and o["status"] != "paid":
            assert jobs.get(order_id, 0) == 0, o
    # the device and the gateway agree on every final attempt
    for a in attempts:
        g = gw_rows.get(a["attempt_id"])
        if a["state"] in ("succeeded", "failed", "closed", "refunded") and g is not None:
            assert g["state"] == a["state"], (a["state"], g["state"])
    for a in attempts:  # resumed by querying, never paid twice
        assert ledger.calls.count(("pay", a["out_trade_no"])) <= 1, a
    paid_events = [e for e in events if e["type"] == "order.paid"]
    assert len(paid_events) == sum(1 for o in orders.values() if o["status"] == "paid")
    return net


def staff_login(service, url: str, staff: Staff = CASHIER, pin: str = CASHIER_PIN) -> dict:
    """`staff` (PIN `pin`) on the device, logged in over the core's HTTP API at `url`: the headers
    of their session."""
    import requests

    from edge.protocol.pins import hash_pin

    with service.ledger.reading():
        service.db["staff_pins"].insert({"staff_id": staff.staff_id, "name": staff.name, "role": staff.role,
                                         "pin_hash": hash_pin(pin, salt=b"0123456789abcdef")}, replace=True)
    answer = requests.post(f"{url}/v1/cashier/login", json={"staff_id": staff.staff_id, "pin": pin}, timeout=30)
    assert answer.status_code == 200, answer.text
    return {"X-Staff-Session": answer.json()["session"]}
