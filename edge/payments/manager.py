"""The payment flow in the core: start, follow, resume, abandon, cash, retry query.

`PaymentManager(ledger, config=..., menu=..., wake_spool=..., wake_sync=...)` is built by the
core's wiring (service.payments). Writes are ledger steps (its one write lock, one transaction
each). Each attempt that is not final
has one driver thread that follows it at the gateway (long poll) until it is; drivers are
started again for every unfinished attempt when the core starts (resume: query, never pay).
Events on the core's stream: `payment.changed` (the attempt view: masked, never a code) and
`order.paid`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from collections.abc import Callable

from edge.codes import ScannedCode
from edge.config import Config
from edge.ledger.outbox import append_event
from edge.ledger.placement import order_view
from edge.ledger.staff import Staff, record_action
from edge.ledger.steps import Ledger
from edge.menu import Menu
from edge.payments import bills, store
from edge.payments.gateway_client import GatewayClient, GatewayError, enrolled_gateway
from edge.ledger.voids import amount_due
from edge.payments.settle import settle_order
from edge.protocol import failpoints
from edge.refusal import Refused

log = logging.getLogger(__name__)
PUT_TIMEOUT_S = 25.0   # the gateway answers after the provider's pay answer (its own timeout is 10 s)
POLL_WAIT_S = 10.0     # long poll at the gateway
RETRY_S = (0.2, 5.0)   # backoff while the gateway cannot be reached
REFUSALS = {"order_paid", "attempt_open", "code_used", "amount_mismatch", "bad_code", "no_provider",
            "no_gateway", "unknown_order", "bad_amount", "bad_request"}


class PaymentError(Refused):
    """A payment request the core refuses (HTTP 4xx/5xx), with the code and plain words."""


def _require_payment_code(code: ScannedCode | None) -> None:
    """Refuse starting a payment without a code, or with a code that does not pay."""
    if code is None:
        raise PaymentError(409, "no_code", "no payment code was scanned in the last minute: show it again")
    if not code.is_payment:
        raise PaymentError(422, "not_a_payment_code", "this is not an Alipay, WeChat Pay or UnionPay payment code")


class PaymentManager:
    def __init__(self, ledger: Ledger, *, config: Callable[[], Config], menu: Callable[[], Menu | None],
                 wake_spool: Callable[[], None], wake_sync: Callable[[], None],
                 bill_notice: Callable[[], None] = lambda: None, failpoint=None,
                 put_timeout: float = PUT_TIMEOUT_S, poll_wait: float = POLL_WAIT_S,
                 retry_s: tuple[float, float] = RETRY_S):
        """`config` / `menu`: the running ones; the wakes: printing and sync, after a settled order;
        `bill_notice`: a table's bill was paid (the cashier desk tells upstream)."""
        self.ledger = ledger
        self._bill_notice = bill_notice
        self._config, self._menu = config, menu
        self._wake_spool, self._wake_sync = wake_spool, wake_sync
        self.failpoint = failpoint or failpoints.hit
        self.put_timeout, self.poll_wait, self.retry_s = put_timeout, poll_wait, retry_s
        self.dead = False
        self._lock = threading.Lock()
        self._drivers: dict[str, threading.Thread] = {}
        self._wakes: dict[str, threading.Event] = {}
        self._stopping = threading.Event()
        self._keys: dict = {}

    # -- plumbing --------------------------------------------------------------------------------
    def _alive(self) -> None:
        if self.dead or self._stopping.is_set() and self.ledger.closed:
            raise failpoints.Crashed("payment manager stopped")

    def _fp(self, name: str) -> None:
        self._alive()
        self.failpoint(name)
        self._alive()

    def _now(self):
        return self.ledger.clock.now()

    def _client(self) -> GatewayClient | None:
        return enrolled_gateway(self.ledger, self._keys)

    def _order(self, order_id: str) -> dict | None:
        rows = list(self.ledger.db.query("SELECT * FROM orders WHERE id = ?", [order_id]))
        return rows[0] if rows else None

    def _view(self, row: dict) -> dict:
        order = self._order(row["order_id"]) or {}
        return store.view(row, time.time_ns() // 1_000_000, order.get("ticket_no"), order.get("status"))

    def view(self, attempt_id: str) -> dict | None:
        with self.ledger.reading():
            row = store.get(self.ledger.db, attempt_id)
            return self._view(row) if row else None

    def _publish(self, attempt_id: str) -> dict | None:
        doc = self.view(attempt_id)
        if doc is not None:
            self.ledger.publish("payment.changed", doc)
        return doc

    def _wake_workers(self) -> None:
        self._wake_spool()
        self._wake_sync()

    def _order_view(self, order_id: str) -> dict | None:
        with self.ledger.reading() as db:
            return order_view(db, order_id)

    # -- life cycle --------------------------------------------------------------------------------
    def resume(self) -> int:
        """Follow every unfinished attempt again (start-up: before printing and sync)."""
        with self.ledger.reading():
            ids = [r["attempt_id"] for r in store.unfinished(self.ledger.db)]
        for attempt_id in ids:
            self._ensure_driver(attempt_id)
        return len(ids)

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        with self._lock:
            wakes, drivers = list(self._wakes.values()), list(self._drivers.values())
        for wake in wakes:
            wake.set()
        for thread in drivers:
            thread.join(timeout)

    def kill(self) -> None:
        """Tests: stop like kill -9 (no further writes or requests from this object)."""
        self.dead = True
        self.stop(timeout=0)

    # -- starting a payment ------------------------------------------------------------------------------
    def pay(self, order_id: str, code: ScannedCode | None) -> tuple[dict, bool]:
        """Start paying `order_id` with `code`; (attempt view, created). The same order while an
        attempt is open: that attempt again (a double scan is one attempt)."""
        _require_payment_code(code)
        client = self._client()
        with self.ledger.reading():
            order = self._order(order_id)
            if order is None:
                raise PaymentError(404, "not_found", f"no order {order_id}")
            self._payable(order)
            _, due = amount_due(self.ledger.db, order_id)
            existing = store.open_for(self.ledger.db, order_id)
            if existing is not None:
                return self._view(existing), False
            if client is None:
                raise PaymentError(409, "offline", "code payments need the connection to the store's server, which "
                                   "this device does not have (not enrolled): pay at the counter",
                                   reason="not_enrolled")
            at = self._now()
            try:
                with self.ledger.db.atomic():
                    row = store.create(self.ledger.db, order_id, due, code.kind, at.wall_ms)  # total − voided
            except sqlite3.IntegrityError:  # an attempt was opened meanwhile
                return self._view(store.open_for(self.ledger.db, order_id)), False
        return self._put(client, row, code, f"{self._config().device.name} {order['ticket_no']}"), True

    def _payable(self, order: dict) -> None:
        """Refuse paying an order alone that is paid, voided, or on a table's bill."""
        if order["status"] == "paid":
            raise PaymentError(409, "already_paid", f"order {order['ticket_no']} is paid already")
        if order["status"] == "voided" or amount_due(self.ledger.db, order["id"])[1] <= 0:
            raise PaymentError(409, "order_voided", f"order {order['ticket_no']} was voided: there is nothing "
                               "to pay")
        if order["payment"] == "table":
            raise PaymentError(409, "table_bill", f"order {order['ticket_no']} is on table {order['table_no']}'s "
                               "bill: take the money for the whole table in the table view (桌台)")

    def _put(self, client: GatewayClient, row: dict, code: ScannedCode, subject: str) -> dict:
        """Send a committed attempt to the gateway (the code only in this request) and follow it."""
        attempt_id = row["attempt_id"]
        self._publish(attempt_id)
        self._fp("core.before_put")
        try:
            answer = client.put_attempt(row, code.reveal(), subject, self.put_timeout)
        except GatewayError as error:
            self._put_failed(row, error)
            return self.view(attempt_id)
        finally:
            client.close()
        self._fp("core.after_put")
        self.apply(attempt_id, answer)
        view = self.view(attempt_id)
        view["gateway_ms"] = answer.get("gateway_ms")  # the gateway's own time (benchmark)
        if not view["final"]:
            self._ensure_driver(attempt_id)
        return view

    def pay_bill(self, session_id: str, code: ScannedCode | None) -> tuple[dict, bool]:
        """Start paying every unpaid order of a table session with one code: ONE attempt for the
        whole bill (its orders and amounts recorded with it, before the gateway is asked); while
        it is open, the same bill gets that attempt again (at most one open attempt per bill)."""
        _require_payment_code(code)
        client = self._client()
        with self.ledger.reading():
            existing = store.open_for_bill(self.ledger.db, session_id)
            if existing is not None:
                return self._view(existing), False
            orders = bills.unpaid(self.ledger.db, session_id)
            if not orders:
                raise PaymentError(409, "nothing_due", "this table's bill has nothing left to pay")
            if client is None:
                raise PaymentError(409, "offline", "code payments need the connection to the store's server, which "
                                   "this device does not have (not enrolled): take cash", reason="not_enrolled")
            at = self._now()
            try:
                with self.ledger.db.atomic():
                    row = store.create(self.ledger.db, orders[0]["order_id"], sum(o["due"] for o in orders),
                                       code.kind, at.wall_ms, bill=session_id)
                    bills.record_attempt_orders(self.ledger.db, row["attempt_id"], orders)
            except sqlite3.IntegrityError:  # an attempt was opened meanwhile
                client.close()
                return self._view(store.open_for_bill(self.ledger.db, session_id)), False
        table = orders[0]["table"] or ""
        return self._put(client, row, code, f"{self._config().device.name} 桌{table}"), True

    def take_bill_cash(self, session_id: str, staff: Staff) -> dict:
        """`staff` took cash for a table's whole bill: every unpaid order of the session paid in
        ONE step (an `order.paid` per order with its amount, one audit row for the bill, the
        notice to upstream queued); an open code attempt of the bill is abandoned (a late
        success is given back)."""
        with self.ledger.reading():
            orders = bills.unpaid(self.ledger.db, session_id)
            if not orders:
                raise PaymentError(409, "nothing_due", "this table's bill has nothing left to pay")
            at = self._now()
            with self.ledger.db.atomic():
                paid = bills.settle_bill(self.ledger.db, self._config(), self._menu(), session_id, orders, "cash", at,
                                         staff=staff)
                opened = store.open_for_bill(self.ledger.db, session_id)
                if opened is not None and opened["state"] != "abandoning":
                    store.update(self.ledger.db, opened["attempt_id"], at.wall_ms, state="abandoning",
                                 abandon_reason="cash")
        self._bill_paid(session_id, "cash", paid)
        if opened is not None:
            self._publish(opened["attempt_id"])
            self._ensure_driver(opened["attempt_id"])
        return {"session_id": session_id, "method": "cash", "amount": sum(p["amount"] for p in paid), "orders": paid}

    def _bill_paid(self, session_id: str, method: str, paid: list[dict]) -> None:
        for p in paid:
            self.ledger.publish("order.paid", {"order_id": p["order_id"], "ticket_no": p["ticket_no"],
                                               "payment": method, "total": p["amount"], "table_session": session_id})
        self.ledger.publish("table.paid", {"session_id": session_id, "method": method,
                                           "amount": sum(p["amount"] for p in paid)})
        self._wake_workers()
        self._bill_notice()

    def _put_failed(self, row: dict, error: GatewayError) -> None:
        attempt_id, at = row["attempt_id"], self._now()
        if error.code == "attempt_abandoned":
            self.apply(attempt_id, {"state": "abandoned", "reason": "unknown_delivery", "version": 0})
        elif error.not_sent or error.refused:
            reason = "offline" if error.not_sent else (error.code if error.code in REFUSALS else
                                                       "not_enrolled" if error.status in (401, 403) else
                                                       "gateway_refused")
            reason = {"no_gateway": "no_gateway", "no_provider": "no_gateway", "bad_code": "code_invalid"}.get(
                reason, reason)
            with self.ledger.step():
                store.update(self.ledger.db, attempt_id, at.wall_ms, state="failed", reason=reason,
                             last_error=str(error)[:300])
                self._event(row | {"state": "failed", "reason": reason}, at)
            self._publish(attempt_id)
        else:  # it may have arrived: find out (query, or abandon -> tombstone), never pay again
            with self.ledger.reading():
                store.update(self.ledger.db, attempt_id, at.wall_ms, last_error=str(error)[:300])
            self._publish(attempt_id)
            self._ensure_driver(attempt_id)

    def _event(self, row: dict, at) -> None:
        append_event(self.ledger.db, f"payment.{row['state']}", {
            "attempt_id": row["attempt_id"], "order_id": row["order_id"], "out_trade_no": row["out_trade_no"],
            "amount": row["amount"], "channel": row["channel"], "reason": row.get("reason"),
            **({"bill": row["bill"]} if row.get("bill") else {})}, at)

    # -- applying what the gateway says ------------------------------------------------------------------
    def apply(self, attempt_id: str, gw: dict) -> dict:
        """Record the gateway's view of an attempt (settling the order on success). Idempotent."""
        self._alive()
        settled = None
        with self.ledger.reading():
            row = store.get(self.ledger.db, attempt_id)
            if row is None or row["state"] in store.FINAL:
                return self._view(row) if row else {}
            new = store.GATEWAY.get(gw.get("state"), "pending")
            fields = {"gateway_state": gw.get("state"), "detail": gw.get("detail"), "last_error": None,
                      "gateway_version": max(row["gateway_version"], int(gw.get("version") or 0))}
            if gw.get("reason"):
                fields["reason"] = gw["reason"]
            if gw.get("deadline_in_ms") is not None:
                fields["deadline_wall_ms"] = time.time_ns() // 1_000_000 + int(gw["deadline_in_ms"])
            at = self._now()
            with self.ledger.db.atomic():
                if row["state"] == "abandoning" and new in ("pending", "succeeded"):
                    new = "abandoning"  # the gateway does not know yet: keep telling it
                if new == "succeeded" and row["bill"]:
                    if bills.still_due(self.ledger.db, row):
                        settled = bills.settle_bill(self.ledger.db, self._config(), self._menu(), row["bill"],
                                                    bills.covered(self.ledger.db, attempt_id), row["channel"], at,
                                                    attempt_id)
                    else:  # an order of the bill was paid otherwise meanwhile: give it back
                        new, fields["abandon_reason"] = "abandoning", "order_paid"
                elif new == "succeeded":
                    order = self._order(row["order_id"])
                    due = amount_due(self.ledger.db, row["order_id"])[1] if order is not None else None
                    if order is None or order["status"] == "paid":
                        new, fields["abandon_reason"] = "abandoning", "order_paid"  # paid otherwise: give it back
                    elif order["status"] == "voided" or due != row["amount"]:
                        new, fields["abandon_reason"] = "abandoning", "order_changed"  # not what is due: give it back
                    else:
                        settled = settle_order(self.ledger.db, self._config(), self._menu(), row["order_id"],
                                               row["channel"], at, attempt_id)
                fields["state"] = new
                store.update(self.ledger.db, attempt_id, at.wall_ms, **fields)
                if new in store.FINAL:
                    self._event(row | fields, at)
        doc = self._publish(attempt_id)
        if settled is not None and row["bill"]:
            self._bill_paid(row["bill"], row["channel"], settled)
        elif settled is not None:
            order = self._order_view(row["order_id"])
            self.ledger.publish("order.paid", {"order_id": row["order_id"], "ticket_no": order["ticket_no"],
                                                  "payment": row["channel"], "total": row["amount"]})
        self._wake_workers()
        if doc and doc["state"] == "abandoning":
            self._ensure_driver(attempt_id)
        return doc or {}

    # -- drivers ---------------------------------------------------------------------------------------
    def _ensure_driver(self, attempt_id: str) -> None:
        with self._lock:
            if self._stopping.is_set() or attempt_id in self._drivers:
                if attempt_id in self._wakes:
                    self._wakes[attempt_id].set()
                return
            self._wakes[attempt_id] = threading.Event()
            thread = threading.Thread(target=self._drive, args=(attempt_id,), name=f"pay-{attempt_id[:8]}",
                                      daemon=True)
            self._drivers[attempt_id] = thread
        thread.start()

    def _drive(self, attempt_id: str) -> None:
        delay = self.retry_s[0]
        try:
            while not self._stopping.is_set():
                row = self._row(attempt_id)
                if row is None or row["state"] in store.FINAL:
                    return
                client = self._client()
                if client is None:
                    self._wait(attempt_id, self.retry_s[1])
                    continue
                try:
                    self._step(client, row)
                    delay = self.retry_s[0]
                except GatewayError as error:
                    self._note_error(attempt_id, error)
                    self._wait(attempt_id, delay)
                    delay = min(delay * 2, self.retry_s[1])
                finally:
                    client.close()
        except failpoints.Crashed:
            return
        except (sqlite3.ProgrammingError, AttributeError):
            if not self._stopping.is_set():
                log.exception("payment %s: driver stopped", attempt_id)
        except Exception:  # noqa: BLE001 - never silently: the attempt is resumed at the next start
            log.exception("payment %s: driver failed", attempt_id)
        finally:
            with self._lock:
                self._drivers.pop(attempt_id, None)
                self._wakes.pop(attempt_id, None)

    def _row(self, attempt_id: str) -> dict | None:
        self._alive()
        with self.ledger.reading():
            return store.get(self.ledger.db, attempt_id)

    def _wait(self, attempt_id: str, seconds: float) -> None:
        with self._lock:
            wake = self._wakes.get(attempt_id)
        if wake is not None:
            wake.wait(seconds)
            wake.clear()

    def _step(self, client: GatewayClient, row: dict) -> None:
        attempt_id = row["attempt_id"]
        if row["state"] == "created":  # did the PUT arrive? never pay again: look, or bury it
            try:
                answer = client.get_attempt(attempt_id)
            except GatewayError as error:
                if error.status != 404:
                    raise
                answer = self._abandon_at_gateway(client, row, "unknown_delivery")
            self.apply(attempt_id, answer)
        elif row["state"] == "abandoning":
            self.apply(attempt_id, self._abandon_at_gateway(client, row, row["abandon_reason"] or "cancelled"))
        else:
            try:
                answer = client.get_attempt(attempt_id, row["gateway_version"], self.poll_wait)
            except GatewayError as error:
                if error.status != 404:
                    raise
                answer = self._abandon_at_gateway(client, row, "unknown_delivery")
            self._fp("core.polling")
            self.apply(attempt_id, answer)

    def _abandon_at_gateway(self, client: GatewayClient, row: dict, reason: str) -> dict:
        self._fp("core.cancel")
        try:
            answer = client.abandon(row, reason)
        except GatewayError as error:
            if error.code == "attempt_abandoned":
                return {"state": "abandoned", "reason": reason}
            raise
        self._fp("core.cancel")
        return answer

    def _note_error(self, attempt_id: str, error: GatewayError) -> None:
        with self.ledger.reading():
            row = store.get(self.ledger.db, attempt_id)
            if row is None or row["last_error"] == str(error)[:300]:
                return
            store.update(self.ledger.db, attempt_id, self._now().wall_ms, last_error=str(error)[:300])
        self._publish(attempt_id)

    # -- the customer / cashier give up, take cash, ask again --------------------------------------------
    def abandon(self, attempt_id: str, reason: str = "customer_cancelled", staff: Staff | None = None) -> dict:
        """Give an attempt up. A staff member may abandon any open attempt (recorded with their
        id); without one (the customer at the kiosk) only `customer_cancelled` of an attempt
        still waiting for the customer, the one state where nothing can have been taken yet
        (`customer_may_cancel`)."""
        with self.ledger.reading():
            row = store.get(self.ledger.db, attempt_id)
            if row is None:
                raise PaymentError(404, "not_found", f"no payment attempt {attempt_id}")
            if row["state"] not in ("created", "pending"):
                return self._view(row)
            now = self._now()
            if staff is None and not (reason == "customer_cancelled" and store.customer_may_cancel(row, now.wall_ms)):
                raise PaymentError(401, "no_session", "only a cashier may give up this payment now (its outcome "
                                   "is not known yet): log in with your PIN")
            with self.ledger.db.atomic():
                store.update(self.ledger.db, attempt_id, now.wall_ms, state="abandoning", abandon_reason=reason)
                if staff is not None:
                    record_action(self.ledger.db, staff, "abandon", row["order_id"],
                                  {"attempt_id": attempt_id, "reason": reason, "state": row["state"],
                                   "amount": row["amount"]}, now.wall_ms)
        self._publish(attempt_id)
        client = self._client()
        if client is not None:
            try:
                self.apply(attempt_id, self._abandon_at_gateway(client, {**row, "state": "abandoning"}, reason))
            except GatewayError as error:
                self._note_error(attempt_id, error)
            finally:
                client.close()
        view = self.view(attempt_id)
        if not view["final"]:
            self._ensure_driver(attempt_id)
        return view

    def take_cash(self, order_id: str, staff: Staff) -> dict:
        """`staff` took cash: the order is paid (printed now if it was held; the event and an audit
        row name them); every open attempt is abandoned, so a late electronic success is given back."""
        with self.ledger.reading():
            order = self._order(order_id)
            if order is None:
                raise PaymentError(404, "not_found", f"no order {order_id}")
            self._payable(order)
            _, due = amount_due(self.ledger.db, order_id)
            at = self._now()
            with self.ledger.db.atomic():
                settle_order(self.ledger.db, self._config(), self._menu(), order_id, "cash", at, staff=staff)
                opened = store.open_for(self.ledger.db, order_id)
                if opened is not None and opened["state"] != "abandoning":
                    store.update(self.ledger.db, opened["attempt_id"], at.wall_ms, state="abandoning",
                                 abandon_reason="cash")
        self.ledger.publish("order.paid", {"order_id": order_id, "ticket_no": order["ticket_no"],
                                              "payment": "cash", "total": due})
        self._wake_workers()
        if opened is not None:
            self._publish(opened["attempt_id"])
            self._ensure_driver(opened["attempt_id"])
        return self._order_view(order_id)

    def retry_query(self, attempt_id: str) -> dict:
        row = self._row(attempt_id)
        if row is None:
            raise PaymentError(404, "not_found", f"no payment attempt {attempt_id}")
        if row["state"] in store.FINAL:
            return self.view(attempt_id)
        client = self._client()
        if client is None:
            raise PaymentError(409, "offline", "this device is not enrolled: it cannot ask the gateway")
        try:
            if row["state"] in ("created", "abandoning"):
                self._step(client, row)
            else:
                self.apply(attempt_id, client.query(attempt_id))
        except GatewayError as error:
            self._note_error(attempt_id, error)
            raise PaymentError(503, "unreachable", f"the gateway cannot be reached now: {error}") from None
        finally:
            client.close()
        view = self.view(attempt_id)
        if not view["final"]:
            self._ensure_driver(attempt_id)
        return view

    # -- lists ---------------------------------------------------------------------------------------------
    def attempts(self, order_id: str | None = None, unresolved: bool = False, limit: int = 50) -> list[dict]:
        with self.ledger.reading():
            rows = store.for_order(self.ledger.db, order_id) if order_id else (
                store.unfinished(self.ledger.db) if unresolved else store.recent(self.ledger.db, limit))
            views = [self._view(r) for r in rows]
        return [v for v in views if v["unresolved"]] if unresolved else views

    def awaiting(self, limit: int = 50) -> list[dict]:
        """Orders not paid yet that are held for payment (pay-first), newest first."""
        with self.ledger.reading():
            rows = list(self.ledger.db.query(
                "SELECT id, ticket_no, total, payment, created_local FROM orders WHERE status = 'awaiting_payment'"
                " ORDER BY created_wall_ms DESC LIMIT ?", [limit]))
        return [dict(r) for r in rows]
