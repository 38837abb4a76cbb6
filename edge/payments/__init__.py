"""The device side of "pay by showing a payment code" (DESIGN §7, docs/payments.md).

An attempt (attempt_id, out_trade_no, amount, channel — never the code) is committed before the
signed `PUT /v1/payment-attempts/{id}` to the upstream gateway carries the code; the core then
follows the attempt until it is final. One open attempt per order; after a restart, attempts are
resumed by querying (never paid again); an attempt whose request may not have arrived is
abandoned, which leaves a tombstone upstream so a late request cannot charge. A success settles
the order in one transaction: status paid, the kitchen tickets (pay-first stores) and an
`order.paid` event.

Modules: store (the attempt rows), settle (paying an order), client (signed gateway requests),
manager (the flow, its threads), refunds (refunds of code payments through the gateway), messages
(reasons in plain words), cli (`edge pay`, `edge payments ...`). The crash points for the chaos
tests are edge/protocol/failpoints.py (the gateway upstream has them too).
"""
