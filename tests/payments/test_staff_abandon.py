"""Giving up a code payment (POST /v1/payments/{id}/abandon) over real HTTP, against a real
gateway and sandbox providers: the customer at the kiosk (no staff session) may cancel an attempt
that is still waiting for them (their password) — nothing can have been taken that the gateway's
cancel does not give back; anything else (an attempt whose outcome is unknown, any other reason,
a session that does not exist) is the cashier's decision: refused with 401 and nothing changes,
and done with a staff session it is recorded with their id."""

from __future__ import annotations

import pytest
import requests

from edge.codes import classify
from edge.payments import store
from tests.payments.helpers import check_invariants, place, scenario_code, settle_all, staff_login
from tests.support import wait_for


@pytest.fixture
def world(slow_password_world):  # noqa: F811
    return slow_password_world


def waiting_for_password(device) -> dict:
    order = place(device)
    view, _ = device.payments.pay(order["id"], classify(scenario_code("alipay", "password_then_timeout")))
    assert view["state"] == "pending" and view["detail"] == "user_paying" and not view["unresolved"]
    return view


def abandon(core, attempt_id: str, reason: str = "customer_cancelled", headers: dict | None = None):
    return requests.post(f"{core.url}/v1/payments/{attempt_id}/abandon", json={"reason": reason}, headers=headers,
                         timeout=30)


def row(device, attempt_id: str) -> dict:
    with device.ledger.reading():
        return store.get(device.db, attempt_id)


def audit(device) -> list[tuple]:
    with device.ledger.reading():
        return device.db.execute("SELECT action, staff_id, target FROM staff_actions ORDER BY id").fetchall()


def test_the_customer_cancels_while_entering_the_password(world, sandboxes):
    up, device, core = world
    view = waiting_for_password(device)
    gone = abandon(core, view["attempt_id"])  # the kiosk's 取消支付: no staff session
    assert gone.status_code == 200, gone.text
    assert gone.json()["state"] in ("abandoning", "closing", "closed")
    done = wait_for(lambda: (v := device.payments.view(view["attempt_id"]))["final"] and v, 10, what="closed")
    assert done["state"] == "closed" and not done["paid"]
    assert audit(device) == [], "the customer is no staff member"
    settle_all(device, up.db)
    check_invariants(device, up.db, sandboxes.ledger)


def test_without_a_session_only_the_customers_own_cancel(world):
    up, device, core = world
    view = waiting_for_password(device)
    before = row(device, view["attempt_id"])
    for reason, headers in (("cash", None), ("customer_cancelled", {"X-Staff-Session": "forged"})):
        refused = abandon(core, view["attempt_id"], reason, headers)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "no_session", refused.text
    after = row(device, view["attempt_id"])
    assert (after["state"], after["abandon_reason"]) == (before["state"], None) == ("pending", None)
    assert audit(device) == []


def test_an_attempt_whose_outcome_is_unknown_is_the_cashiers_decision(world):
    up, device, core = world
    view = waiting_for_password(device)
    up.server.stop()  # the device loses the gateway: it cannot know whether the customer paid
    wait_for(lambda: device.payments.view(view["attempt_id"])["unresolved"], 20, what="unresolved")
    refused = abandon(core, view["attempt_id"])
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "no_session"
    assert "cashier" in refused.json()["error"]["message"]
    assert (row(device, view["attempt_id"])["state"], row(device, view["attempt_id"])["abandon_reason"]) == \
        ("pending", None)
    assert audit(device) == [], "nothing changed"
    staff = staff_login(device, core.url)
    given_up = abandon(core, view["attempt_id"], headers=staff)
    assert given_up.status_code == 200, given_up.text
    assert row(device, view["attempt_id"])["state"] == "abandoning"  # returned by the gateway once it is back
    assert audit(device) == [("abandon", "c1", view["order_id"])]
