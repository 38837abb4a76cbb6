"""Vouchers upstream: the store's code keys, issuing voucher codes, and redemption exactly once.

- Code keys (`code_keys`): one keyring per store for `MT1V` vouchers and `MT1P` pickup codes
  (docs/protocol.md), separate from the table keys; made on first use, served to the store's
  devices (`GET /v1/devices/me/code-keys`, ETag) so they verify signed codes offline.
- Redemption (`POST /v1/vouchers/redeem`, signed by a device): the code is checked here again
  (signature, store of the device, expiry), then ONE row per (store, voucher) in
  `voucher_redemptions` (primary key; INSERT … ON CONFLICT DO NOTHING): the first request wins on
  both engines, whatever races. The device's redemption_id makes a retried request the same
  redemption (200 again); any other is 409 already_used, naming the device and time.
- Offline redemptions arrive later as `voucher.redeemed` events (projection in
  upstream/cashier_events.py): the same insert; a voucher redeemed before under another redemption id is
  a double redemption, kept in `voucher_conflicts` with an alarm, and the device learns it from
  `POST /v1/vouchers/redemptions/status`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from edge.codes import classify, make_signed_code
from edge.orders import new_id
from edge.protocol.canonical import canonical_json
from edge.protocol.signing import b64e
from edge.tables import Keyring, unb64url
from upstream import coupon_holds
from upstream.enroll import authenticate, require_store
from upstream.errors import ApiError, now_ms
from upstream.sql import Database
from upstream.web import MAX_SMALL_BODY, parse_json, read_body, signed_path

ID_RE = re.compile(r"^[a-z2-7]{26}$")
STATUS_HTTP = {"already_used": 409, "expired": 410, "wrong_store": 422, "forged": 422, "unknown_key": 422,
               "malformed": 422}
_REASONS = {"voucher code for another store": "wrong_store", "forged voucher code": "forged",
            "unknown key id": "unknown_key"}


def ensure_code_key(db: Database, store_id: str) -> None:
    require_store(db, store_id)
    if db.one("SELECT kid FROM code_keys WHERE store_id = ? AND active = 1", [store_id]) is None:
        with db.tx():
            db.execute("INSERT INTO code_keys (kid, store_id, key, active, created_ms) VALUES (?, ?, ?, 1, ?)"
                       " ON CONFLICT (kid) DO NOTHING",
                       ["c" + new_id()[:7], store_id, b64e(secrets.token_bytes(32)), now_ms()])


def code_keys_doc(db: Database, store_id: str) -> tuple[dict, str]:
    ensure_code_key(db, store_id)
    keys = [{"kid": r["kid"], "key": r["key"], "active": bool(r["active"])} for r in db.query(
        "SELECT kid, key, active FROM code_keys WHERE store_id = ? ORDER BY created_ms, kid", [store_id])]
    doc = {"store_id": store_id, "keys": keys}
    return doc, hashlib.sha256(canonical_json(doc).encode()).hexdigest()[:32]


def keyring(db: Database, store_id: str) -> Keyring:
    return Keyring({r["kid"]: unb64url(r["key"]) for r in db.query(
        "SELECT kid, key FROM code_keys WHERE store_id = ? AND active = 1", [store_id])})


def issue_voucher(db: Database, store_id: str, value: int, expires_s: int, voucher_id: str | None = None) -> str:
    """A signed voucher code (`MT1V`) worth `value` fen until `expires_s` (Unix seconds)."""
    ensure_code_key(db, store_id)
    row = db.one("SELECT kid, key FROM code_keys WHERE store_id = ? AND active = 1 ORDER BY created_ms DESC, kid"
                 " LIMIT 1", [store_id])
    voucher_id = voucher_id or new_id()[:12].upper()
    try:
        code = make_signed_code("voucher", {"s": store_id, "id": voucher_id, "v": value, "x": expires_s},
                                row["kid"], unb64url(row["key"]))
    except ValueError as exc:
        raise ApiError(422, "bad_voucher", str(exc)) from None
    with db.tx():
        db.execute("INSERT INTO vouchers (store_id, voucher_id, value, expires_s, issued_ms) VALUES (?, ?, ?, ?, ?)"
                   " ON CONFLICT (store_id, voucher_id) DO NOTHING", [store_id, voucher_id, value, expires_s, now_ms()])
    return code


def check_code(db: Database, store_id: str, code: object) -> tuple[str, dict]:
    """(status, voucher fields) of a code for the store: valid | expired | wrong_store | forged |
    unknown_key | malformed | already_used (with the redemption)."""
    if not isinstance(code, str) or not code or len(code) > 512:
        return "malformed", {}
    scanned = classify(code, None, store_id, code_keys=keyring(db, store_id))
    if scanned.kind != "voucher":
        reason = scanned.reason or ""
        return (_REASONS.get(reason, "malformed") if scanned.claimed == "voucher" else "malformed"), {}
    fields = dict(scanned.fields)
    if fields["expires"] < int(time.time()):
        return "expired", fields
    return "valid", fields


def redemption(db: Database, store_id: str, voucher_id: str) -> dict | None:
    row = db.one("SELECT r.*, d.name AS device_name FROM voucher_redemptions r LEFT JOIN devices d"
                 " ON d.device_id = r.device_id WHERE r.store_id = ? AND r.voucher_id = ?", [store_id, voucher_id])
    if row is None:
        return None
    return {"redemption_id": row["redemption_id"], "device_id": row["device_id"], "device_name": row["device_name"],
            "redeemed_ms": row["redeemed_ms"], "mode": row["mode"], "staff_id": row["staff_id"]}


def claim(db: Database, store_id: str, device_id: str, fields: dict, redemption_id: str, mode: str,
          staff_id: str | None, order_id: str | None, at_ms: int) -> tuple[bool, dict]:
    """Insert the one redemption of a voucher (in the caller's transaction or its own):
    (True, it) when this redemption id holds the voucher, (False, the other one) when not. A
    member's coupon held by a phone payment that ended unpaid is free again first."""
    coupon_holds.release_ended(db, store_id, fields["voucher_id"], at_ms)
    db.execute(
        "INSERT INTO voucher_redemptions (store_id, voucher_id, redemption_id, device_id, value, mode, staff_id,"
        " order_id, redeemed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [store_id, fields["voucher_id"], redemption_id, device_id, fields["value"], mode, staff_id, order_id, at_ms])
    held = redemption(db, store_id, fields["voucher_id"])
    if held is None:  # the redemption id was used for another voucher: refuse, never overwrite
        raise ApiError(409, "redemption_id_reused", "this redemption_id belongs to another voucher", "redemption_id")
    ours = held["redemption_id"] == redemption_id
    if ours:  # a member's coupon (upstream/coupons.py) is a voucher: it is used now
        db.execute("UPDATE coupons SET used_ms = ?, used_where = ?, used_order = ? WHERE store_id = ?"
                   " AND coupon_id = ? AND used_ms IS NULL", [at_ms, f"counter:{mode}", order_id, store_id,
                                                              fields["voucher_id"]])
    return ours, held


def redeem(db: Database, device: dict, doc: object) -> tuple[int, dict]:
    if not isinstance(doc, dict) or not isinstance(doc.get("redemption_id"), str) \
            or not ID_RE.match(doc["redemption_id"]):
        raise ApiError(422, "bad_request", "send {code, redemption_id (26-char id), staff_id?, order_id?}",
                       "redemption_id")
    store_id = device["store_id"]
    status, fields = check_code(db, store_id, doc.get("code"))
    if status != "valid":
        held = redemption(db, store_id, fields["voucher_id"]) if fields else None
        if held and held["redemption_id"] == doc["redemption_id"]:
            return 200, {"status": "redeemed", "voucher": fields, "redemption": held}  # retried after it expired
        raise ApiError(STATUS_HTTP[status], status, f"voucher {status.replace('_', ' ')}", "code", voucher=fields)
    text = lambda key: doc[key][:64] if isinstance(doc.get(key), str) else None  # noqa: E731
    with db.tx():
        ours, held = claim(db, store_id, device["device_id"], fields, doc["redemption_id"], "online",
                           text("staff_id"), text("order_id"), now_ms())
    if not ours:
        raise ApiError(409, "already_used", f"voucher {fields['voucher_id']} was redeemed before"
                       f" ({held['device_name'] or held['device_id']})", "code", **held)
    return 200, {"status": "redeemed", "voucher": fields, "redemption": held}


def check(db: Database, device: dict, doc: object) -> dict:
    store_id = device["store_id"]
    status, fields = check_code(db, store_id, doc.get("code") if isinstance(doc, dict) else None)
    if fields:
        coupon_holds.release_ended(db, store_id, fields["voucher_id"], now_ms())
    held = redemption(db, store_id, fields["voucher_id"]) if fields else None
    if held and status == "valid":
        status = "already_used"
    return {"status": status, "voucher": fields, "redemption": held}


def verdicts(db: Database, device: dict, doc: object) -> dict:
    ids = doc.get("redemption_ids") if isinstance(doc, dict) else None
    if not isinstance(ids, list) or len(ids) > 500 or not all(isinstance(i, str) for i in ids):
        raise ApiError(422, "bad_request", "send {redemption_ids: [...]} (at most 500)", "redemption_ids")
    results = {}
    for rid in ids:
        if db.one("SELECT 1 AS x FROM voucher_redemptions WHERE redemption_id = ? AND store_id = ?",
                  [rid, device["store_id"]]):
            results[rid] = {"status": "confirmed"}
            continue
        lost = db.one("SELECT c.*, d.name AS device_name FROM voucher_conflicts c LEFT JOIN voucher_redemptions w"
                      " ON w.redemption_id = c.winner_redemption_id LEFT JOIN devices d ON d.device_id = w.device_id"
                      " WHERE c.redemption_id = ? AND c.store_id = ?", [rid, device["store_id"]])
        if lost:
            winner = db.one("SELECT device_id, redeemed_ms, mode FROM voucher_redemptions WHERE redemption_id = ?",
                            [lost["winner_redemption_id"]]) or {}
            results[rid] = {"status": "conflict", "device_id": winner.get("device_id"),
                            "device_name": lost["device_name"], "redeemed_ms": winner.get("redeemed_ms"),
                            "mode": winner.get("mode")}
        else:
            results[rid] = {"status": "unknown"}
    return {"results": results}


def vouchers_router(db: Database) -> APIRouter:
    router = APIRouter()

    async def device_and_doc(request: Request):
        body = await read_body(request, MAX_SMALL_BODY)
        device = await run_in_threadpool(authenticate, db, request.method, signed_path(request), body,
                                         request.headers)
        return device, parse_json(body)

    @router.get("/v1/devices/me/code-keys")
    async def code_keys(request: Request):
        device = await run_in_threadpool(authenticate, db, request.method, signed_path(request), b"",
                                         request.headers)
        doc, etag = await run_in_threadpool(code_keys_doc, db, device["store_id"])
        if request.headers.get("if-none-match", "").strip('"') == etag:
            return Response(status_code=304, headers={"ETag": f'"{etag}"'})
        return JSONResponse(doc, headers={"ETag": f'"{etag}"'})

    @router.post("/v1/vouchers/redeem")
    async def post_redeem(request: Request):
        device, doc = await device_and_doc(request)
        status, answer = await run_in_threadpool(redeem, db, device, doc)
        return JSONResponse(answer, status_code=status)

    @router.post("/v1/vouchers/check")
    async def post_check(request: Request):
        device, doc = await device_and_doc(request)
        return await run_in_threadpool(check, db, device, doc)

    @router.post("/v1/vouchers/redemptions/status")
    async def post_status(request: Request):
        device, doc = await device_and_doc(request)
        return await run_in_threadpool(verdicts, db, device, doc)

    return router
