"""kill -9 of the real `edge-upstream serve` during phone payments (SIGKILL from the failpoint
itself): after the prepay (the attempt is committed, its pay_url is not), and after a notify's
success commits but before its settle callback. After a restart on the same database: the same
attempt, one charge, the pay-first round's prepaid command exactly once."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
import requests

from edge.demo.setup import MENU_FILE
from tests.payments.inapp_world import press
from tests.payments.procs import Proc
from tests.support import free_port, wait_for
from tests.sync.fixtures import raw_device
from tests.tables.helpers import add, commands, phone, state, submit
from upstream import table_sessions
from upstream.enroll import add_store
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes
from upstream.schema import open_database
from upstream.store_settings import publish_menu_file

pytestmark = [pytest.mark.chaos, pytest.mark.serial]
TIMINGS = {"query_interval_s": 0.2, "lease_s": 1.0, "inapp_expire_s": 120.0, "inapp_grace_s": 1.0,
           "inapp_query_interval_s": 0.5, "reconcile_interval_s": 0.3}


class Upstream:
    """`edge-upstream serve` with the sandboxes' gateway config and a failpoint file."""

    def __init__(self, root, sandboxes):
        self.port, self.root = free_port(), root
        self.path = root / "upstream.sqlite"
        self.db = open_database(str(self.path))
        add_store(self.db, "s1", "测试茶楼")
        publish_menu_file(self.db, "s1", str(MENU_FILE))
        table_sessions.set_table_settings(self.db, "s1", mode="pay_first")
        self.fp = root / "fp-upstream"
        self.fp.write_text("")
        self.env = {"EDGE_UPSTREAM_GATEWAY": str(sandboxes.write_config(root / "gateway", TIMINGS)),
                    "MATOU_FAILPOINT_FILE": str(self.fp), "EDGE_UPSTREAM_URL": ""}
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = Proc("upstream", ["upstream", "serve", "--database", str(self.path), "--port", str(self.port)],
                         self.env, self.root / "upstream.log", self.url + "/v1/health").start()

    def close(self) -> None:
        self.proc.kill()
        self.db.close()


@pytest.fixture
def world(tmp_path):
    sandboxes = start_sandboxes(SandboxTimings(notify_retry_s=(0.5, 1.0, 2.0, 4.0, 8.0, 16.0)))
    up = Upstream(tmp_path, sandboxes)
    device = raw_device(SimpleNamespace(db=up.db, url=up.url), role="cashier")
    yield up, sandboxes, device
    up.close()
    sandboxes.stop()


def pay_round(up, guest) -> requests.Response:
    return guest.post(f"{up.url}/v1/table/rounds/1/pay", json={"channel": "wechat"}, timeout=30)


def one_round(up):
    guest = phone(SimpleNamespace(db=up.db, url=up.url))
    add(guest, "har_gow", 2)
    assert submit(guest, uuid.uuid4().hex).status_code == 201
    return guest


def test_kill9_after_the_prepay_then_the_same_attempt_pays_once(world):
    up, sandboxes, device = world
    guest = one_round(up)
    up.fp.write_text("gw.after_prepay")
    with pytest.raises(requests.RequestException):
        pay_round(up, guest)  # the process dies inside this request
    assert up.proc.wait_dead() != 0
    (row,) = up.db.query("SELECT * FROM gateway_attempts")
    assert row["state"] == "paying" and row["pay_url"] is None
    up.start()
    again = pay_round(up, guest)
    assert again.status_code == 200, again.text
    assert again.json()["attempt_id"] == row["attempt_id"]
    press(again.json()["pay_url"])
    wait_for(lambda: len(commands(device)) == 1, 30, what="the round's prepaid command")
    assert commands(device)[0]["payload"]["prepaid"]["attempt_id"] == row["attempt_id"]
    assert sandboxes.ledger.charged(row["attempt_id"]) == 5600 and sandboxes.ledger.total_charged() == 5600


def test_kill9_between_the_notify_commit_and_the_callback_sends_the_round_once(world):
    up, sandboxes, device = world
    guest = one_round(up)
    started = pay_round(up, guest).json()
    up.fp.write_text("gw.after_notify")
    press(started["pay_url"])
    assert up.proc.wait_dead(30) != 0
    row = up.db.one("SELECT * FROM gateway_attempts WHERE attempt_id = ?", [started["attempt_id"]])
    assert row["state"] == "succeeded" and row["settled_ms"] is None
    assert up.db.scalar("SELECT count(*) FROM commands") == 0, "killed before the callback"
    up.start()
    wait_for(lambda: up.db.scalar("SELECT count(*) FROM commands") == 1, 30, what="the callback after the restart")
    wait_for(lambda: any(n["ok"] for n in sandboxes.ledger.notices), 60, what="the notify answered")
    assert up.db.scalar("SELECT count(*) FROM commands") == 1
    (sent,) = commands(device)
    assert sent["payload"]["payment"] == "prepaid" and state(guest)["rounds"][0]["state"] == "sent"
    assert sandboxes.ledger.charged(started["attempt_id"]) == 5600
