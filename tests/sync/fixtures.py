"""Shared fixtures for the sync, upstream and sync-chaos tests: an upstream on SQLite or on a
throwaway PostgreSQL cluster, enrolled devices running the real EdgeService + SyncWorker."""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass

import pytest

from edge.core.service import EdgeService
from edge.demo.setup import MENU_FILE
from edge.sync.backoff import Backoff
from edge.sync.enroll import enroll
from edge.sync.worker import SyncWorker
from tests.conftest import make_config
from tests.support.upstream_trust import trusting
from upstream.enroll import add_store, make_token
from upstream.schema import open_database
from upstream.server import BackgroundUpstream
from upstream.store_settings import publish_menu_file

ENGINES = ["sqlite", "postgresql"]
STORE = "s1"
_tokens = itertools.count(1)


_CLUSTER = []


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster per test process (each test gets its own schema)."""
    if not _CLUSTER:
        import atexit

        from upstream.pgtemp import TempCluster

        _CLUSTER.append(TempCluster().start())
        atexit.register(_CLUSTER[0].stop)
    return _CLUSTER[0]


def _database(request, tmp_path, engine):
    if engine == "sqlite":
        return open_database(str(tmp_path / "upstream.sqlite"))
    cluster = request.getfixturevalue("pg_cluster")
    return open_database(cluster.schema_url(f"t_{uuid.uuid4().hex[:12]}"))


@pytest.fixture(params=ENGINES)
def upstream_db(request, tmp_path):
    db = _database(request, tmp_path, request.param)
    yield db
    db.close()


@pytest.fixture
def sqlite_upstream_db(tmp_path):
    db = open_database(str(tmp_path / "upstream.sqlite"))
    yield db
    db.close()


def serve(db) -> BackgroundUpstream:
    add_store(db, STORE, "测试茶楼")
    publish_menu_file(db, STORE, str(MENU_FILE))
    return BackgroundUpstream(db).start()


@pytest.fixture
def upstream(upstream_db):
    server = serve(upstream_db)
    yield server
    server.stop()


@pytest.fixture
def sqlite_upstream(sqlite_upstream_db):
    server = serve(sqlite_upstream_db)
    yield server
    server.stop()


def enroll_code(db, url: str, store: str = STORE, role: str = "kiosk") -> str:
    return make_token(db, store, role, url)[0]


def order_doc(n: int, item: str = "har_gow", qty: int = 1) -> dict:
    return {"client_token": f"t-{n}-{uuid.uuid4().hex[:6]}", "table": "12",
            "lines": [{"item_id": item, "qty": qty}]}


@dataclass
class Device:
    config: object
    service: EdgeService
    worker: SyncWorker | None = None

    def place(self, n: int, **kw) -> dict:
        view, _ = self.service.place_order(order_doc(n, **kw))
        if self.worker:
            self.worker.wake()  # what EdgeService.place_order does once wired
        return view

    def attach(self, **kw) -> SyncWorker:
        kw.setdefault("backoff", Backoff(base_s=0.05, cap_s=0.5))
        kw.setdefault("long_poll_s", 1.0)
        kw.setdefault("read_timeout", 5.0)
        kw.setdefault("write_lock", self.service.ledger.write_lock)  # as the core wires it
        self.worker = SyncWorker(self.config, place_order=self.service.place_order,
                                 on_table_call=self.service.table_call,
                                 on_bill_paid=self.service.table_paid_on_phone,
                                 import_menu=self.service.import_menu, on_event=self.service.events.publish, **kw)
        return self.worker

    def close(self) -> None:
        if self.worker:
            self.worker.stop()
        self.service.close()


@pytest.fixture
def make_device(tmp_path):
    made = []

    def factory(url: str | None = None, db=None, printers: dict | None = None, name: str = "dev",
                start_printing: bool = False, role: str = "kiosk") -> Device:
        config = make_config(tmp_path / name, printers, prefix="A")
        service = EdgeService(config).open(start_printing=start_printing)
        device = Device(config, service)
        if url is not None:
            enroll(trusting(config, url, db), enroll_code(db, url, role=role))
        made.append(device)
        return device

    yield factory
    for device in made:
        device.close()


def upstream_event_count(db) -> tuple[int, int]:
    row = db.one("SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM events")
    return row["n"], row["d"]


# -- direct API helpers (signed requests without a device database) ----------------------------

def raw_device(server, store: str = STORE, role: str = "kiosk"):
    """Enroll a bare key pair; returns an UpstreamClient signing as that device."""
    import requests

    from edge.protocol.enroll_code import parse_enroll_code
    from edge.protocol.signing import generate_key, public_key_text
    from edge.sync.upstream_client import UpstreamClient

    key = generate_key()
    code = parse_enroll_code(enroll_code(server.db, server.url, store, role))
    answer = requests.post(server.url + "/v1/enroll", json={"token": code.token, "public_key": public_key_text(key),
                                                           "name": "test"}, timeout=5)
    assert answer.status_code == 201, answer.text
    return UpstreamClient(server.url, answer.json()["device_id"], key, read_timeout=10)


def signed(client, method: str, path: str, body: bytes = b"", sign_body: bytes | None = None,
           time_ms: int | None = None, headers: dict | None = None):
    """A signed request as a raw requests.Response (sign_body: sign other bytes than sent)."""
    import requests

    from edge.protocol.signing import sign_headers

    stamp = time_ms if time_ms is not None else time.time_ns() // 1_000_000
    h = {"Content-Type": "application/json", **sign_headers(client.key, client.device_id, method, path,
                                                             body if sign_body is None else sign_body, stamp)}
    h.update(headers or {})
    return requests.request(method, client.base_url + path, data=body, headers=h, timeout=10)


def order_payload(total: int = 2800, qty: int = 1, order_id: str | None = None) -> dict:
    from edge.orders import new_id

    unit = total // qty
    return {"order_id": order_id or new_id(), "ticket_no": "A001", "business_day": "2026-11-25",
            "service": "dine_in", "table": "12", "payment": "counter", "total": unit * qty,
            "lines": [{"item_id": "har_gow", "name_zh": "水晶虾饺皇", "name_en": "Shrimp dumplings",
                       "station_id": "dimsum", "qty": qty, "unit_price": unit, "total": unit * qty,
                       "options": [], "notes": []}],
            "notes": [], "menu_version": "demo-1", "print_jobs": []}


def make_event(seq: int, payload: dict | None = None, kind: str = "order.placed", wall_ms: int | None = None,
               event_id: str | None = None) -> dict:
    import hashlib

    from edge.orders import new_id
    from edge.protocol.canonical import canonical_json

    payload = order_payload() if payload is None else payload
    return {"event_id": event_id or new_id(), "device_seq": seq, "type": kind,
            "occurred": {"wall_ms": wall_ms or time.time_ns() // 1_000_000, "monotonic_ns": 123 + seq,
                         "boot_id": "boot-1", "clock_synced": True},
            "payload": payload, "payload_sha256": hashlib.sha256(canonical_json(payload).encode()).hexdigest()}


def batch(*events) -> bytes:
    import json

    return json.dumps({"events": list(events)}, ensure_ascii=False).encode()


@pytest.fixture
def printers():
    """Three printer simulators (dimsum, kitchen, bar) on free loopback ports."""
    from edge.printer_sim.simulator import PrinterSimulator

    sims = {name: PrinterSimulator(port=0, name=name) for name in ("dimsum", "kitchen", "bar")}
    for sim in sims.values():
        sim.start()
    yield sims
    for sim in sims.values():
        sim.stop()
