"""The counter's side of table sessions (开台 / 清台, 扫码点餐): the open tables as upstream has
them joined with this device's orders of each session, opening and closing a table, a call
handled, and the notices that a table's bill was paid at the counter.

Upstream holds the sessions, rounds and calls (signed device requests through
edge/cashier/upstream_link.py: `GET /v1/devices/me/tables`, `POST …/tables/<table>/open`,
`POST …/tables/<session>/close`, `POST …/tables/<session>/bill-paid`, `POST …/calls/<id>/handled`);
this device holds each round's order and what it owes (edge/ledger/table_bills.py). While
upstream cannot be reached the view lists the sessions this device still has money due for (the
cashier can still take it), and opening, closing and calls are refused with `upstream_offline`:
nothing is changed, nothing lost. A paid bill's notice waits in `table_bill_notices` and is sent
by the cashier desk's upstream thread until upstream has it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from edge.cashier.order_actions import ActionRefused
from edge.cashier.upstream_link import Offline, Refused, UpstreamLink
from edge.ledger.staff import Staff, record_action
from edge.ledger.steps import Ledger
from edge.ledger.table_bills import bill, sessions_owing
from edge.tables import TABLE_RE

log = logging.getLogger(__name__)
OFFLINE = "the store's server cannot be reached now, so tables cannot be opened or closed and calls not " \
          "marked: nothing was changed; try again when it is back (taking a table's money works offline)"


def _ask(call, *args):
    """Upstream's answer to `call(*args)`; its silence or refusal as the cashier's ActionRefused."""
    try:
        return call(*args)
    except Offline as exc:
        raise offline(exc) from None
    except Refused as exc:
        raise _refused(exc) from None


def offline(exc: Exception) -> ActionRefused:
    return ActionRefused(409, "upstream_offline", OFFLINE, detail=str(exc)[:200])


def _refused(exc: Refused) -> ActionRefused:
    return ActionRefused(exc.status if 400 <= exc.status < 500 else 409, exc.code, exc.message)


def _round_view(rnd: dict, orders: list[dict]) -> dict:
    """An upstream round with this device's order of it (by device order id, else round number)."""
    order = next((o for o in orders if o["order_id"] == rnd.get("device_order_id")), None) or \
        next((o for o in orders if o["round"] == rnd.get("round")), None)
    keep = {k: rnd.get(k) for k in ("round", "state", "total", "ticket_no", "lines", "late")}
    if order is not None:
        keep.update(order_id=order["order_id"], ticket_no=order["ticket_no"], order_state=order["state"],
                    due=order["due"], payment=order["payment"])
    return keep


def _local_round(order: dict) -> dict:
    return {"round": order["round"], "state": "accepted", "total": order["total"], "ticket_no": order["ticket_no"],
            "lines": None, "order_id": order["order_id"], "order_state": order["state"], "due": order["due"],
            "payment": order["payment"]}


