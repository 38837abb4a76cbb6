"""Downstream: commands from upstream (phone orders...), table keys and PIN hashes.

Commands are stored by command_id (a second delivery is ignored), applied once, and acked by
id. A phone order is placed through the core's own placement path with the client token
`up-<command_id>`: if the device dies between placing and recording the command as applied,
applying it again returns the same order, so the kitchen prints it exactly once.

A table round (a phone table's 加菜, `order.place` with a `table_session`) goes the same way, with
its payment ("table": on the table's bill; "prepaid": paid on the phone) and how long it waited
upstream (`waited_ms` at its first delivery, so a round that waited out an outage prints marked
迟到). `table.call` (呼叫服务员 / 请求结账) is handed to the core, which prints a slip at the counter
and tells the cashier screens.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import sqlite_utils

from edge.cart import CartError
from edge.ledger.db import StorageError
from edge.protocol.canonical import canonical_json
from edge.protocol.pins import is_pin_hash, verify_pin
from edge.sync.state import now_ms, raise_alarm

log = logging.getLogger(__name__)
ID_RE = re.compile(r"^[a-z2-7]{26}$")
COMMAND_TYPES = ("order.place", "menu.refresh", "table.call")


class BadCommand(ValueError):
    pass


class RetryLater(RuntimeError):
    """The command could not be applied now (storage); keep it and try again."""


def check_command(doc: object) -> dict:
    if not isinstance(doc, dict):
        raise BadCommand("a command must be an object")
    if not isinstance(doc.get("command_id"), str) or not ID_RE.match(doc["command_id"]):
        raise BadCommand("command_id must be a 26-character id")
    seq = doc.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise BadCommand("seq must be a positive integer")
    if not isinstance(doc.get("type"), str):
        raise BadCommand("type must be text")
    if not isinstance(doc.get("payload"), dict):
        raise BadCommand("payload must be an object")
    return doc


def store_commands(db: sqlite_utils.Database, docs: object) -> int:
    """Store new commands idempotently; malformed ones raise an alarm and are skipped
    (those with a usable command_id are kept as rejected so that upstream gets an ack)."""
    if not isinstance(docs, list):
        raise_alarm(db, "bad_command", "upstream sent commands that are not a list")
        return 0
    new = 0
    now = now_ms()
    with db.atomic():
        for doc in docs:
            try:
                cmd = check_command(doc)
                state, result = "received", None
                if cmd["type"] not in COMMAND_TYPES:
                    state, result = "rejected", {"code": "unknown_command", "message": f"unknown type {cmd['type']!r}"}
            except BadCommand as exc:
                cid = doc.get("command_id") if isinstance(doc, dict) else None
                if not (isinstance(cid, str) and ID_RE.match(cid)):
                    detail = f"malformed command without a usable id: {exc}"
                    db.execute("INSERT INTO sync_alarms (kind, detail, at_wall_ms) VALUES ('bad_command', ?, ?)",
                               [detail[:300], now])
                    continue
                cmd = {"command_id": cid, "seq": 1, "type": "invalid", "payload": {}}
                state, result = "rejected", {"code": "bad_command", "message": str(exc)}
            _note_wait(cmd)
            cursor = db.execute(
                "INSERT INTO downstream_commands (command_id, upstream_seq, type, payload, state, result,"
                " received_wall_ms, applied_wall_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (command_id) DO NOTHING",
                [cmd["command_id"], cmd["seq"], cmd["type"], canonical_json(cmd["payload"]), state,
                 None if result is None else canonical_json(result), now, now if result else None])
            new += cursor.rowcount
    return new


def _note_wait(cmd: dict) -> None:
    """A round's `waited_ms`: how long upstream had held it when it first reached this device."""
    round_info, waited = cmd["payload"].get("table_session"), cmd.get("waited_ms")
    if isinstance(round_info, dict) and isinstance(waited, int) and not isinstance(waited, bool) and waited >= 0:
        round_info["waited_ms"] = waited


def apply_pending(db: sqlite_utils.Database, place_order: Callable[..., tuple[dict, bool]] | None,
                  on_menu_refresh: Callable[[], None] | None = None,
                  on_table_call: Callable[[dict], None] | None = None) -> int:
    """Apply received commands in upstream order; returns how many were applied or rejected."""
    done = 0
    rows = db.execute("SELECT command_id, type, payload FROM downstream_commands WHERE state = 'received'"
                      " ORDER BY upstream_seq, received_wall_ms").fetchall()
    for command_id, kind, payload in rows:
        try:
            state, result = _apply(command_id, kind, json.loads(payload), place_order, on_menu_refresh,
                                   on_table_call)
        except RetryLater as exc:
            log.warning("command %s not applied yet: %s", command_id, exc)
            continue
        if state is None:
            continue
        with db.atomic():
            db.execute("UPDATE downstream_commands SET state = ?, result = ?, applied_wall_ms = ?"
                       " WHERE command_id = ? AND state = 'received'",
                       [state, canonical_json(result), now_ms(), command_id])
        done += 1
    return done


