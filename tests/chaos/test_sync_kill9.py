"""kill -9 of the sync worker mid-batch, including between the upstream commit and the local
ack: upstream holds each event exactly once and the device ends with 0 pending."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest

from edge.core.service import EdgeService
from edge.config import load_config
from edge.demo.setup import MENU_FILE
from edge.sync.enroll import enroll
from tests.support import kill9
from tests.support.upstream_trust import trusting
from tests.sync.faultproxy import FaultProxy
from tests.sync.fixtures import (enroll_code, order_doc, sqlite_upstream, sqlite_upstream_db,  # noqa: F401
                                 upstream_event_count)

pytestmark = [pytest.mark.chaos, pytest.mark.serial]
ORDERS = 300


def test_kill_9_mid_batch_and_between_commit_and_ack(tmp_path, sqlite_upstream):  # noqa: F811
    proxy = FaultProxy(sqlite_upstream.port, seed=3).start()
    config_file = tmp_path / "edge.toml"
    config_file.write_text(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[menu]\nfile = "{MENU_FILE}"\n',
                           encoding="utf-8")
    config = load_config(config_file)
    service = EdgeService(config).open(start_printing=False)
    for n in range(ORDERS):
        service.place_order(order_doc(n))
    service.close()
    enroll(trusting(config, proxy.url, sqlite_upstream.db), enroll_code(sqlite_upstream.db, proxy.url))
    # half of the answers are held back after upstream committed: the kill window
    proxy.set("hold_response", path="/v1/ingest", p=0.5, seconds=0.4)
    rng = random.Random(9)
    command = [sys.executable, "-m", "edge.sync.cli", "sync", "now", "--config", str(config_file), "--batch", "10",
               "--json"]
    kills = 0
    try:
        for _ in range(25):
            seen = len(proxy.requests("/v1/ingest"))
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            # kill once its batches flow (a busy machine may take seconds just to start it), at a
            # random moment of the answer held back: between upstream's commit and the local ack
            deadline = time.monotonic() + 60
            while len(proxy.requests("/v1/ingest")) == seen and process.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.6))
            if kill9(process):
                kills += 1
            process.wait()
            if kills >= 6:
                break
        proxy.set("pass")
        final = subprocess.run(command, capture_output=True, text=True, timeout=60)
        result = json.loads(final.stdout)
    finally:
        proxy.stop()
    assert kills >= 3, "the test must actually kill the worker"
    assert result["ok"] and result["pending"] == 0 and result["dead"] == 0, result
    assert upstream_event_count(sqlite_upstream.db) == (ORDERS, ORDERS)
    assert sqlite_upstream.db.scalar("SELECT count(*) FROM orders") == ORDERS
    log = proxy.requests("/v1/ingest")
    assert any(e["duplicates"] for e in log), "a batch committed upstream but not acked locally came back"