class TableDesk:
    def __init__(self, ledger: Ledger, link: UpstreamLink, changed: Callable[..., None]) -> None:
        """`changed(action, **data)`: announce a change (the cashier desk's `cashier.changed`)."""
        self.ledger, self.link, self._changed = ledger, link, changed

    def _session(self, session_id: str) -> dict:
        with self.ledger.reading() as db:
            return bill(db, session_id)

    def view(self) -> dict:
        """{"online", "message", "tables": [...]}: every open session (upstream's), with this device's
        orders and bill; sessions this device still has money due for come too (offline: only those)."""
        try:
            upstream = self.link.tables()
            sessions, online, message = list(upstream.get("tables") or []), True, None
        except (Offline, Refused) as exc:
            sessions, online, message = [], False, OFFLINE if isinstance(exc, Offline) else exc.message
        tables, seen = [], set()
        for s in sessions:
            sid = str(s.get("session_id") or "")
            if not sid:
                continue
            seen.add(sid)
            here = self._session(sid)
            rounds = [_round_view(r, here["orders"]) for r in s.get("rounds") or []]
            known = {r.get("order_id") for r in rounds}
            rounds += [_local_round(o) for o in here["orders"] if o["order_id"] not in known]
            tables.append({"session_id": sid, "table": s.get("table"), "state": s.get("state") or "open",
                           "mode": s.get("mode"), "opened_ms": s.get("opened_ms"), "rounds": rounds,
                           "bill": {k: here[k] for k in ("total", "paid", "due")},
                           "upstream_bill": s.get("bill"), "calls": list(s.get("calls") or []),
                           "paying": self._paying(sid)})
        with self.ledger.reading() as db:
            owing = [sid for sid in sessions_owing(db) if sid not in seen]
        for sid in owing:  # closed upstream, or upstream away: the money is still due here
            here = self._session(sid)
            first = here["orders"][0] if here["orders"] else {}
            tables.append({"session_id": sid, "table": first.get("table"), "state": "open" if not online else "closed",
                           "mode": None, "opened_ms": first.get("created_wall_ms"),
                           "rounds": [_local_round(o) for o in here["orders"]],
                           "bill": {k: here[k] for k in ("total", "paid", "due")}, "upstream_bill": None,
                           "calls": [], "paying": self._paying(sid)})
        return {"online": online, "message": message, "tables": tables}

    def _paying(self, session_id: str) -> dict | None:
        """The bill's open code payment, if any: {attempt_id, amount, state}."""
        with self.ledger.reading() as db:
            rows = list(db.query("SELECT attempt_id, amount, state FROM payment_attempts WHERE bill = ? AND state IN"
                                 " ('created', 'pending', 'abandoning')", [session_id]))
        return rows[0] if rows else None

    def open_table(self, staff: Staff, table: str) -> dict:
        """开台: upstream opens the table's session (or returns the one that is open)."""
        if not isinstance(table, str) or not TABLE_RE.fullmatch(table):
            raise ActionRefused(422, "bad_table", "a table is 1-8 letters or digits", "table")
        doc = _ask(self.link.open_table, table)
        session = {k: v for k, v in doc.items() if k != "tables"} if isinstance(doc, dict) else {}
        at, _ = self.ledger.now()
        with self.ledger.step() as db:
            record_action(db, staff, "table_open", str(session.get("session_id") or table), {"table": table},
                          at.wall_ms)
        self._changed("table_open", table=table, session_id=session.get("session_id"))
        return {"table": table, **session}

    def close(self, staff: Staff, session_id: str, force: bool = False, manager: Staff | None = None) -> dict:
        """清台: refused with 409 `bill_unpaid` while this device has money due for the session,
        unless a manager forces it (`manager`, checked by the caller); upstream refuses it too while
        a round it holds is not paid."""
        here = self._session(session_id)
        if here["due"] > 0 and not (force and manager is not None):
            raise ActionRefused(409, "bill_unpaid", f"this table still owes {here['due']} fen: take the money "
                                "first (收现金 / 收付款码), or a manager forces 清台 with their PIN", due=here["due"])
        body = {"staff_id": staff.staff_id, **({"force": True} if force and manager is not None else {})}
        try:
            self.send_notices()  # a bill paid a moment ago: upstream knows it before it is asked to close
        except Offline:
            pass
        doc = _ask(self.link.close_table, session_id, body)
        at, _ = self.ledger.now()
        with self.ledger.step() as db:
            record_action(db, staff, "table_close", session_id, {"due": here["due"], "force": bool(force and manager)},
                          at.wall_ms, approved_by=manager if force else None)
        self._changed("table_close", session_id=session_id)
        return {"session_id": session_id, "closed": True, "due": here["due"],
                **({"session": doc} if isinstance(doc, dict) else {})}

    def call_handled(self, staff: Staff, call_id: str) -> dict:
        """A guest's call (呼叫服务员 / 请求结账) was seen to: upstream marks it handled."""
        doc = _ask(self.link.call_handled, call_id)
        at, _ = self.ledger.now()
        with self.ledger.step() as db:
            record_action(db, staff, "call_handled", call_id, {}, at.wall_ms)
        self._changed("call_handled", call_id=call_id)
        return {"call_id": call_id, "handled": True, **({"call": doc} if isinstance(doc, dict) else {})}

    # -- bill-paid notices --------------------------------------------------------------------------
    def queued_notices(self) -> int:
        with self.ledger.reading() as db:
            return int(db.execute("SELECT count(*) FROM table_bill_notices WHERE state = 'queued'").fetchone()[0])

    def send_notices(self) -> int:
        """Tell upstream about bills paid at the counter, oldest first; stops at the first Offline
        (the next pass tries again). Returns how many upstream took."""
        with self.ledger.reading() as db:
            queued = [dict(r) for r in db.query("SELECT * FROM table_bill_notices WHERE state = 'queued'"
                                                " ORDER BY created_ms, notice_id")]
        sent = 0
        for notice in queued:
            body = {"payment_id": notice["notice_id"], "amount": notice["amount"], "method": notice["method"],
                    "staff_id": notice["staff_id"]}
            state, error = "sent", None
            try:
                self.link.bill_paid(notice["session_id"], body)
                sent += 1
            except Offline as exc:
                with self.ledger.step() as db:
                    db.execute("UPDATE table_bill_notices SET attempts = attempts + 1, last_error = ?"
                               " WHERE notice_id = ?", [str(exc)[:300], notice["notice_id"]])
                return sent
            except Refused as exc:  # upstream will never take it (e.g. an unknown session): kept, not retried
                log.warning("bill-paid notice for %s refused by upstream: %s", notice["session_id"], exc.message)
                state, error = "refused", f"{exc.code}: {exc.message}"[:300]
            at, _ = self.ledger.now()
            with self.ledger.step() as db:
                db.execute("UPDATE table_bill_notices SET state = ?, attempts = attempts + 1, last_error = ?,"
                           " sent_ms = ? WHERE notice_id = ?", [state, error, at.wall_ms, notice["notice_id"]])
        return sent
