"""PIN lockout under a burst of concurrent guesses, as real HTTP requests to a core on 127.0.0.1.

An attacker who sends many guesses at once must not get more PINs checked than the lockout
allows (5), and the right PIN sent after the limit was reached must not log in: each guess is
counted before its PIN is looked at, and one guess at a time is checked per staff id / device.
The hash checks are counted by wrapping `edge.protocol.pins.verify_pin` in this process, where
the core runs (edge.core.server.BackgroundCore)."""

from __future__ import annotations

import sys
import threading

import pytest
import requests

from edge.ledger.staff import FREE_FAILURES, pin_state
from edge.protocol import pins
from tests.cashier.helpers import CASHIER, Served, open_service

BURST = 40
TECH_PIN = "305917"


class CountedChecks:
    """Wraps verify_pin wherever it is bound; `reached` is set when the limit's check starts."""

    def __init__(self, monkeypatch, limit: int = FREE_FAILURES):
        self.calls, self.limit = 0, limit
        self.reached = threading.Event()
        self._lock = threading.Lock()
        original = pins.verify_pin

        def counted(pin: str, stored: str) -> bool:
            with self._lock:
                self.calls += 1
                if self.calls >= self.limit:
                    self.reached.set()
            return original(pin, stored)

        for module in list(sys.modules.values()):
            if getattr(module, "verify_pin", None) is original:
                monkeypatch.setattr(module, "verify_pin", counted)


def burst(url: str, wrong: list[dict], right: dict, checks: CountedChecks) -> tuple[list[int], int]:
    """Send every wrong guess at once from threads; send the right one once the limit's check started."""
    gate = threading.Barrier(len(wrong))
    statuses: list[int] = []

    def guess(body: dict) -> None:
        gate.wait(timeout=30)
        statuses.append(requests.post(url, json=body, timeout=60).status_code)

    threads = [threading.Thread(target=guess, args=(body,)) for body in wrong]
    for thread in threads:
        thread.start()
    assert checks.reached.wait(30), "the burst never reached the limit"
    right_status = requests.post(url, json=right, timeout=60).status_code
    for thread in threads:
        thread.join(60)
    return statuses, right_status


@pytest.fixture
def core(tmp_path):
    served = Served(open_service(tmp_path / "core", start=False))
    yield served
    served.close()


def test_a_burst_of_cashier_guesses_checks_at_most_five_and_the_right_pin_then_fails(core, monkeypatch):
    checks = CountedChecks(monkeypatch)
    wrong = [{"staff_id": CASHIER[0], "pin": f"{n:04d}"} for n in range(5000, 5000 + BURST)]
    statuses, right = burst(core.url + "/v1/cashier/login", wrong,
                            {"staff_id": CASHIER[0], "pin": CASHIER[3]}, checks)
    assert checks.calls <= FREE_FAILURES, f"{checks.calls} PINs were checked against the hash"
    assert right in (423, 429), f"the right PIN sent after the limit got {right}"
    assert len(statuses) == BURST and set(statuses) <= {401, 423, 429}, statuses
    assert pin_state(core.service.db, CASHIER[0])["failures"] == FREE_FAILURES


def test_a_burst_of_technician_guesses_checks_at_most_five_and_the_right_pin_then_fails(core, monkeypatch):
    core.service.technician.auth.set_pin(TECH_PIN)  # from the device's own console
    checks = CountedChecks(monkeypatch)
    wrong = [{"pin": f"{n:06d}"} for n in range(400000, 400000 + BURST)]
    statuses, right = burst(core.url + "/v1/technician/login", wrong, {"pin": TECH_PIN}, checks)
    assert checks.calls <= FREE_FAILURES, f"{checks.calls} PINs were checked against the hash"
    assert right == 429, f"the right PIN sent after the limit got {right}"
    assert len(statuses) == BURST and set(statuses) <= {401, 429}, statuses
