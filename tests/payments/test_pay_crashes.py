"""Every scenario × crash point, in one process: a crash point raises `Crashed` (a BaseException)
where kill -9 would stop the process; the crashed object is dropped without another write and a
new one is opened on the same databases — what a restart after kill -9 sees, since every step is
its own committed transaction. tests/payments/test_pay_kill9.py does the same with real
processes and SIGKILL at each point. After each: every attempt final (or parked for a human),
one net charge per paid order, none otherwise, never a second pay call, no early kitchen ticket."""

from __future__ import annotations

import json
import itertools

import pytest

from edge.codes import classify
from edge.protocol.failpoints import Crashed
from tests.payments.helpers import (Crash, check_invariants, device_config, enroll_device, fast_timings, open_device,
                                    place, scenario_code, settle_all, start_upstream)
from tests.support import wait_for
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes
from upstream.schema import open_database

ALL = ["instant_success", "password_then_success", "password_then_timeout", "insufficient_funds",
       "system_error_but_charged", "network_loss", "code_expired"]
SLOW = ["password_then_success", "password_then_timeout", "system_error_but_charged", "network_loss"]
TIMINGS = dict(deadline_s={"alipay": 0.8, "wechat": 0.8, "unionpay": 0.8}, reverse_after_s={"wechat": 0.3},
               lease_s=0.6)
_channels = itertools.cycle(["alipay", "wechat", "unionpay"])

GATEWAY_CASES = ([(s, "gw.before_pay") for s in ALL] + [(s, "gw.after_pay") for s in ALL]
                 + [(s, "gw.polling") for s in SLOW] + [("password_then_timeout", "gw.cancel"),
                                                         ("cancel_during_password", "gw.cancel")])
CORE_CASES = ([(s, "core.before_put") for s in ALL] + [(s, "core.after_put") for s in ALL]
              + [(s, "core.polling") for s in SLOW]
              + [("cancel_during_password", "core.cancel"), ("cancel_during_password", "core.cancel+1")])


class World:
    def __init__(self, root):
        self.sandboxes = start_sandboxes(SandboxTimings(password_s=0.3, outage_s=0.5, reverse_after_s=0.3))
        self.db = open_database(str(root / "upstream.sqlite"))
        self.up = start_upstream(self.db, self.sandboxes, fast_timings(**TIMINGS))
        self.port = self.up.server.port
        self.config = device_config(root / "device")
        enroll_device(self.config, self.db, self.up.url)

    def restart_upstream(self):
        self.up.gateway.kill()
        self.up.server.stop(kill=True)
        self.up = start_upstream(self.db, self.sandboxes, fast_timings(**TIMINGS), port=self.port, prepare=False)

    def close(self):
        self.up.server.stop()
        self.up.gateway.stop()
        self.sandboxes.stop()
        self.db.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("crashes"))
    yield w
    w.close()


def start_payment(device, scenario):
    order = place(device)
    real = "password_then_timeout" if scenario == "cancel_during_password" else scenario
    code = classify(scenario_code(next(_channels), real))
    try:
        view, _ = device.payments.pay(order["id"], code)
    except Crashed:
        return order, None
    if scenario == "cancel_during_password" and view:
        try:
            device.payments.abandon(view["attempt_id"])
        except Crashed:
            pass
    return order, view


@pytest.mark.parametrize("scenario,point", GATEWAY_CASES)
def test_upstream_crash(world, scenario, point):
    crash = Crash(point)
    world.up.gateway.failpoint = crash
    device = open_device(world.config)
    try:
        start_payment(device, scenario)
        wait_for(crash.fired.is_set, 5, what=f"crash at {point}")
        world.restart_upstream()  # kill -9 of upstream, then it starts again
        device.payments.resume()
        settle_all(device, world.db)
        check_invariants(device, world.db, world.sandboxes.ledger)
    finally:
        device.close()


@pytest.mark.parametrize("scenario,point", CORE_CASES)
def test_core_crash(world, scenario, point):
    name, _, skip = point.partition("+")
    crash = Crash(name, skip=int(skip or 0))
    device = open_device(world.config, failpoint=crash)
    try:
        start_payment(device, scenario)
        wait_for(crash.fired.is_set, 5, what=f"crash at {point}")
    finally:
        device.payments.kill()  # kill -9 of the core
        device.close()
    device = open_device(world.config)
    try:
        device.payments.resume()
        settle_all(device, world.db)
        check_invariants(device, world.db, world.sandboxes.ledger)
    finally:
        device.close()


def test_refund_crash_is_repeated_with_the_same_refund_number(world):
    from edge.orders import new_id
    from tests.sync.fixtures import raw_device, signed

    from types import SimpleNamespace

    crash = Crash("gw.refund")
    world.up.gateway.failpoint = crash
    client = raw_device(SimpleNamespace(db=world.db, url=world.up.url))
    attempt = new_id()
    body = json.dumps({"order_id": new_id(), "out_trade_no": attempt, "amount": 990, "channel": "alipay",
                       "code": scenario_code("alipay", "instant_success")}).encode()
    assert signed(client, "PUT", f"/v1/payment-attempts/{attempt}", body).json()["state"] == "succeeded"
    assert world.sandboxes.ledger.charged(attempt) == 990
    gone = signed(client, "POST", f"/v1/payment-attempts/{attempt}/abandon", b'{"reason": "cash"}').json()
    assert gone["state"] == "refunding"
    wait_for(crash.fired.is_set, 5)
    world.restart_upstream()
    wait_for(lambda: signed(client, "GET", f"/v1/payment-attempts/{attempt}").json()["state"] == "refunded", 8)
    assert world.sandboxes.ledger.charged(attempt) == 0
