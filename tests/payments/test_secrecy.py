"""A payment code is never written anywhere: run payments with distinctive codes through real
processes (core with DEBUG logging, upstream, gateway) and through an upstream on PostgreSQL,
then search every byte of every file written (databases, -wal and -shm, logs, keys, configs,
the PostgreSQL data directory) for every code: 0 hits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from edge.codes import classify
from tests.payments.helpers import (FAST, MADE_CODES, check_invariants, device_config, enroll_device, open_device,
                                    place, scenario_code, settle_all, start_upstream)
from tests.payments.procs import Stack
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes

SCENARIOS = ["instant_success", "password_then_success", "password_then_timeout", "insufficient_funds",
             "system_error_but_charged", "network_loss", "code_expired"]


def hits(root: Path, codes: list[str]) -> list[tuple[str, str]]:
    found = []
    needles = [c.encode() for c in codes]
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [(str(path), n.decode()[:4] + "…") for n in needles if n in data]
    return found


@pytest.mark.chaos
@pytest.mark.serial
def test_no_code_in_any_file_of_real_processes(tmp_path):
    sandboxes = start_sandboxes(SandboxTimings(password_s=0.3, outage_s=0.5, reverse_after_s=0.4))
    stack = Stack(tmp_path, sandboxes, {**FAST, "deadline_s": {"alipay": 1.0, "wechat": 1.0, "unionpay": 1.0}})
    codes = []
    try:
        for n, scenario in enumerate(SCENARIOS):
            for channel in ("alipay", "wechat", "unionpay"):
                order = requests.post(f"{stack.url}/v1/orders", json={
                    "client_token": f"s-{n}-{channel}", "payment": "code",
                    "lines": [{"item_id": "har_gow", "qty": 1}]}, timeout=5).json()
                code = scenario_code(channel, scenario)
                codes.append(code)
                if n % 2:  # as a wedge scanner at the kiosk: the core holds it, the UI says "from_scan"
                    requests.post(f"{stack.url}/v1/scans", json={"text": code}, timeout=5)
                    time.sleep(0.15)
                    body = {"from_scan": True}
                else:
                    body = {"code": code}
                answer = requests.post(f"{stack.url}/v1/orders/{order['id']}/payments", json=body, timeout=10)
                assert answer.status_code in (200, 201), answer.text
                assert code not in answer.text
        stack.core.kill()
        stack.upstream.kill()  # kill -9 both: -wal files stay as they are
        assert hits(tmp_path, codes) == []
        stack.core.start()
        stack.upstream.start()
        settle_all(stack.device_view(), stack.up_db, timeout=30)
        check_invariants(stack.device_view(), stack.up_db, sandboxes.ledger)
        events = requests.get(f"{stack.url}/v1/payments?limit=100", timeout=5).text
        assert not [c for c in codes if c in events]
        assert hits(tmp_path, codes) == []
    finally:
        stack.close()
        sandboxes.stop()
    assert hits(tmp_path, codes + MADE_CODES) == []
    (tmp_path / "control.bin").write_bytes(b"x" + codes[0].encode() + b"y")  # the search does find a code
    assert len(hits(tmp_path, codes)) == 1


def test_no_code_in_postgresql_files_or_logs(tmp_path, pg_cluster, caplog):
    import logging

    from upstream.schema import open_database

    caplog.set_level(logging.DEBUG)
    log_file = tmp_path / "debug.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    sandboxes = start_sandboxes(SandboxTimings(password_s=0.3, outage_s=0.5, reverse_after_s=0.4))
    db = open_database(pg_cluster.schema_url("secrecy"))
    up = start_upstream(db, sandboxes)
    config = device_config(tmp_path / "dev")
    enroll_device(config, db, up.url)
    service = open_device(config)
    codes = []
    try:
        for scenario in SCENARIOS:
            order = place(service)
            code = scenario_code("wechat", scenario)
            codes.append(code)
            service.payments.pay(order["id"], classify(code))
        settle_all(service, db, timeout=20)
        check_invariants(service, db, sandboxes.ledger)
        db.execute("CHECKPOINT")
        assert hits(Path(pg_cluster.root), codes) == []
        db.execute("CREATE TABLE control (t TEXT)")  # the search reaches PostgreSQL's files
        db.execute("INSERT INTO control VALUES (?)", [codes[-1]])
        db.execute("CHECKPOINT")
        assert hits(Path(pg_cluster.root), codes[-1:])
        db.execute("DROP TABLE control")
    finally:
        service.close()
        up.server.stop()
        up.gateway.stop()
        sandboxes.stop()
        db.close()
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert log_file.stat().st_size > 0
    assert not [r for r in caplog.records if any(c in r.getMessage() for c in codes)]
    assert hits(tmp_path, codes) == []
