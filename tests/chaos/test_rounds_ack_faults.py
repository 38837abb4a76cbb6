"""Lost and duplicated acknowledgements between the device and the upstream while phones send
rounds: every round printed exactly once, in order, with only its own lines, and 已下厨 on the
phones.

The device (a real `edge core`) reaches a real `edge-upstream serve` through a fault proxy on
127.0.0.1 that drops answers after the upstream committed (command acks, the commands' long
poll, ingest of `order.printed`) and sends requests twice (a retry whose first answer was lost).
"""

from __future__ import annotations

import random
import time

import pytest

from tests.support import wait_for
from tests.tables.stack import Store, printed_once, send_rounds

pytestmark = [pytest.mark.chaos, pytest.mark.serial]
TABLES = ("2", "12", "16")
ACK, POLL, INGEST = "/v1/devices/me/commands/ack", "/v1/devices/me/commands?", "/v1/ingest"


def test_lost_and_duplicated_acks_print_each_round_once(tmp_path):
    store = Store(tmp_path, proxied=True)
    try:
        proxy = store.proxy
        # the first few of each for sure, then at random
        proxy.set("drop_response", path=ACK, times=2)
        proxy.add("duplicate", path=ACK, times=2)
        proxy.add("drop_response", path=POLL, times=2)  # commands taken from the queue, the answer lost
        proxy.add("drop_response", path=INGEST, times=2)
        proxy.add("duplicate", path=INGEST, times=2)
        for path in (ACK, POLL, INGEST):
            proxy.add("drop_response", path=path, p=0.2)
            proxy.add("duplicate", path=path, p=0.3)
        sent = send_rounds(store, TABLES, random.Random(16), lambda: True, least=25,
                           pause=(0.2, 0.7))  # spread out: many polls, acks and ingests while rounds come
        rounds = store.wait_all_printed(sent, timeout=180)
        time.sleep(1.0)  # a second copy of a ticket would arrive now
        printed_once(rounds, store.printers.snapshot())
        for table in TABLES:
            seen = store.phone(table).state()["rounds"]
            assert seen and all(r["state"] == "printed" and r["ticket_no"] for r in seen), seen
        for path, fault in ((ACK, "drop_response"), (ACK, "duplicate"), (POLL, "drop_response"),
                            (INGEST, "drop_response"), (INGEST, "duplicate")):
            assert any(e["fault"] == fault for e in proxy.requests(path)), f"{fault} {path} must actually happen"
        assert any(e["duplicates"] for e in proxy.requests(INGEST)), "an order.printed came twice"
        printed_events = store.db.query("SELECT event_id FROM events WHERE type = 'order.printed'")
        assert len(printed_events) == len({e["event_id"] for e in printed_events}) == sent
        wait_for(lambda: store.db.scalar("SELECT count(*) FROM commands WHERE acked_ms IS NULL") == 0, timeout=120,
                 what="every command acked at last")
        assert store.db.scalar("SELECT count(*) FROM commands") == sent, "one command per round"
    finally:
        store.close()
