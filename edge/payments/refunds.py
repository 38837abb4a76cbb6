"""Refunds of code payments (Alipay / WeChat / UnionPay), authorised by the upstream gateway.

    refund_code_payment(ledger, at, order_id, amount, reason, staff, manager)

The cashier desk is given it by the core's wiring (edge/core/service.py) and calls it for an order
paid by payment code, after the manager's PIN. Steps:

1. one transaction: a `refunds` row in state `pending` (its id is the refund_id), which also
   reserves the amount, so an over-refund is refused here before the network;
2. the signed `POST /v1/payment-attempts/{attempt}/refunds {refund_id, amount, reason}`;
3. one transaction with the answer: `succeeded` → the refund is done (order status, event
   `cashier.refund`, who did it); `failed` or refused → the row is `failed`, nothing refunded;
   no answer / `unknown` → it stays `pending`: the next refund of the same amount of the order
   repeats the same refund_id (the gateway is idempotent on it), never a second refund.
"""

from __future__ import annotations

from edge.cashier.order_actions import ActionRefused, begin_code_refund, finish_code_refund
from edge.ledger.steps import Ledger
from edge.payments.gateway_client import GatewayError, enrolled_gateway

OFFLINE = "no network: code-payment refunds need the upstream"
_KEYS: dict = {}


def refund_code_payment(ledger: Ledger, at, order_id: str, amount: object, reason: str, staff, manager) -> dict:
    """Refund `amount` fen of a code-paid order through the gateway; raises ActionRefused unless done."""
    client = enrolled_gateway(ledger, _KEYS)
    if client is None:
        raise ActionRefused(409, "offline", f"{OFFLINE} (this device is not enrolled)")
    with ledger.reading() as db:
        pending = begin_code_refund(db, at, order_id, amount, reason, staff, manager)

    def finish(state: str, detail: str | None) -> dict:
        with ledger.reading() as db:
            return finish_code_refund(db, at, pending["refund_id"], state, detail, staff, manager,
                                      pending["attempt_id"])

    try:
        answer = client.refund(pending["attempt_id"], pending["refund_id"], pending["amount"], pending["reason"])
    except GatewayError as exc:
        if exc.not_sent and not pending["reused"]:
            finish("failed", "offline: never sent")
            raise ActionRefused(409, "offline", OFFLINE) from None
        if exc.refused or exc.code in ("no_gateway", "no_provider"):
            finish("failed", str(exc))
            raise ActionRefused(409, exc.code or "refund_refused", f"the payment gateway refused the refund: {exc}",
                                refund_id=pending["refund_id"]) from None
        finish("pending", str(exc))
        raise ActionRefused(409, "refund_unknown", f"the payment gateway did not answer ({exc}): the refund is "
                            "pending — refund the same amount again to complete it (it is never done twice)",
                            refund_id=pending["refund_id"]) from None
    finally:
        client.close()
    state = answer.get("state")
    result = finish(state if state in ("succeeded", "failed") else "pending",
                    f"gateway: {state} {answer.get('detail') or ''}".strip())
    if result["state"] == "failed":
        raise ActionRefused(409, "refund_failed", f"the payment provider refused the refund "
                            f"({answer.get('detail') or 'failed'}): nothing was refunded",
                            refund_id=result["refund_id"])
    if result["state"] == "pending":
        raise ActionRefused(409, "refund_unknown", "the payment provider has not confirmed the refund yet: it is "
                            "pending — refund the same amount again to complete it (it is never done twice)",
                            refund_id=result["refund_id"])
    return result
