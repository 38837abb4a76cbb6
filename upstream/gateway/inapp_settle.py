"""Settle hooks of in-app payments: the rounds code learns once per succeeded attempt.

    on_inapp_settled(callback)      callback(db, attempt_row), after the success is committed

An attempt is claimed (settle_claim_ms) before its callbacks run and marked settled (settled_ms)
after they all returned, in the transaction that also frees its bill (open_order = NULL) for a
later payment. A sweep (`settle_pending`: when the gateway attaches, on every reconciler tick,
and whenever a caller reads a bill's state) runs the callbacks of a success whose process died
between the commit and the mark; so a callback must be idempotent (the rounds code keys its
command by the round), and is run once in every other case. A callback that raises is logged
and tried again by the next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from upstream.errors import now_ms
from upstream.gateway import store
from upstream.gateway.states import SUCCEEDED
from upstream.sql import Database

log = logging.getLogger(__name__)
CLAIM_MS = 30_000  # a claim older than this belongs to a process that died: take it over
_CALLBACKS: list[Callable[[Database, dict], None]] = []


def on_inapp_settled(callback: Callable[[Database, dict], None]) -> None:
    """Register `callback(db, attempt_row)` (once, however often it is registered)."""
    if callback not in _CALLBACKS:
        _CALLBACKS.append(callback)


def off_inapp_settled(callback: Callable[[Database, dict], None]) -> None:
    """Unregister a callback (a test's, or a module reloaded)."""
    if callback in _CALLBACKS:
        _CALLBACKS.remove(callback)


def _claim(db: Database, attempt_id: str, now: int) -> bool:
    with db.tx():
        cursor = db.execute("UPDATE gateway_attempts SET settle_claim_ms = ? WHERE attempt_id = ? AND kind = 'inapp'"
                            " AND state = ? AND settled_ms IS NULL"
                            " AND (settle_claim_ms IS NULL OR settle_claim_ms < ?)",
                            [now, attempt_id, SUCCEEDED, now - CLAIM_MS])
        return cursor.rowcount == 1


def settle_one(db: Database, attempt_id: str) -> bool:
    """Run the callbacks of a succeeded in-app attempt not settled yet; True when this call settled it."""
    if not _claim(db, attempt_id, now_ms()):
        return False
    row = store.get(db, attempt_id)
    for callback in list(_CALLBACKS):
        try:
            callback(db, row)
        except Exception:  # noqa: BLE001 - the next sweep runs the callbacks again
            log.exception("in-app payment %s: settle callback failed", attempt_id)
            with db.tx():
                db.execute("UPDATE gateway_attempts SET settle_claim_ms = NULL WHERE attempt_id = ?", [attempt_id])
            return False
    now = now_ms()
    with db.tx():
        db.execute("UPDATE gateway_attempts SET settled_ms = ?, open_order = NULL, version = version + 1,"
                   " updated_ms = ? WHERE attempt_id = ? AND settled_ms IS NULL", [now, now, attempt_id])
        store.log(db, attempt_id, SUCCEEDED, "settle", "ok", f"{len(_CALLBACKS)} callback(s)", now)
    return True


def settle_pending(db: Database, bill_refs: list[str] | None = None, limit: int = 50) -> int:
    """Settle the succeeded in-app attempts whose callbacks have not run (of these bills, or any)."""
    sql = ("SELECT attempt_id FROM gateway_attempts WHERE kind = 'inapp' AND state = ? AND settled_ms IS NULL"
           " AND (settle_claim_ms IS NULL OR settle_claim_ms < ?)")
    params: list = [SUCCEEDED, now_ms() - CLAIM_MS]
    if bill_refs is not None:
        if not bill_refs:
            return 0
        sql += f" AND order_id IN ({', '.join('?' * len(bill_refs))})"
        params.extend(bill_refs)
    rows = db.query(sql + " ORDER BY updated_ms LIMIT ?", [*params, limit])
    return sum(1 for r in rows if settle_one(db, r["attempt_id"]))
