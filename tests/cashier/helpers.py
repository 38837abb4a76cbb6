"""Cashier test helpers: a core with store s1's code key and two staff members, signed codes."""

from __future__ import annotations

import uuid
from functools import cache

import requests

from edge.codes import make_signed_code
from edge.core.server import BackgroundCore
from edge.core.service import EdgeService
from edge.orders import new_id
from edge.protocol.pins import hash_pin
from edge.tables import b64url
from tests.conftest import make_config

STORE, KID = "s1", "k1"
KEY = bytes(range(32))
OTHER_KEY = bytes(range(100, 132))
CASHIER = ("c1", "王收银", "cashier", "1234")
MANAGER = ("m1", "李经理", "manager", "928374")  # refund-capable: 6-12 digits
FAR = 4_000_000_000  # expiry far in the future (Unix s)


@cache
def pin_hash(pin: str) -> str:
    return hash_pin(pin, salt=b"0123456789abcdef")  # one scrypt per PIN and test run


def seed(service: EdgeService, code_key: bool = True, staff=(CASHIER, MANAGER)) -> None:
    with service.ledger.reading():
        db = service.db
        if code_key:
            db["code_keys"].insert({"kid": KID, "store_id": STORE, "key": b64url(KEY), "active": 1}, replace=True)
        for staff_id, name, role, pin in staff:
            db["staff_pins"].insert({"staff_id": staff_id, "name": name, "role": role, "pin_hash": pin_hash(pin)},
                                    replace=True)


def open_service(data_dir, printers: dict[str, int] | None = None, start: bool = True, extra: str = "",
                 prefix: str = "A") -> EdgeService:
    service = EdgeService(make_config(data_dir, printers, extra=extra, prefix=prefix)).open(start_printing=start)
    seed(service)
    return service


def voucher(voucher_id: str | None = None, value: int = 2000, expires: int = FAR, store: str = STORE,
            key: bytes = KEY, kid: str = KID) -> str:
    return make_signed_code("voucher", {"s": store, "id": voucher_id or uuid.uuid4().hex[:10].upper(), "v": value,
                                        "x": expires}, kid, key)


def pickup(order_id: str, ticket_no: str, store: str = STORE, key: bytes = KEY) -> str:
    return make_signed_code("pickup", {"s": store, "o": order_id, "n": ticket_no}, KID, key)


def place(service: EdgeService, lines=(("har_gow", 2),), table: str | None = "12", token: str | None = None) -> dict:
    doc = {"client_token": token or f"t-{new_id()}", "lines": [{"item_id": i, "qty": q} for i, q in lines]}
    if table:
        doc["table"] = table
    return service.place_order(doc)[0]


class Api:
    """The core's HTTP API with a staff session (requests, 127.0.0.1 only)."""

    def __init__(self, url: str):
        self.url, self.session = url, None

    def call(self, method: str, path: str, body: dict | None = None, session: str | None = None, **params):
        headers = {"X-Staff-Session": session or self.session} if (session or self.session) else {}
        sent = {} if body is None and method != "GET" else body  # the core takes only JSON on a POST
        return requests.request(method, self.url + path, json=sent, headers=headers, params=params or None,
                                timeout=30)

    def login(self, who=CASHIER) -> str:
        answer = self.call("POST", "/v1/cashier/login", {"staff_id": who[0], "pin": who[3]})
        assert answer.status_code == 200, answer.text
        self.session = answer.json()["session"]
        return self.session


class Served:
    def __init__(self, service: EdgeService):
        self.service = service
        self.server = BackgroundCore(service).start()
        self.url = self.server.url
        self.api = Api(self.url)

    def close(self) -> None:
        self.server.stop()
        self.service.close()

