"""kill -9 of the upstream while phones send rounds: every round printed exactly once, in order,
with only its own lines, and 已下厨 on the phones.

A real `edge-upstream serve` (on SQLite, and on PostgreSQL), killed at random moments (a round committed but
not answered, a command sent but its ack not stored, an `order.printed` stored but not answered)
and started again on the same database and port. The phones retry as the page does (the same
client token); the device's sync worker reconnects on its own.
"""

from __future__ import annotations

import random
import time
import uuid

import pytest

from tests.sync.fixtures import pg_cluster  # noqa: F401
from tests.tables.stack import Restarts, Store, printed_once, send_rounds

pytestmark = [pytest.mark.chaos, pytest.mark.serial]
TABLES = ("5", "8", "12")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("pg_cluster").schema_url(f"t_{uuid.uuid4().hex[:12]}")


def test_kill_9_of_the_upstream_during_rounds_prints_each_round_once(tmp_path, database):
    store = Store(tmp_path, database=database)
    try:
        restarts = Restarts(store.upstream, random.Random(1204), times=4, pause=(0.5, 2.0)).start()
        sent = send_rounds(store, TABLES, random.Random(8), restarts.done, least=12)
        assert restarts.kills >= 3, "the chaos test must actually kill the upstream"
        tokens = [t for table in TABLES for t in store.phone(table).tokens]
        rounds = store.wait_all_printed(sent, timeout=180)
        assert sorted(r["client_token"] for r in rounds) == sorted(tokens), "one round per phone submit"
        time.sleep(1.0)  # a second copy of a ticket would arrive now
        printed_once(rounds, store.printers.snapshot())
        for table in TABLES:
            seen = store.phone(table).state()["rounds"]
            assert seen and all(r["state"] == "printed" and r["ticket_no"] for r in seen), seen
    finally:
        store.close()
