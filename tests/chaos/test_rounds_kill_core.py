"""kill -9 of the core while phones send rounds: every round printed exactly once, in order, with
only its own lines, and 已下厨 on the phones.

A real `edge-upstream serve`, a real `edge core` (the store's cashier device, three printer-sims
over TCP) and phones at three tables. While the phones keep sending rounds, the core is killed at
random moments (placing, printing, acknowledging, telling upstream it printed) and started again.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.tables.stack import Restarts, Store, printed_once, reprinted_jobs, send_rounds

pytestmark = [pytest.mark.chaos, pytest.mark.serial]
TABLES = ("3", "12", "21")


def test_kill_9_of_the_core_during_rounds_prints_each_round_once(tmp_path):
    store = Store(tmp_path)
    try:
        restarts = Restarts(store.core, random.Random(20261204), times=5, pause=(0.3, 1.5)).start()
        sent = send_rounds(store, TABLES, random.Random(4), restarts.done, least=15)
        assert restarts.kills >= 3, "the chaos test must actually kill the core"
        rounds = store.wait_all_printed(sent)
        time.sleep(1.0)  # a second copy of a ticket would arrive now
        printed_once(rounds, store.printers.snapshot(), copies_allowed=reprinted_jobs(store.config))
        for table in TABLES:
            seen = store.phone(table).state()["rounds"]
            assert seen and all(r["state"] == "printed" and r["ticket_no"] for r in seen), seen
    finally:
        store.close()
