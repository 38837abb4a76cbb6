"""A phone payment is refunded by the store's device through the gateway's merchant refunds
(`POST /v1/payment-attempts/{id}/refunds`, signed), like a code payment: partial refunds add up to
at most what was paid, a refund id repeats idempotently; another store's device cannot."""

from __future__ import annotations

import json

import pytest

from edge.orders import new_id
from tests.payments.inapp_world import press, world  # noqa: F401
from tests.sync.fixtures import raw_device, signed
from upstream.enroll import add_store


def refund(client, attempt_id: str, refund_id: str, amount: int):
    body = json.dumps({"refund_id": refund_id, "amount": amount, "reason": "菜没上"}).encode()
    return signed(client, "POST", f"/v1/payment-attempts/{attempt_id}/refunds", body)


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_the_store_device_refunds_a_phone_payment(world, channel):
    started = world.start("round-r", 5000, channel)
    press(started["pay_url"])
    attempt_id = started["attempt_id"]
    world.wait_settled(attempt_id)
    device = raw_device(world.up)
    first = refund(device, attempt_id, new_id(), 2000)
    assert first.status_code == 201 and first.json()["state"] == "succeeded", first.text
    assert world.sandboxes.ledger.charged(attempt_id) == 3000
    again_id = new_id()
    assert refund(device, attempt_id, again_id, 3000).json()["refunded_total"] == 5000
    assert refund(device, attempt_id, again_id, 3000).status_code == 200  # the same refund again: once
    over = refund(device, attempt_id, new_id(), 1)
    assert over.status_code == 409 and over.json()["error"]["code"] == "above_paid"
    assert world.sandboxes.ledger.charged(attempt_id) == 0
    add_store(world.db, "s2", "别家")
    stranger = raw_device(world.up, store="s2")
    assert refund(stranger, attempt_id, new_id(), 100).status_code == 404
