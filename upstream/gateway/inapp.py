"""In-app payments: a customer's phone pays a bill on the payment provider's own page.

    start_inapp(db, store_id, bill_ref, amount, channel, subject, return_url)
        -> {"attempt_id", "pay_url", "state", "final", "paid", "amount", "channel", "expires_ms", ...}

The attempt is a gateway attempt of kind "inapp" (device_id "phone", order_id = bill_ref,
out_trade_no = attempt_id). It is committed `paying` with open_order = bill_ref before the
provider is asked (UNIQUE(store_id, open_order): at most one open attempt per bill), then
`querying` with the provider's pay_url until the provider's notify (inapp_notify.py) or a query
says paid; at its deadline (the provider order's time_expire + inapp_grace_s) it is queried once
more and closed, so the bill can be paid again. The same bill, channel and amount again answer
the same attempt; another channel or amount gives the open one up (closed at the provider; a
payment that still arrives on it is refunded) and starts a new one. When an attempt succeeds,
the settle callbacks run once (inapp_settle.py), and only then is the bill free for another
payment. UnionPay has no in-app flow here: 409 channel_not_inapp.
"""

from __future__ import annotations

import re
import weakref

from edge.orders import new_id
from upstream.errors import ApiError, now_ms
from upstream.gateway import inapp_settle, store
from upstream.gateway.providers import base
from upstream.gateway.states import CANCELLING, FAILED, FINAL, PAYING, QUERYING, REFUNDING, SUCCEEDED
from upstream.sql import Database

INAPP_CHANNELS = ("alipay", "wechat")
PHONE = "phone"  # the device_id of every in-app attempt
_BILL_REF = re.compile(r"[A-Za-z0-9:_.-]{1,64}")
_GATEWAYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Database -> its running Gateway


def attach(gateway) -> None:
    """Serve in-app payments of `gateway.db` with this gateway: its success and tick hooks settle
    attempts (once now, too: a crash between a success and its callbacks is caught at start)."""
    if getattr(gateway, "inapp_attached", False):
        return
    gateway.inapp_attached = True
    _GATEWAYS[gateway.db] = gateway
    db = gateway.db
    gateway.success_hooks.append(lambda attempt_id: inapp_settle.settle_one(db, attempt_id))
    gateway.tick_hooks.append(lambda: gateway._alive() or inapp_settle.settle_pending(db))
    inapp_settle.settle_pending(db)


def gateway_for(db: Database):
    gateway = _GATEWAYS.get(db)
    if gateway is None:
        raise ApiError(503, "no_gateway", "this upstream takes no phone payments (no payment gateway configured):"
                       " pay at the counter")
    return gateway


def view(row: dict) -> dict:
    """An in-app attempt as the phone's page and the rounds code see it."""
    return {"attempt_id": row["attempt_id"], "bill_ref": row["order_id"], "amount": row["amount"],
            "channel": row["channel"], "state": row["state"], "final": row["state"] in FINAL,
            "paid": row["state"] == SUCCEEDED, "pay_url": row["pay_url"], "reason": row["reason"],
            "expires_ms": row["expire_ms"], "provider_trade_no": row["provider_trade_no"],
            "settled": row["settled_ms"] is not None, "updated_ms": row["updated_ms"]}


def attempt(db: Database, attempt_id: str) -> dict | None:
    row = store.get(db, attempt_id)
    return view(row) if row is not None and row["kind"] == "inapp" else None


def latest(db: Database, store_id: str, bill_ref: str) -> dict | None:
    """The newest in-app attempt of a bill (None: never paid on a phone)."""
    row = db.one("SELECT * FROM gateway_attempts WHERE store_id = ? AND order_id = ? AND kind = 'inapp'"
                 " ORDER BY created_ms DESC, attempt_id DESC LIMIT 1", [store_id, bill_ref])
    return view(row) if row else None


def give_back(db: Database, attempt_id: str, reason: str) -> bool:
    """A succeeded in-app payment that must not be kept (what it paid for can no longer be had):
    refund it through the gateway's own refunding. False when it is not a kept success."""
    now = now_ms()
    with db.tx():
        row = store.lock(db, attempt_id)
        if row is None or row["kind"] != "inapp" or row["state"] != SUCCEEDED:
            return False
        store.update(db, attempt_id, {"state": REFUNDING, "abandoned": 1, "abandon_reason": reason, "reason": reason,
                                      "open_order": None, "tries": 0, "next_action_ms": now}, now)
        store.log(db, attempt_id, REFUNDING, "give_back", reason, "what it paid for can no longer be had", now)
    gateway = _GATEWAYS.get(db)
    if gateway is not None:
        gateway.ensure_runner(attempt_id)
    return True


def _check(bill_ref, amount, channel, subject, return_url) -> str:
    if not (isinstance(bill_ref, str) and _BILL_REF.fullmatch(bill_ref)):
        raise ApiError(422, "bad_request", "bill_ref must be 1-64 letters, digits or :_.-", "bill_ref")
    if not (type(amount) is int and 1 <= amount <= 100_000_000):
        raise ApiError(422, "bad_amount", "amount must be whole fen, 1 to 100000000", "amount")
    if channel == "unionpay":
        raise ApiError(409, "channel_not_inapp", "UnionPay cannot be paid on the phone here: pay with Alipay or"
                       " WeChat Pay, or at the counter", "channel")
    if channel not in INAPP_CHANNELS:
        raise ApiError(422, "bad_request", f"channel must be one of {', '.join(INAPP_CHANNELS)}", "channel")
    if not (isinstance(return_url, str) and return_url.startswith(("http://", "https://")) and len(return_url) <= 1000
            and return_url.isprintable() and " " not in return_url):
        raise ApiError(422, "bad_request", "return_url must be an http(s) URL", "return_url")
    text = subject if isinstance(subject, str) else ""
    return "".join(c for c in text if c.isprintable())[:64] or "Matou"


