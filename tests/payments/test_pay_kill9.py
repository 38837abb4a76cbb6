"""kill -9 of the real `edge core` and `edge-upstream serve` processes at each crash point
(SIGKILL from the failpoint itself, at exactly that place), then restart: invariants hold.
And a run of payments while both processes are killed at random moments."""

from __future__ import annotations

import random
import time

import pytest
import requests

from tests.payments.helpers import FAST, check_invariants, scenario_code, settle_all
from tests.payments.procs import Stack
from upstream.gateway.sandbox import SandboxTimings, start_sandboxes

pytestmark = [pytest.mark.chaos, pytest.mark.serial]
TIMINGS = {**FAST, "deadline_s": {"alipay": 1.0, "wechat": 1.0, "unionpay": 1.0}, "lease_s": 1.0}
CASES = [("gw.before_pay", "instant_success"), ("gw.after_pay", "instant_success"),
         ("gw.polling", "password_then_success"), ("gw.cancel", "password_then_timeout"),
         ("core.before_put", "instant_success"), ("core.after_put", "system_error_but_charged"),
         ("core.polling", "password_then_success"), ("core.cancel", "password_then_timeout")]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    sandboxes = start_sandboxes(SandboxTimings(password_s=0.3, outage_s=0.5, reverse_after_s=0.4))
    s = Stack(tmp_path_factory.mktemp("kill9"), sandboxes, TIMINGS)
    yield s
    s.close()
    sandboxes.stop()


def order(stack, n) -> dict:
    answer = requests.post(f"{stack.url}/v1/orders",
                           json={"client_token": f"k9-{n}-{time.time_ns()}", "payment": "code",
                                 "lines": [{"item_id": "har_gow", "qty": 1}]}, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()


def pay(stack, order_id, code) -> dict | None:
    try:
        answer = requests.post(f"{stack.url}/v1/orders/{order_id}/payments", json={"code": code}, timeout=10)
    except requests.RequestException:
        return None  # the core died under the request
    return answer.json()


def restart_dead(stack) -> None:
    for proc in (stack.upstream, stack.core):
        if not proc.alive():
            proc.start()


@pytest.mark.parametrize("point,scenario", CASES)
def test_kill9_at_crash_point(stack, point, scenario):
    target = stack.upstream if point.startswith("gw.") else stack.core
    o = order(stack, point)
    stack.arm(point)
    channel = random.Random(point).choice(["alipay", "wechat", "unionpay"])
    view = pay(stack, o["id"], scenario_code(channel, scenario))
    if point == "core.cancel" and view and "attempt_id" in view:
        try:
            requests.post(f"{stack.url}/v1/payments/{view['attempt_id']}/abandon", json={}, timeout=10)
        except requests.RequestException:
            pass
    assert target.wait_dead(10) == -9, f"{target.name} must die by SIGKILL at {point}"
    restart_dead(stack)
    settle_all(stack.device_view(), stack.up_db, timeout=20)
    check_invariants(stack.device_view(), stack.up_db, stack.sandboxes.ledger)


def test_kill9_at_random_moments(stack):
    rng = random.Random(6)
    scenarios = ["instant_success", "password_then_success", "password_then_timeout", "system_error_but_charged",
                 "insufficient_funds", "network_loss"]
    kills = 0
    for n in range(10):
        o = order(stack, f"r{n}")
        code = scenario_code(rng.choice(["alipay", "wechat", "unionpay"]), rng.choice(scenarios))
        victim = rng.choice([stack.core, stack.upstream])
        import threading

        timer = threading.Timer(rng.uniform(0.0, 0.6), victim.kill)
        timer.start()
        pay(stack, o["id"], code)
        timer.join()
        kills += not victim.alive()
        restart_dead(stack)
    settle_all(stack.device_view(), stack.up_db, timeout=30)
    check_invariants(stack.device_view(), stack.up_db, stack.sandboxes.ledger)
    assert kills >= 5
