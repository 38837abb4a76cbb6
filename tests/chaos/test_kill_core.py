"""kill -9 of the core at random moments while orders are placed: nothing acknowledged is lost.

Every order the API acknowledged (201/200) must be in the database after restart; retrying a
token after a crash must never make a second order; device_seq stays gap-free.
"""

from __future__ import annotations

import random
import sqlite3

import pytest
import requests

from edge.demo.setup import MENU_FILE
from tests.support import CoreProcess, KillLoop, free_port

ORDERS = 200
pytestmark = [pytest.mark.chaos, pytest.mark.serial]


def test_kill_9_during_200_orders_loses_nothing(tmp_path):
    port = free_port()
    config_file = tmp_path / "edge.toml"
    config_file.write_text(f'[device]\ndata_dir = "{tmp_path / "data"}"\n[core]\nport = {port}\n'
                           f'[menu]\nfile = "{MENU_FILE}"\n', encoding="utf-8")
    log = open(tmp_path / "core.log", "ab")
    core = CoreProcess(config_file, port, log)
    core.start()
    rng = random.Random(20261125)
    acknowledged: dict[str, dict] = {}
    killer = KillLoop(core, rng, most=10, pause=(0.1, 0.6)).start()
    items = ["har_gow", "milk_tea", "beef_chow_fun", "siu_mai", "char_siu_rice"]
    try:
        for n in range(ORDERS):
            token = f"chaos-{n}"
            body = {"client_token": token, "lines": [{"item_id": rng.choice(items), "qty": rng.randint(1, 3)}]}
            while True:
                if not core.alive():
                    core.start()
                try:
                    answer = requests.post(f"http://127.0.0.1:{port}/v1/orders", json=body, timeout=5)
                except requests.RequestException:
                    continue  # the core died under us: retry the same token
                assert answer.status_code in (200, 201), answer.text
                acknowledged[token] = answer.json()
                break
    finally:
        killer.stop()
        core.kill()
    kills = killer.kills
    assert kills >= 3, "the chaos test must actually kill the core"

    core.start()  # restart once more: the database must open cleanly after the last kill
    try:
        assert requests.get(f"http://127.0.0.1:{port}/v1/status", timeout=5).json()["database"]["integrity"] == "ok"
    finally:
        core.kill()
    db = sqlite3.connect(tmp_path / "data" / "edge.sqlite")
    rows = dict(db.execute("SELECT client_token, id FROM orders").fetchall())
    assert len(rows) == ORDERS == len(acknowledged)
    for token, order in acknowledged.items():
        assert rows[token] == order["id"], f"acknowledged order {token} lost or replaced"
    seqs = [r[0] for r in db.execute("SELECT device_seq FROM outbox ORDER BY device_seq")]
    assert seqs == list(range(1, ORDERS + 1)), "device_seq must be gap-free, one order.placed per order"
    tickets = [r[0] for r in db.execute("SELECT day_seq FROM orders ORDER BY day_seq")]
    assert tickets == list(range(1, ORDERS + 1))
    lines = db.execute("SELECT count(*) FROM order_lines").fetchone()[0]
    assert lines == ORDERS
