"""The payment gateway: the upstream side of "pay by showing a payment code" (DESIGN §7).

The device persists an attempt and sends `PUT /v1/payment-attempts/{id}` with the payment code
(docs/payments.md). The gateway holds the merchant keys, runs the provider's flow and persists
each state before each provider call:

    paying ─┬─ success ────────────────────────────────▶ succeeded
            ├─ definite failure ───────────────────────▶ failed
            └─ user paying / unknown ─▶ querying (every ~5 s until the channel's deadline)
                 ├─ success ───────────────────────────▶ succeeded
                 └─ deadline / abandoned ─▶ cancelling (cancel / reverse; repeated while
                      retry_flag=Y / recall=Y)  ─▶ closed | refunded
                      └─ still unknown ─▶ reconcile (again later) ─▶ attention (a human)

A success that must not be kept (the device abandoned the attempt, e.g. the cashier took cash,
or the attempt was already being cancelled) goes to refunding ─▶ refunded.

Modules: states (names), config (timings, providers, routes), store (SQL), engine (the state
machine and the reconciler), api (the HTTP routes), providers/ (Alipay and WeChat Pay adapters on
their SDKs), sandbox/ (HTTP servers speaking the providers' wire formats, playing scenarios).
"""
