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

In-app payments (a phone pays a bill on the provider's page, inapp.py) run on the same states:
paying (prepay) ─▶ querying (pay_url, waiting for the customer) ─▶ succeeded by the provider's
notify (inapp_notify.py) or a query, or at the deadline queried once more and closed; the settle
callbacks run once per success (inapp_settle.py).

Modules: states (names), config (timings, providers, routes), store (SQL), engine (the state
machine and the reconciler), api (the HTTP routes), providers/ (Alipay and WeChat Pay adapters on
their SDKs), sandbox/ (HTTP servers speaking the providers' wire formats, playing scenarios).
"""
