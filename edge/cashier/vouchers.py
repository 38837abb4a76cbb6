"""Vouchers / coupons (核销) on the device: check a code, redeem it exactly once.

A voucher is an `MT1V` code signed with the store's code key (docs/protocol.md): voucher id,
value in fen, expiry. Statuses a cashier sees:

    valid         signed for this store, not expired, not redeemed as far as this device knows
    redeemed      just redeemed (online: upstream holds it; offline: queued, see below)
    already_used  redeemed before (here: when and by whom; elsewhere: upstream says where)
    expired       past its expiry
    wrong_store   signed for another store
    forged        the signature does not verify (a changed or made-up code)
    unknown_key   signed with a key this device does not hold (yet): sync, then scan again
    no_keys       this device has no code keys yet (never synced)
    malformed     not a voucher code at all, or a damaged one

Redemption (`VoucherDesk.redeem` in edge/cashier/cashier_desk.py) writes a `pending` row first (UNIQUE
per store + voucher id: a second redemption on this device is refused by the database), then
asks upstream (`POST /v1/vouchers/redeem`, idempotent by redemption_id: a retried request is
the same redemption). Upstream answers redeemed or already used (by another device). When
upstream cannot be reached the redemption is kept `queued` (offline, signed codes only) and an
outbox event `voucher.redeemed` carries it upstream; a second redemption of the same voucher on
another device is found there (projection) and shown on this device at the next reconcile
(`conflict`). A `pending` row left by a crash is resumed with its redemption id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import sqlite_utils

from edge.codes import CodeContext, ScannedCode, classify_in

STATUSES = ("valid", "redeemed", "already_used", "expired", "wrong_store", "forged", "unknown_key", "no_keys",
            "malformed")
_REASONS = {"voucher code for another store": "wrong_store", "forged voucher code": "forged",
            "unknown key id": "unknown_key", "store keys not loaded": "no_keys"}


@dataclass(frozen=True)
class VoucherCheck:
    status: str
    voucher: dict = field(default_factory=dict)  # store, voucher_id, value (fen), expires (unix s)
    reason: str | None = None
    redemption: dict | None = None  # the redemption on record (already_used / redeemed)
    online: bool | None = None  # True: upstream answered; False: offline; None: not asked

    def doc(self) -> dict:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return self.status in ("valid", "redeemed")


def classify_voucher(code: ScannedCode, now_s: int) -> VoucherCheck:
    """The status of a classified code as a voucher, from the code alone (signature, store, expiry)."""
    if code.kind == "voucher":
        fields = dict(code.fields)
        if fields["expires"] < now_s:
            return VoucherCheck("expired", fields, "past its expiry")
        return VoucherCheck("valid", fields)
    if code.kind == "unknown" and code.claimed == "voucher":
        return VoucherCheck(_REASONS.get(code.reason or "", "malformed"), {}, code.reason)
    return VoucherCheck("malformed", {}, "not a voucher code" if code.kind != "unknown" else code.reason)


def check_text(text: str, context: CodeContext, now_s: int) -> tuple[ScannedCode, VoucherCheck]:
    code = classify_in(text, context)
    return code, classify_voucher(code, now_s)


def redemption_of(db: sqlite_utils.Database, store_id: str, voucher_id: str) -> dict | None:
    rows = list(db.query("SELECT r.*, s.name AS staff_name FROM voucher_redemptions r LEFT JOIN staff_pins s"
                         " ON s.staff_id = r.staff_id WHERE r.store_id = ? AND r.voucher_id = ?",
                         [store_id, voucher_id]))
    if not rows:
        return None
    row = rows[0]
    return {**row, "conflict": json.loads(row["conflict"]) if row["conflict"] else None, "device": "this device"}


def with_local_record(db: sqlite_utils.Database, check: VoucherCheck) -> VoucherCheck:
    """A valid code that this device has redeemed before is `already_used` (a `pending` row,
    left by a crash mid-redemption, keeps it valid: the redemption resumes with its id)."""
    if check.status != "valid":
        return check
    record = redemption_of(db, check.voucher["store"], check.voucher["voucher_id"])
    if record is None or record["state"] == "pending":
        return check
    return VoucherCheck("already_used", check.voucher, "redeemed before on this device", record, check.online)


def begin(db: sqlite_utils.Database, check: VoucherCheck, redemption_id: str, day: str, staff_id: str,
          order_id: str | None, at_ms: int) -> str | None:
    """Claim the voucher on this device (`pending`); returns the redemption id to use (an older
    pending one wins), or None when it is redeemed already. Call under the write lock."""
    v = check.voucher
    with db.atomic():
        db.execute(
            "INSERT INTO voucher_redemptions (redemption_id, store_id, voucher_id, value, expires, business_day, mode,"
            " state, order_id, staff_id, at_ms) VALUES (?, ?, ?, ?, ?, ?, 'online', 'pending', ?, ?, ?)"
            " ON CONFLICT (store_id, voucher_id) DO NOTHING",
            [redemption_id, v["store"], v["voucher_id"], v["value"], v["expires"], day, order_id, staff_id, at_ms])
        row = db.execute("SELECT redemption_id, state FROM voucher_redemptions WHERE store_id = ? AND voucher_id = ?",
                         [v["store"], v["voucher_id"]]).fetchone()
    return row[0] if row[1] == "pending" else None


def event_payload(db: sqlite_utils.Database, redemption_id: str) -> dict:
    r = next(db.query("SELECT * FROM voucher_redemptions WHERE redemption_id = ?", [redemption_id]))
    return {"redemption_id": r["redemption_id"], "store": r["store_id"], "voucher_id": r["voucher_id"],
            "value": r["value"], "expires": r["expires"], "business_day": r["business_day"], "mode": r["mode"],
            "order_id": r["order_id"], "staff_id": r["staff_id"]}


def finish(db: sqlite_utils.Database, redemption_id: str, mode: str, at_ms: int) -> None:
    """The claim became a redemption: `redeemed` (upstream holds it) or `queued` (offline)."""
    state = "redeemed" if mode == "online" else "queued"
    db.execute("UPDATE voucher_redemptions SET mode = ?, state = ?, at_ms = ? WHERE redemption_id = ?",
               [mode, state, at_ms, redemption_id])


def drop(db: sqlite_utils.Database, redemption_id: str) -> None:
    """Upstream refused (used elsewhere, expired …): this device did not redeem it."""
    db.execute("DELETE FROM voucher_redemptions WHERE redemption_id = ? AND state = 'pending'", [redemption_id])


def queued(db: sqlite_utils.Database, limit: int = 200) -> list[str]:
    return [r[0] for r in db.execute("SELECT redemption_id FROM voucher_redemptions WHERE state = 'queued'"
                                     " ORDER BY at_ms LIMIT ?", [limit])]


def settle(db: sqlite_utils.Database, results: dict[str, dict]) -> list[dict]:
    """Apply upstream's verdicts on queued offline redemptions; returns the new conflicts."""
    conflicts = []
    with db.atomic():
        for rid, verdict in results.items():
            status = verdict.get("status") if isinstance(verdict, dict) else None
            if status == "confirmed":
                db.execute("UPDATE voucher_redemptions SET state = 'confirmed' WHERE redemption_id = ?"
                           " AND state = 'queued'", [rid])
            elif status == "conflict":
                detail = {k: verdict.get(k) for k in ("device_id", "device_name", "redeemed_ms", "mode")}
                changed = db.execute("UPDATE voucher_redemptions SET state = 'conflict', conflict = ?"
                                     " WHERE redemption_id = ? AND state = 'queued'",
                                     [json.dumps(detail, ensure_ascii=False), rid]).rowcount
                if changed:
                    row = next(db.query("SELECT voucher_id, value, at_ms FROM voucher_redemptions"
                                        " WHERE redemption_id = ?", [rid]))
                    conflicts.append({"redemption_id": rid, **row, "first": detail})
    return conflicts


def list_redemptions(db: sqlite_utils.Database, day: str | None = None, limit: int = 100) -> list[dict]:
    sql = "SELECT * FROM voucher_redemptions WHERE state != 'pending'" + (" AND business_day = ?" if day else "")
    rows = db.query(sql + " ORDER BY at_ms DESC LIMIT ?", [day, limit] if day else [limit])
    return [{**r, "conflict": json.loads(r["conflict"]) if r["conflict"] else None} for r in rows]
