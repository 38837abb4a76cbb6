"""Table sessions (开台 / 清台): one party at one table, the phones' cookies, and the store's table settings.

A session opens at the table's first valid scan (`open_or_join`, by="phone"), or when the cashier
opens the table (by="cashier"); every phone that scans the same table while it is open joins it.
The database allows at most one open session per table: `open_key` is "<store>/<table>" while the
session is open and NULL once it is closed, under a UNIQUE constraint, so two first scans at the
same instant open one session. Closing (清台) ends it for good: its phones' tokens are deleted, a
new scan opens a new session, and nothing of the previous party shows.

A phone holds a random token in an HttpOnly cookie; only the token's SHA-256 is stored.
`version` counts every change a phone should see (cart, rounds, calls, the bill, closing): the
phones' long poll answers when it moves.

The store's settings (`stores.table_settings`, JSON): `mode` "pay_after" (先吃后付, the default)
or "pay_first" (先付后吃), and `strict` (the code opens a session only while the cashier has the
table open).
"""

from __future__ import annotations

import hashlib
import json
import secrets

from edge.orders import new_id
from upstream.enroll import require_store
from upstream.errors import ApiError
from upstream.sql import Database

COOKIE = "matou_table"
TOKEN_TTL_MS = 4 * 3600 * 1000
MODES = ("pay_after", "pay_first")
DEFAULT_SETTINGS = {"mode": "pay_after", "strict": False}


def table_settings(db: Database, store_id: str) -> dict:
    row = db.one("SELECT table_settings FROM stores WHERE store_id = ?", [store_id])
    saved = json.loads(row["table_settings"]) if row and row["table_settings"] else {}
    return {**DEFAULT_SETTINGS, **saved}


def set_table_settings(db: Database, store_id: str, mode: str | None = None, strict: bool | None = None) -> dict:
    """Change the store's table mode and/or strictness; open sessions keep the mode they opened with."""
    require_store(db, store_id)
    settings = table_settings(db, store_id)
    if mode is not None:
        if mode not in MODES:
            raise ApiError(422, "bad_mode", f"mode must be one of {', '.join(MODES)}", "mode")
        settings["mode"] = mode
    if strict is not None:
        settings["strict"] = bool(strict)
    with db.tx():
        db.execute("UPDATE stores SET table_settings = ? WHERE store_id = ?", [json.dumps(settings), store_id])
    return settings


def open_key(store_id: str, table: str) -> str:
    return f"{store_id}/{table}"


def open_session_of(db: Database, store_id: str, table: str) -> dict | None:
    return db.one("SELECT * FROM table_sessions WHERE open_key = ?", [open_key(store_id, table)])


def open_session(db: Database, store_id: str, table: str, by: str, now: int) -> tuple[dict, bool]:
    """The table's open session, opened now if it has none: (session, opened)."""
    require_store(db, store_id)
    mode = table_settings(db, store_id)["mode"]
    with db.tx():
        cursor = db.execute(
            "INSERT INTO table_sessions (session_id, store_id, table_no, state, open_key, mode, opened_ms, opened_by)"
            " VALUES (?, ?, ?, 'open', ?, ?, ?, ?) ON CONFLICT (open_key) DO NOTHING",
            [new_id(), store_id, table, open_key(store_id, table), mode, now, by])
    session = open_session_of(db, store_id, table)
    if session is None:  # closed between the two statements: open the next one
        return open_session(db, store_id, table, by, now)
    return session, cursor.rowcount == 1


def open_or_join(db: Database, store_id: str, table: str, now: int) -> dict:
    """What a phone's scan does: join the open session, or open one (unless the store is strict)."""
    session = open_session_of(db, store_id, table)
    if session is not None:
        return session
    if table_settings(db, store_id)["strict"]:
        raise ApiError(409, "table_not_open", f"table {table} is not open yet: please ask the staff to open it")
    return open_session(db, store_id, table, "phone", now)[0]


def issue_token(db: Database, session: dict, now: int) -> str:
    """A new phone's token for `session` (the cookie's value); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with db.tx():
        db.execute("INSERT INTO table_tokens (token_sha256, session_id, store_id, created_ms, expires_ms)"
                   " VALUES (?, ?, ?, ?, ?)", [_hash(token), session["session_id"], session["store_id"], now,
                                               now + TOKEN_TTL_MS])
    return token


def session_of_token(db: Database, token: str | None, now: int) -> dict:
    """The open session a phone's cookie belongs to; 401 when there is none (scan the code again)."""
    row = None
    if token and len(token) <= 100:
        row = db.one("SELECT s.* FROM table_tokens t JOIN table_sessions s ON s.session_id = t.session_id"
                     " WHERE t.token_sha256 = ? AND t.expires_ms > ?", [_hash(token), now])
    if row is None:
        raise ApiError(401, "no_table_session", "this page has expired or the table was cleared: scan the table's"
                       " code again")
    return row


def touch(db: Database, session_id: str) -> None:
    """Call inside a transaction that changed something the phones see."""
    db.execute("UPDATE table_sessions SET version = version + 1 WHERE session_id = ?", [session_id])


def require_open(session: dict) -> None:
    if session["state"] != "open":
        raise ApiError(409, "session_closed", "this table has been cleared: scan the table's code again to start"
                       " a new order")


def close_session(db: Database, store_id: str, session_id: str, by: str, now: int, *, due: int,
                  force: bool = False) -> dict:
    """清台: the session accepts nothing more and its phones' cookies stop working. Refused (409
    bill_unpaid) while `due` fen are still owed, unless `force` (a manager's decision)."""
    session = db.one("SELECT * FROM table_sessions WHERE session_id = ? AND store_id = ?", [session_id, store_id])
    if session is None:
        raise ApiError(404, "no_such_session", f"no table session {session_id}")
    if session["state"] != "open":
        return session
    if due > 0 and not force:
        raise ApiError(409, "bill_unpaid", f"table {session['table_no']} still owes {due / 100:.2f}: take the"
                       " payment first (or a manager clears it anyway)", due=due)
    with db.tx():
        db.execute("UPDATE table_sessions SET state = 'closed', open_key = NULL, closed_ms = ?, closed_by = ?,"
                   " version = version + 1 WHERE session_id = ? AND state = 'open'", [now, by, session_id])
        db.execute("DELETE FROM table_tokens WHERE session_id = ?", [session_id])
        db.execute("DELETE FROM table_cart WHERE session_id = ?", [session_id])
        db.execute("UPDATE table_rounds SET state = 'cancelled', updated_ms = ? WHERE session_id = ?"
                   " AND state = 'awaiting_payment'", [now, session_id])
        db.execute("UPDATE table_calls SET handled_ms = ?, open_key = NULL WHERE session_id = ?"
                   " AND handled_ms IS NULL", [now, session_id])
    return db.one("SELECT * FROM table_sessions WHERE session_id = ?", [session_id])


def open_sessions(db: Database, store_id: str) -> list[dict]:
    return db.query("SELECT * FROM table_sessions WHERE store_id = ? AND state = 'open' ORDER BY table_no",
                    [store_id])


def token_hash(token: str | None) -> str | None:
    """A phone's table cookie as it is stored (its SHA-256), or None without one."""
    return _hash(token) if token and len(token) <= 100 else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