def _apply(command_id: str, kind: str, payload: dict, place_order, on_menu_refresh, on_table_call):
    if kind == "menu.refresh":
        if on_menu_refresh:
            on_menu_refresh()
        return "applied", {}
    if kind == "table.call":
        if on_table_call is None:
            return None, None  # only the core prints; a CLI run leaves it for the core
        try:
            on_table_call(payload)
        except ValueError as exc:
            return "rejected", {"code": "bad_call", "message": str(exc)}
        except StorageError as exc:
            raise RetryLater(str(exc)) from exc
        return "applied", {}
    if kind == "order.place":
        if place_order is None:
            return None, None  # only the core places orders; a CLI run leaves it for the core

        doc = {k: payload.get(k) for k in ("service", "table", "lines", "notes") if payload.get(k) is not None}
        doc["client_token"] = f"up-{command_id}"
        round_info = payload.get("table_session")
        try:
            if round_info is None:
                doc["payment"] = "counter"
                view, _created = place_order(doc)
            else:  # a table round: its own payment, checked by parse_order_request(from_upstream=True)
                doc.update(payment=payload.get("payment"), table_session=round_info, prepaid=payload.get("prepaid"))
                view, _created = place_order(doc, from_upstream=True)
        except CartError as exc:
            return "rejected", {"code": exc.code, "message": exc.message, "field": exc.field}
        except StorageError as exc:
            raise RetryLater(str(exc)) from exc
        return "applied", {"order_id": view["id"], "ticket_no": view["ticket_no"], "total": view["total"]}
    return "rejected", {"code": "unknown_command", "message": f"unknown type {kind!r}"}


def unacked(db: sqlite_utils.Database) -> list[dict]:
    return [{"command_id": r[0], "status": r[1], "result": json.loads(r[2] or "{}")} for r in db.execute(
        "SELECT command_id, state, result FROM downstream_commands WHERE state != 'received'"
        " AND acked_wall_ms IS NULL ORDER BY upstream_seq LIMIT 100").fetchall()]


def mark_acked(db: sqlite_utils.Database, command_ids: list[str]) -> None:
    with db.atomic():
        db.conn.executemany("UPDATE downstream_commands SET acked_wall_ms = ? WHERE command_id = ?",
                            [(now_ms(), cid) for cid in command_ids])


def store_settings(db: sqlite_utils.Database, doc: dict, etag: str | None) -> None:
    """Replace table keys and staff PIN hashes in one transaction (refuse a malformed document)."""
    keys, staff = doc.get("table_keys"), doc.get("staff")
    if not isinstance(keys, list) or not isinstance(staff, list):
        raise BadCommand("settings need 'table_keys' and 'staff' lists")
    for k in keys:
        if not (isinstance(k, dict) and all(isinstance(k.get(f), str) for f in ("kid", "store_id", "key"))):
            raise BadCommand("bad table key entry")
    for s in staff:
        if not (isinstance(s, dict) and all(isinstance(s.get(f), str) for f in ("staff_id", "name", "role"))
                and is_pin_hash(s.get("pin_hash"))):
            raise BadCommand("bad staff entry")
    with db.atomic():
        db.execute("DELETE FROM table_keys")
        db.execute("DELETE FROM staff_pins")
        db.conn.executemany("INSERT INTO table_keys (kid, store_id, key, active) VALUES (?, ?, ?, ?)",
                            [(k["kid"], k["store_id"], k["key"], int(bool(k.get("active", True)))) for k in keys])
        db.conn.executemany("INSERT INTO staff_pins (staff_id, name, role, pin_hash) VALUES (?, ?, ?, ?)",
                            [(s["staff_id"], s["name"], s["role"], s["pin_hash"]) for s in staff])
        if etag:
            db.execute("INSERT INTO sync_state (key, value) VALUES ('settings_etag', ?)"
                       " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [etag])


def staff_pin_ok(db: sqlite_utils.Database, staff_id: str, pin: str) -> bool:
    row = db.execute("SELECT pin_hash FROM staff_pins WHERE staff_id = ?", [staff_id]).fetchone()
    return bool(row) and verify_pin(pin, row[0])