def start_inapp(db: Database, store_id: str, bill_ref: str, amount: int, channel: str, subject: str,
                return_url: str) -> dict:
    """Start (or find) the bill's in-app payment and ask the provider for its pay_url."""
    subject = _check(bill_ref, amount, channel, subject, return_url)
    gateway = gateway_for(db)
    provider_name = gateway.config.provider_for(channel)
    provider = gateway.providers.get(provider_name)
    if provider is None or not hasattr(provider, "prepay"):
        raise ApiError(503, "no_provider", f"no payment provider takes {channel} phone payments on this upstream")
    if not gateway.public_url:
        raise ApiError(503, "no_notify_url", "the gateway does not know its public URL ([inapp] public_url)")
    row, created, superseded = _open(gateway, store_id, bill_ref, amount, channel, provider_name, subject, return_url)
    if superseded:
        gateway.wake(superseded)
        gateway.ensure_runner(superseded)
    if row["pay_url"] is None and row["state"] in (PAYING, QUERYING):
        _prepay(gateway, provider, row, created)
        row = store.get(db, row["attempt_id"])
    gateway.ensure_runner(row["attempt_id"])
    if row["state"] == FAILED:
        raise ApiError(409, "payment_failed", f"the payment provider refused this payment ({row['reason']})",
                       attempt=view(row))
    if row["pay_url"] is None and row["state"] in (PAYING, QUERYING):
        raise ApiError(503, "provider_unavailable", "the payment provider did not answer: try again in a moment")
    return view(row)


def _open(gateway, store_id, bill_ref, amount, channel, provider_name, subject, return_url):
    """-> (row, created, superseded attempt id or None), in one transaction; retried once when
    another request opened the bill at the same moment (the UNIQUE key refused the second)."""
    db, t = gateway.db, gateway.t
    for tries in range(3):
        try:
            with db.tx():
                now = now_ms()
                existing = store.open_row(db, store_id, bill_ref)
                superseded = None
                if existing is not None:
                    if existing["kind"] != "inapp":
                        raise ApiError(409, "attempt_open", "a payment of this bill is open at the counter",
                                       attempt=existing["attempt_id"])
                    same = existing["channel"] == channel and existing["amount"] == amount
                    if same or existing["state"] not in (PAYING, QUERYING):
                        return existing, False, None  # the same payment, or one that is paid already
                    superseded = existing["attempt_id"]
                    store.update(db, superseded, {**gateway._cancelling_fields(existing, "cancelled", now),
                                                  "abandoned": 1, "abandon_reason": "cancelled"}, now)
                    store.log(db, superseded, CANCELLING, "superseded", None,
                              f"the bill is paid by {channel} {amount} instead", now)
                attempt_id = new_id()
                expire_ms = now + int(t.inapp_expire_s * 1000)
                store.insert(db, {
                    "attempt_id": attempt_id, "store_id": store_id, "device_id": PHONE, "order_id": bill_ref,
                    "out_trade_no": attempt_id, "amount": amount, "channel": channel, "provider": provider_name,
                    "request_sha256": store.fingerprint(bill_ref, attempt_id, amount, channel), "state": PAYING,
                    "open_order": bill_ref, "kind": "inapp", "subject": subject, "return_url": return_url,
                    "pay_started_ms": now, "expire_ms": expire_ms,
                    "deadline_ms": expire_ms + int(t.inapp_grace_s * 1000),
                    "lease_owner": gateway.owner, "lease_until_ms": now + int(t.lease_s * 1000),
                    "created_ms": now, "updated_ms": now})
                store.log(db, attempt_id, PAYING, "prepay", None, f"in-app {channel} via {provider_name}", now)
                with gateway._lock:
                    gateway._paying.add(attempt_id)  # no runner until the prepay is answered
            return store.get(db, attempt_id), True, superseded
        except ApiError:
            raise
        except Exception as exc:
            if not store.is_integrity_error(exc) or tries == 2:
                raise
    raise AssertionError("unreachable")


def _prepay(gateway, provider, row: dict, created: bool) -> None:
    """Ask the provider for the order's pay_url (the same arguments again: the same order) and
    apply the answer in a transaction that re-reads the row."""
    attempt_id = row["attempt_id"]
    try:
        outcome = provider.prepay(row["out_trade_no"], row["amount"], row["subject"] or "Matou",
                                  f"{gateway.public_url}/v1/pay-notify/{row['provider']}", row["return_url"],
                                  row["pay_started_ms"], row["expire_ms"])
        gateway._fp("gw.after_prepay")
        with gateway.db.tx():
            fresh = store.lock(gateway.db, attempt_id)
            now = now_ms()
            if fresh["state"] not in (PAYING, QUERYING) or fresh["pay_url"] is not None:
                store.log(gateway.db, attempt_id, fresh["state"], "prepay", outcome.kind, "late answer ignored", now)
                return
            fields: dict = {}
            if outcome.kind == base.PREPARED:
                fields = {"pay_url": outcome.pay_url, "detail": "user_paying"}
                if fresh["state"] == PAYING:
                    fields.update(state=QUERYING, next_action_ms=now + int(gateway.t.inapp_query_interval_s * 1000))
            elif outcome.kind == base.FAILED and fresh["state"] == PAYING:
                fields = {"state": FAILED, "reason": outcome.reason or "declined", "open_order": None}
            if fields:
                store.update(gateway.db, attempt_id, fields, now)
            store.log(gateway.db, attempt_id, fields.get("state", fresh["state"]), "prepay", outcome.kind,
                      outcome.note, now)
    finally:
        if created:
            with gateway._lock:
                gateway._paying.discard(attempt_id)
