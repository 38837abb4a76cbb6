"""The gateway's state machine (see the package docstring), its runners and the reconciler.

Each attempt is driven by one runner thread at a time, holding a lease in the database (so
several upstream processes can share the work; a runner whose process died is replaced once its
lease runs out). Every state is committed before the provider call made from it, and the
answer is applied in a transaction that re-reads the row, so a crash between the two repeats an
idempotent call (query, cancel, refund with the same refund number); a pay is never repeated:
the code was only in memory, and a `paying` attempt found after a crash is queried.

In-app attempts (upstream/gateway/inapp.py: the customer pays on the provider's page) run on the
same machine: at their deadline they are queried once more, then closed (close, not cancel).
`success_hooks` run after an attempt's success is committed, `tick_hooks` on every reconciler
tick (the in-app settle sweep).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import socket
import threading
import time

from edge.codes import payment_kind
from edge.protocol import failpoints
from upstream import members
from upstream.errors import ApiError, now_ms
from upstream.gateway import store
from upstream.gateway.config import GatewayConfig
from upstream.gateway.providers import base, build_providers
from upstream.gateway.states import (ABANDONED, ATTENTION, CANCELLING, CHANNELS, CLOSED, FAILED, FINAL, PAYING,
                                     QUERYING, RECONCILE, REFUNDED, REFUNDING, RUNNING, SUCCEEDED)
from upstream.sql import Database

log = logging.getLogger(__name__)
ID_CHARS = set("abcdefghijklmnopqrstuvwxyz234567")
ABANDON_REASONS = {"customer_cancelled": "cancelled", "cancelled": "cancelled", "cash": "cash",
                   "unknown_delivery": "unknown_delivery", "order_paid": "duplicate"}


def payer_fields(row: dict, payer: base.Payer | None) -> dict:
    """The attempt's payer columns from a provider's answer. UnionPay names nobody reusable, so a
    UnionPay attempt keeps none whatever an acquirer's answer carries."""
    if payer is None or row.get("channel") == "unionpay":
        return {}
    return {"payer_id": payer.payer_id, "payer_app": payer.app_id, "payer_masked": payer.masked,
            "payer_subscribed": None if payer.subscribed is None else int(payer.subscribed)}


def _is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) == 26 and set(value) <= ID_CHARS


class CodeGuard:
    """Codes seen recently, as keyed hashes in memory only: a code is good for one attempt."""

    def __init__(self, ttl_s: float):
        self.ttl_s, self._key, self._seen, self._lock = ttl_s, secrets.token_bytes(32), {}, threading.Lock()

    def claim(self, code: str, attempt_id: str) -> str | None:
        """None when `attempt_id` may use the code, else the attempt that used it."""
        digest = hmac.new(self._key, code.encode(), hashlib.sha256).digest()
        now = time.monotonic()
        with self._lock:
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
            other = self._seen.get(digest)
            if other and other[0] != attempt_id:
                return other[0]
            self._seen[digest] = (attempt_id, now + self.ttl_s)
            return None


