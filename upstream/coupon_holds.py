"""A phone payment's hold on a member's coupon, and when it ends: the one rule the voucher path
(upstream/vouchers.py: counter redemptions, online and offline) and the phone checkout
(upstream/phone_coupons.py) share, kept apart so neither imports the other.

A phone checkout holds a coupon as its `voucher_redemptions` row (mode `phone`), first under a
hold id (`hold-…`), then under the gateway attempt paying the rest. The hold ends, and the coupon
is the member's again, when that attempt ended without the store keeping money (failed, closed,
abandoned, refunded), or when a hold id never got its attempt (a crash between the two steps).
"""

from __future__ import annotations

from upstream.gateway.states import ABANDONED, CLOSED, FAILED, REFUNDED
from upstream.sql import Database

PHONE = "phone"
HOLD_PREFIX = "hold-"
HOLD_STALE_MS = 10 * 60_000  # a hold with no attempt after this was left by a crash
ENDED_UNPAID = (FAILED, CLOSED, ABANDONED, REFUNDED)


def release_ended(db: Database, store_id: str, voucher_id: str, now: int) -> bool:
    """Delete the phone's hold on a voucher when the payment it was applied to ended with nothing
    kept (or never started); True when it did. A coupon already marked used by that payment is
    unmarked. Safe to call anywhere, inside or outside a transaction."""
    row = db.one("SELECT redemption_id, redeemed_ms FROM voucher_redemptions WHERE store_id = ? AND voucher_id = ?"
                 " AND mode = ?", [store_id, voucher_id, PHONE])
    if row is None:
        return False
    rid = row["redemption_id"]
    if rid.startswith(HOLD_PREFIX):
        ended = row["redeemed_ms"] < now - HOLD_STALE_MS
    else:
        state = db.scalar("SELECT state FROM gateway_attempts WHERE attempt_id = ?", [rid])
        ended = state is None or state in ENDED_UNPAID
    if not ended:
        return False
    gone = db.execute("DELETE FROM voucher_redemptions WHERE store_id = ? AND voucher_id = ? AND redemption_id = ?",
                      [store_id, voucher_id, rid]).rowcount
    db.execute("UPDATE coupons SET used_ms = NULL, used_where = NULL, used_order = NULL, discount = NULL"
               " WHERE store_id = ? AND coupon_id = ? AND used_where = ?", [store_id, voucher_id, PHONE])
    return gone == 1
