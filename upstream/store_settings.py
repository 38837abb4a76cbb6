"""What an operator sets per store and its devices pull: menus (versioned, served with an ETag),
table keys and staff PIN hashes; and the store's phone-order limits (kept upstream only)."""

from __future__ import annotations

import hashlib
import json
import secrets
import tomllib

from edge.menu import MenuError, menu_from_dict, menu_to_dict
from edge.orders import new_id
from edge.protocol.canonical import canonical_json
from edge.protocol.pins import check_new_pin, hash_pin
from edge.protocol.signing import b64e
from edge.tables import make_table_url, unb64url
from upstream.enroll import require_store
from upstream.errors import ApiError, now_ms
from upstream.phone_limits import PhoneLimits, limits_from_doc, overrides
from upstream.sql import Database


def publish_menu(db: Database, store_id: str, doc: dict) -> tuple[str, str]:
    """Validate and publish a menu document; returns (version, etag)."""
    require_store(db, store_id)
    try:
        menu = menu_from_dict(doc)
    except (MenuError, TypeError, AttributeError) as exc:
        raise ApiError(422, "bad_menu", f"menu refused: {exc}") from None
    text = canonical_json(menu_to_dict(menu))
    etag = hashlib.sha256(text.encode()).hexdigest()[:32]
    with db.tx():
        db.execute("UPDATE stores SET menu_version = ?, menu_doc = ?, menu_etag = ?, menu_published_ms = ?"
                   " WHERE store_id = ?", [menu.version, text, etag, now_ms(), store_id])
    return menu.version, etag


def publish_menu_file(db: Database, store_id: str, path: str) -> tuple[str, str]:
    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ApiError(422, "bad_menu", f"{path}: not valid TOML: {exc}") from None
    return publish_menu(db, store_id, doc)


def store_menu(db: Database, store_id: str):
    """(menu doc, etag) or (None, None)."""
    row = db.one("SELECT menu_doc, menu_etag FROM stores WHERE store_id = ?", [store_id])
    if not row or not row["menu_doc"]:
        return None, None
    return json.loads(row["menu_doc"]), row["menu_etag"]


def settings_doc(db: Database, store_id: str) -> tuple[dict, str]:
    keys = [{"kid": r["kid"], "store_id": r["store_id"], "key": r["key"], "active": bool(r["active"])}
            for r in db.query("SELECT kid, store_id, key, active FROM table_keys"
                              " WHERE store_id = ? ORDER BY created_ms, kid", [store_id])]
    staff = db.query("SELECT staff_id, name, role, pin_hash FROM staff WHERE store_id = ? ORDER BY staff_id",
                     [store_id])
    doc = {"table_keys": keys, "staff": [dict(s) for s in staff]}
    return doc, hashlib.sha256(canonical_json(doc).encode()).hexdigest()[:32]


def set_staff(db: Database, store_id: str, staff_id: str, name: str, role: str, pin: str) -> None:
    require_store(db, store_id)
    try:
        check_new_pin(pin, role)  # managers and technicians: 6-12 digits
        pin_hash = hash_pin(pin)
    except ValueError as exc:
        raise ApiError(422, "bad_pin", str(exc), "pin") from None
    with db.tx():
        db.execute("INSERT INTO staff (store_id, staff_id, name, role, pin_hash, updated_ms) VALUES (?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT (store_id, staff_id) DO UPDATE SET name = excluded.name, role = excluded.role,"
                   " pin_hash = excluded.pin_hash, updated_ms = excluded.updated_ms",
                   [store_id, staff_id, name, role, pin_hash, now_ms()])


def rotate_table_key(db: Database, store_id: str, retire_old: bool = False) -> str:
    require_store(db, store_id)
    kid = new_id()[:8]
    with db.tx():
        if retire_old:
            db.execute("UPDATE table_keys SET active = 0 WHERE store_id = ?", [store_id])
        db.execute("INSERT INTO table_keys (kid, store_id, key, active, created_ms) VALUES (?, ?, ?, 1, ?)",
                   [kid, store_id, b64e(secrets.token_bytes(32)), now_ms()])
    return kid


def table_code(db: Database, store_id: str, table: str, host: str) -> str:
    """The URL for table `table`'s QR card (edge.tables format; `host` is the ordering web host)."""
    require_store(db, store_id)
    row = db.one("SELECT kid, key FROM table_keys WHERE store_id = ? AND active = 1"
                 " ORDER BY created_ms DESC, kid LIMIT 1", [store_id])
    if row is None:
        raise ApiError(409, "no_table_key", f"store {store_id} has no active table key")
    try:
        return make_table_url(host, store_id, table, row["kid"], unb64url(row["key"]))
    except ValueError as exc:
        raise ApiError(422, "bad_table", str(exc), "table") from None


def phone_limits(db: Database, store_id: str) -> PhoneLimits:
    """The store's phone-order limits: the defaults (upstream/phone_limits.py) with its overrides."""
    text = db.scalar("SELECT phone_limits FROM stores WHERE store_id = ?", [store_id])
    try:
        return limits_from_doc(json.loads(text) if text else None)
    except ValueError:  # kept only through set_phone_limits, so never; the defaults if so
        return limits_from_doc(None)


def set_phone_limits(db: Database, store_id: str, changes: dict, reset: bool = False) -> PhoneLimits:
    """Change some of a store's phone-order limits ({name: whole number}); `reset` first goes back
    to the defaults. Returns the limits now in force."""
    require_store(db, store_id)
    with db.tx():
        current = {} if reset else overrides(phone_limits(db, store_id))
        try:
            limits = limits_from_doc({**current, **changes})
        except ValueError as exc:
            raise ApiError(422, "bad_limit", str(exc), "phone_limits") from None
        kept = overrides(limits)
        db.execute("UPDATE stores SET phone_limits = ? WHERE store_id = ?",
                   [canonical_json(kept) if kept else None, store_id])
    return limits