class Gateway:
    def __init__(self, db: Database, config: GatewayConfig, providers: dict | None = None, *,
                 failpoint=None, owner: str | None = None):
        self.db, self.config, self.t = db, config, config.timings
        self.providers = build_providers(config) if providers is None else providers
        self.owner = owner or f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"
        self.failpoint = failpoint or failpoints.hit
        self.dead = False
        self.sandboxes = None  # set when the gateway runs its own sandbox providers (demo)
        self._lock = threading.Lock()
        self._runners: dict[str, threading.Thread] = {}
        self._wakes: dict[str, threading.Event] = {}
        self._paying: set[str] = set()
        self._stopping = threading.Event()
        self._guard = CodeGuard(self.t.code_memory_s)
        self._reconciler: threading.Thread | None = None
        self.public_url = config.public_url or (os.environ.get("EDGE_UPSTREAM_URL") or "").rstrip("/") or None
        self.success_hooks: list = []  # callables(attempt_id), after a success commits
        self.tick_hooks: list = []     # callables(), on every reconciler tick

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> Gateway:
        self._reconciler = threading.Thread(target=self._reconcile_loop, name="gateway-reconciler", daemon=True)
        self._reconciler.start()
        return self

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        with self._lock:
            wakes, runners = list(self._wakes.values()), list(self._runners.values())
        for wake in wakes:
            wake.set()
        for thread in runners + ([self._reconciler] if self._reconciler else []):
            thread.join(timeout)
        if self.sandboxes is not None:
            self.sandboxes.stop()

    def kill(self) -> None:
        """Tests: die like kill -9 (no further writes or provider calls from this object)."""
        self.dead = True
        self._stopping.set()
        with self._lock:
            for wake in self._wakes.values():
                wake.set()

    def _alive(self) -> None:
        if self.dead:
            raise failpoints.Crashed("gateway killed")

    def _fp(self, name: str) -> None:
        self._alive()
        self.failpoint(name)
        self._alive()

    def provider(self, row: dict):
        return self.providers[row["provider"]]

    # -- API -----------------------------------------------------------------------------------
    def submit(self, device: dict, attempt_id: str, doc: object) -> tuple[dict, int]:
        """PUT /v1/payment-attempts/{id}: create the attempt and pay, or the same attempt again."""
        started = time.perf_counter()
        if not isinstance(doc, dict):
            raise ApiError(422, "bad_request", "the body must be a JSON object")
        code = doc.pop("code", None)
        try:
            return self._submit(device, attempt_id, doc, code, started)
        finally:
            del code

    def _submit(self, device: dict, attempt_id: str, doc: dict, code, started: float) -> tuple[dict, int]:
        if not _is_id(attempt_id):
            raise ApiError(422, "bad_attempt_id", "an attempt id is 26 lower-case base32 characters", "attempt_id")
        order_id, out, amount, channel = doc.get("order_id"), doc.get("out_trade_no"), doc.get("amount"), \
            doc.get("channel")
        if not _is_id(order_id):
            raise ApiError(422, "bad_request", "order_id must be an order id", "order_id")
        if not (isinstance(out, str) and 6 <= len(out) <= 32 and out.isalnum() and out.isascii()):
            raise ApiError(422, "bad_request", "out_trade_no must be 6-32 letters or digits", "out_trade_no")
        if not (type(amount) is int and 1 <= amount <= 100_000_000):
            raise ApiError(422, "bad_amount", "amount must be whole fen, 1 to 100000000", "amount")
        if channel not in CHANNELS:
            raise ApiError(422, "bad_request", f"channel must be one of {', '.join(CHANNELS)}", "channel")
        subject = doc.get("subject") if isinstance(doc.get("subject"), str) else "Matou order"
        subject = "".join(c for c in subject if c.isprintable())[:64] or "Matou order"
        fp = store.fingerprint(order_id, out, amount, channel)
        existing = store.get(self.db, attempt_id)
        if existing is not None:
            return self._replay(device, existing, fp), 200
        if not isinstance(code, str) or payment_kind(code) != channel:
            raise ApiError(422, "bad_code", f"the payment code does not have the shape of a {channel} code", "code")
        provider_name = self.config.provider_for(channel)
        if provider_name not in self.providers:
            raise ApiError(503, "no_provider", f"no payment provider is configured for {channel} on this upstream")
        other = self._guard.claim(code, attempt_id)
        if other is not None:
            raise ApiError(409, "code_used", "this payment code was used already: refresh it and scan again", "code")
        now = now_ms()
        with self.db.tx():
            existing = store.get(self.db, attempt_id)
            if existing is not None:
                return self._replay(device, existing, fp), 200
            known = store.order_total(self.db, order_id)
            if known is not None and known["store_id"] != device["store_id"]:
                raise ApiError(404, "unknown_order", "no such order in this store", "order_id")
            if known is not None and known["total"] != amount:
                raise ApiError(409, "amount_mismatch", f"the order's total is {known['total']} fen, not {amount}",
                               "amount")
            if store.kept_success(self.db, device["store_id"], order_id):
                raise ApiError(409, "order_paid", "this order is paid already")
            busy = store.open_attempt(self.db, device["store_id"], order_id)
            if busy:
                raise ApiError(409, "attempt_open", "another payment of this order is still open", attempt=busy)
            store.insert(self.db, {
                "attempt_id": attempt_id, "store_id": device["store_id"], "device_id": device["device_id"],
                "order_id": order_id, "out_trade_no": out, "amount": amount, "channel": channel,
                "provider": provider_name, "request_sha256": fp, "state": PAYING, "open_order": order_id,
                "pay_started_ms": now, "deadline_ms": now + int(self.t.deadline(channel) * 1000),
                "lease_owner": self.owner, "lease_until_ms": now + int(self.t.lease_s * 1000),
                "created_ms": now, "updated_ms": now})
            store.log(self.db, attempt_id, PAYING, "pay", None, f"{channel} via {provider_name}", now)
        with self._lock:
            self._paying.add(attempt_id)
        try:
            self._fp("gw.before_pay")
            outcome = self.providers[provider_name].pay(out, amount, code, subject)
            self._fp("gw.after_pay")
            self._apply(attempt_id, (PAYING,), "pay", outcome)
        finally:
            with self._lock:
                self._paying.discard(attempt_id)
        row = store.get(self.db, attempt_id)
        if row["state"] in RUNNING:
            self.ensure_runner(attempt_id)
        view = store.view(row, now_ms())
        view["gateway_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return view, 201

    def _replay(self, device: dict, row: dict, fp: str) -> dict:
        if row["device_id"] != device["device_id"]:
            raise ApiError(404, "not_found", "no such payment attempt")
        if row["request_sha256"] == "tombstone":
            raise ApiError(409, "attempt_abandoned", "this attempt was abandoned: it can never be paid",
                           attempt=store.view(row, now_ms()))
        if row["request_sha256"] != fp:
            raise ApiError(409, "attempt_conflict", "this attempt id was used with other order, amount or channel")
        return store.view(row, now_ms())  # the same attempt again: never paid twice

    def view(self, device: dict, attempt_id: str) -> dict:
        row = store.get(self.db, attempt_id)
        if row is None or row["device_id"] != device["device_id"]:
            raise ApiError(404, "not_found", "no such payment attempt")
        return store.view(row, now_ms())

    def abandon(self, device: dict, attempt_id: str, doc: object) -> dict:
        """The device gives the attempt up: nothing may be kept. Unknown id: a tombstone."""
        doc = doc if isinstance(doc, dict) else {}
        reason = ABANDON_REASONS.get(doc.get("reason"), "cancelled")
        if not _is_id(attempt_id):
            raise ApiError(422, "bad_attempt_id", "an attempt id is 26 lower-case base32 characters", "attempt_id")
        now = now_ms()
        with self.db.tx():
            row = store.lock(self.db, attempt_id)
            if row is None:
                order_id = doc.get("order_id")
                if not _is_id(order_id):
                    raise ApiError(422, "bad_request", "order_id must be an order id", "order_id")
                out = doc.get("out_trade_no") if isinstance(doc.get("out_trade_no"), str) else attempt_id
                store.insert(self.db, {
                    "attempt_id": attempt_id, "store_id": device["store_id"], "device_id": device["device_id"],
                    "order_id": order_id, "out_trade_no": out[:32], "amount": 0, "channel": "", "provider": None,
                    "request_sha256": "tombstone", "state": ABANDONED, "reason": reason, "abandoned": 1,
                    "abandon_reason": reason, "created_ms": now, "updated_ms": now, "final_ms": now})
                store.log(self.db, attempt_id, ABANDONED, "abandon", "tombstone", "never seen before", now)
            elif row["device_id"] != device["device_id"]:
                raise ApiError(404, "not_found", "no such payment attempt")
            elif row["state"] == SUCCEEDED:
                store.update(self.db, attempt_id, {"state": REFUNDING, "abandoned": 1, "abandon_reason": reason,
                                                   "reason": "duplicate" if reason == "duplicate" else reason,
                                                   "open_order": None, "tries": 0, "next_action_ms": now}, now)
                store.log(self.db, attempt_id, REFUNDING, "abandon", reason, "paid: refund", now)
            elif row["state"] not in FINAL and not row["abandoned"]:
                fields = {"abandoned": 1, "abandon_reason": reason, "open_order": None}
                if row["state"] == QUERYING:
                    fields.update(self._cancelling_fields(row, reason, now))
                store.update(self.db, attempt_id, fields, now)
                store.log(self.db, attempt_id, fields.get("state", row["state"]), "abandon", reason, "", now)
        self.wake(attempt_id)
        row = store.get(self.db, attempt_id)
        if row["state"] in RUNNING:
            self.ensure_runner(attempt_id)
        return store.view(row, now_ms())

    def query_now(self, device: dict, attempt_id: str, wait_s: float = 2.0) -> dict:
        """The cashier's "retry query": act now (an attempt parked for a human is reconciled again)."""
        row = store.get(self.db, attempt_id)
        if row is None or row["device_id"] != device["device_id"]:
            raise ApiError(404, "not_found", "no such payment attempt")
        now = now_ms()
        if row["state"] == ATTENTION or row["state"] in RUNNING:
            with self.db.tx():
                fields = {"next_action_ms": now}
                if row["state"] == ATTENTION:
                    fields.update({"state": RECONCILE, "rounds": 0, "tries": 0})
                store.update(self.db, attempt_id, fields, now)
            self.wake(attempt_id)
            self.ensure_runner(attempt_id)
            end = time.monotonic() + wait_s
            while time.monotonic() < end:
                fresh = store.get(self.db, attempt_id)
                if fresh["version"] > row["version"] + 1:
                    break
                time.sleep(0.02)
        return store.view(store.get(self.db, attempt_id), now_ms())

    def refund(self, device: dict, attempt_id: str, doc: object) -> tuple[dict, int]:
        """POST /v1/payment-attempts/{id}/refunds: a merchant refund of a succeeded attempt.

        The refund (pending) is committed before the provider call, with refund_id as the provider's
        refund number, so a retry with the same id repeats an idempotent call: pending → succeeded |
        failed | unknown (no answer: call again with the same refund_id)."""
        doc = doc if isinstance(doc, dict) else {}
        refund_id, amount = doc.get("refund_id"), doc.get("amount")
        if not _is_id(attempt_id):
            raise ApiError(422, "bad_attempt_id", "an attempt id is 26 lower-case base32 characters", "attempt_id")
        if not _is_id(refund_id):
            raise ApiError(422, "bad_request", "refund_id is 26 lower-case base32 characters", "refund_id")
        if not (type(amount) is int and 1 <= amount <= 100_000_000):
            raise ApiError(422, "bad_amount", "amount must be whole fen, 1 to 100000000", "amount")
        reason = "".join(c for c in str(doc.get("reason") or "") if c.isprintable())[:80]
        now, status = now_ms(), 200
        with self.db.tx():
            row = store.lock(self.db, attempt_id)  # serialises the refunds of one attempt
            if row is None or row["store_id"] != device["store_id"]:
                raise ApiError(404, "not_found", "no such payment attempt")
            known = store.get_refund(self.db, refund_id)
            if known is not None and (known["attempt_id"] != attempt_id or known["amount"] != amount):
                raise ApiError(409, "refund_id_reused", "this refund id was used with another attempt or amount")
            if known is None:
                if row["state"] != SUCCEEDED or row["abandoned"]:
                    raise ApiError(409, "not_paid", f"only a succeeded payment can be refunded (this one is "
                                   f"{row['state']})")
                paid = row["paid_amount"] or row["amount"]
                reserved, _ = store.refund_sums(self.db, attempt_id)
                if reserved + amount > paid:
                    raise ApiError(409, "above_paid", f"refund {amount} fen is more than the {paid - reserved} fen "
                                   f"that can still be refunded (paid {paid}, refunded {reserved})",
                                   paid=paid, refunded=reserved)
                store.insert_refund(self.db, {
                    "refund_id": refund_id, "attempt_id": attempt_id, "store_id": row["store_id"],
                    "device_id": device["device_id"], "amount": amount, "reason": reason, "state": "pending",
                    "created_ms": now, "updated_ms": now})
                store.log(self.db, attempt_id, row["state"], "merchant_refund", "pending", f"{refund_id} {amount}", now)
                status = 201
        if known is None or known["state"] in ("pending", "unknown"):
            self._alive()
            outcome = self.provider(row).refund(row["out_trade_no"], amount, refund_id,
                                                total=row["paid_amount"] or row["amount"])
            self._fp("gw.refund")
            state = {base.REFUNDED: "succeeded", base.FAILED: "failed"}.get(outcome.kind, "unknown")
            with self.db.tx():
                fresh = store.get_refund(self.db, refund_id)
                if fresh["state"] in ("pending", "unknown"):
                    fields = {"state": state, "detail": (outcome.note or outcome.kind)[:200],
                              "tries": fresh["tries"] + 1}
                    store.update_refund(self.db, refund_id, fields, now_ms())
                    if state == "succeeded":  # the member's spend and points go back with the money
                        members.record_refund(self.db, attempt_id, amount, now_ms())
                    store.log(self.db, attempt_id, row["state"], "merchant_refund", outcome.kind,
                              f"{refund_id} {state}", now_ms())
        return self.refund_view(refund_id), status

    def refund_view(self, refund_id: str) -> dict:
        r = store.get_refund(self.db, refund_id)
        _, refunded = store.refund_sums(self.db, r["attempt_id"])
        return {"refund_id": r["refund_id"], "attempt_id": r["attempt_id"], "state": r["state"],
                "amount": r["amount"], "refunded_total": refunded, "detail": r["detail"]}

    # -- transitions -----------------------------------------------------------------------------
    def _cancelling_fields(self, row: dict, reason: str, now: int) -> dict:
        provider = self.providers.get(row["provider"])
        inapp = row.get("kind") == "inapp"  # an order on the provider's page is closed, never reversed
        after = 0 if inapp else int(self.t.reverse_after(provider.kind if provider else "") * 1000)
        return {"state": CANCELLING, "reason": reason, "detail": None, "open_order": None, "tries": 0,
                "next_action_ms": max(now, (row["pay_started_ms"] or now) + after)}

    def _apply(self, attempt_id: str, expected: tuple[str, ...], action: str, outcome: base.Outcome) -> None:
        if self._apply_outcome(attempt_id, expected, action, outcome) == SUCCEEDED:
            self.succeeded(attempt_id)

    def succeeded(self, attempt_id: str) -> None:
        """An attempt's success was committed: run the success hooks (a failing hook is logged)."""
        for hook in list(self.success_hooks):
            try:
                hook(attempt_id)
            except Exception:  # noqa: BLE001 - the in-app settle sweep runs it again
                log.exception("payment attempt %s: success hook failed", attempt_id)

    def _apply_outcome(self, attempt_id: str, expected: tuple[str, ...], action: str,
                       outcome: base.Outcome) -> str | None:
        """Apply a provider's answer in a transaction that re-reads the row; returns the new state."""
        self._alive()
        t = self.t
        with self.db.tx():
            row = store.lock(self.db, attempt_id)
            now = now_ms()
            if row is None or row["state"] not in expected:
                if row is not None:
                    store.log(self.db, attempt_id, row["state"], action, outcome.kind, "late answer ignored", now)
                return None
            k, f = outcome.kind, {}
            if outcome.trade_no:
                f["provider_trade_no"] = outcome.trade_no
            if action in ("pay", "query"):
                if k == base.SUCCESS:
                    f["paid_amount"] = outcome.amount if outcome.amount is not None else row["amount"]
                    if outcome.amount is not None and outcome.amount != row["amount"]:
                        f.update(state=REFUNDING, reason="amount_mismatch", open_order=None, tries=0,
                                 next_action_ms=now)
                    elif row["abandoned"]:
                        f.update(state=REFUNDING, reason=row["abandon_reason"] or "cancelled", open_order=None,
                                 tries=0, next_action_ms=now)
                    else:
                        f.update(state=SUCCEEDED, detail=None, reason=None, **payer_fields(row, outcome.payer))
                elif k == base.FAILED:
                    f.update(state=FAILED, reason=outcome.reason or "declined", detail=None, open_order=None)
                elif k == base.CLOSED:  # an in-app order closes by itself at its time_expire
                    f.update(state=CLOSED, detail=None, open_order=None, reason=row["abandon_reason"] or (
                        "timed_out" if row.get("kind") == "inapp" else "cancelled"))
                elif k == base.REFUNDED:
                    f.update(state=REFUNDED, reason=row["abandon_reason"] or "cancelled", detail=None,
                             open_order=None)
                else:  # user paying, unknown, not found: query on
                    every = t.inapp_query_interval_s if row.get("kind") == "inapp" else t.query_interval_s
                    f.update(state=QUERYING, next_action_ms=now + int(every * 1000),
                             detail="user_paying" if k == base.USER_PAYING else (
                                 row["detail"] if row["detail"] == "user_paying" else "checking"))
                    if row["abandoned"] or now >= (row["deadline_ms"] or now):
                        reason = row["abandon_reason"] if row["abandoned"] else "timed_out"
                        f.update(self._cancelling_fields(row, reason or "cancelled", now))
            elif action == "cancel":
                if k in (base.CLOSED, base.REFUNDED):
                    paid = bool(row["paid_amount"]) or k == base.REFUNDED
                    f.update(state=REFUNDED if paid else CLOSED, next_action_ms=None)
                elif k == base.REFUND_NEEDED:
                    f.update(state=REFUNDING, tries=0, next_action_ms=now)
                else:
                    f.update(self._retry(row, now, t.cancel_retry_s))
            elif action == "refund":
                if k == base.REFUNDED:
                    f.update(state=REFUNDED, next_action_ms=None)
                elif k == base.FAILED:
                    f.update(state=ATTENTION, detail="refund refused", next_action_ms=None)
                else:
                    f.update(self._retry(row, now, t.cancel_retry_s))
            elif action == "reconcile":
                if k == base.SUCCESS:
                    f.update(state=REFUNDING, tries=0, next_action_ms=now,
                             paid_amount=outcome.amount if outcome.amount is not None else row["amount"])
                elif k == base.REFUNDED:
                    f.update(state=REFUNDED, next_action_ms=None)
                else:  # closed, failed, unknown, not found: cancel again (idempotent) to be sure
                    f.update(state=CANCELLING, tries=0, next_action_ms=now)
            store.update(self.db, attempt_id, f, now)
            store.log(self.db, attempt_id, f.get("state", row["state"]), action, k, outcome.note, now)
            if f.get("state") == SUCCEEDED:  # the payer becomes (or stays) the store's member, in this transaction
                members.record_settled(self.db, {**row, **f}, now)
            elif f.get("state") == REFUNDED and row["paid_amount"]:  # a kept payment given back whole
                members.record_refund(self.db, attempt_id, row["paid_amount"], now)
            return f.get("state")

    def _retry(self, row: dict, now: int, retry_s: float) -> dict:
        tries = row["tries"] + 1
        if tries < self.t.cancel_tries:
            return {"tries": tries, "next_action_ms": now + int(retry_s * 1000)}
        return {"state": RECONCILE, "tries": 0, "rounds": row["rounds"] + 1,
                "next_action_ms": now + int(self.t.reconcile_interval_s * 1000)}

    # -- runners -------------------------------------------------------------------------------
    def wake(self, attempt_id: str) -> None:
        with self._lock:
            wake = self._wakes.get(attempt_id)
        if wake:
            wake.set()

    def ensure_runner(self, attempt_id: str) -> None:
        with self._lock:
            if self._stopping.is_set() or attempt_id in self._runners or attempt_id in self._paying:
                return
            self._wakes[attempt_id] = threading.Event()
            thread = threading.Thread(target=self._run, args=(attempt_id,), name=f"gw-{attempt_id[:8]}", daemon=True)
            self._runners[attempt_id] = thread
        thread.start()

    def _sleep(self, attempt_id: str, seconds: float) -> None:
        with self._lock:
            wake = self._wakes.get(attempt_id)
        if wake is not None:
            wake.wait(max(0.0, min(seconds, self.t.lease_s / 3)))
            wake.clear()

    def _run(self, attempt_id: str) -> None:
        try:
            self._drive(attempt_id)
        except failpoints.Crashed:
            return
        except Exception:  # noqa: BLE001 - the reconciler starts it again once the lease runs out
            log.exception("payment attempt %s: runner failed", attempt_id)
        finally:
            with self._lock:
                self._runners.pop(attempt_id, None)
                self._wakes.pop(attempt_id, None)
            if not self.dead:
                try:
                    store.release(self.db, attempt_id, self.owner)
                except Exception:  # noqa: BLE001
                    pass

    def _drive(self, attempt_id: str) -> None:
        t = self.t
        while not self._stopping.is_set():
            self._alive()
            row = store.get(self.db, attempt_id)
            if row is None or row["state"] not in RUNNING:
                return
            now = now_ms()
            if not store.lease(self.db, attempt_id, self.owner, now, int(t.lease_s * 1000)):
                return  # another process drives it
            state, wait_ms = row["state"], (row["next_action_ms"] or 0) - now
            provider = self.provider(row)
            if state == PAYING:  # this process did not make the pay call: its outcome is unknown
                self._apply(attempt_id, (PAYING,), "pay", base.Outcome(base.UNKNOWN, note="resumed: pay unknown"))
            elif state == QUERYING:
                inapp = row["kind"] == "inapp"  # at its deadline an in-app order is queried once more
                if inapp and not row["abandoned"] and now >= row["deadline_ms"]:
                    wait_ms = 0
                if row["abandoned"] or (now >= row["deadline_ms"] and not inapp):
                    reason = row["abandon_reason"] if row["abandoned"] else "timed_out"
                    with self.db.tx():
                        if store.lock(self.db, attempt_id)["state"] == QUERYING:
                            store.update(self.db, attempt_id, self._cancelling_fields(row, reason, now), now)
                            store.log(self.db, attempt_id, CANCELLING, "deadline", None, reason, now)
                elif wait_ms > 0:
                    self._sleep(attempt_id, min(wait_ms, row["deadline_ms"] - now) / 1000)
                else:
                    outcome = provider.query(row["out_trade_no"])
                    self._fp("gw.polling")
                    self._apply(attempt_id, (QUERYING,), "query", outcome)
            elif wait_ms > 0:
                self._sleep(attempt_id, wait_ms / 1000)
            elif state == CANCELLING:
                if row["kind"] == "inapp":
                    outcome = provider.close(row["out_trade_no"])
                else:
                    outcome = provider.cancel(row["out_trade_no"])
                self._fp("gw.cancel")
                self._apply(attempt_id, (CANCELLING,), "cancel", outcome)
            elif state == REFUNDING:
                outcome = provider.refund(row["out_trade_no"], row["paid_amount"] or row["amount"], attempt_id)
                self._fp("gw.refund")
                self._apply(attempt_id, (REFUNDING,), "refund", outcome)
            elif state == RECONCILE:
                if row["rounds"] > t.reconcile_rounds:
                    with self.db.tx():
                        store.update(self.db, attempt_id, {"state": ATTENTION, "next_action_ms": None,
                                                           "detail": "still unknown: a human must check"}, now)
                        store.log(self.db, attempt_id, ATTENTION, "reconcile", None, "gave up", now)
                    log.warning("payment attempt %s needs a human (edge-upstream gateway list)", attempt_id)
                    return
                outcome = provider.query(row["out_trade_no"])
                self._apply(attempt_id, (RECONCILE,), "reconcile", outcome)

    def _reconcile_loop(self) -> None:
        tick = max(0.05, min(1.0, self.t.query_interval_s, self.t.lease_s / 2))
        while not self._stopping.is_set():
            try:
                self.resume_due()
                for hook in list(self.tick_hooks):
                    hook()
            except failpoints.Crashed:
                return
            except Exception:  # noqa: BLE001
                log.exception("gateway reconciler")
            self._stopping.wait(tick)

    def resume_due(self) -> list[str]:
        """Start runners for running attempts nobody drives (after a restart, or a device that vanished)."""
        self._alive()
        ids = store.due(self.db, self.owner, now_ms())
        for attempt_id in ids:
            self.ensure_runner(attempt_id)
        return ids
