"""A member's coupon applied at the phone checkout: the table's bill or a pay-first round costs less.

    usable(db, member, amount, now)                     the member's coupons and what each takes off
    hold(db, member, coupon_id, bill_ref, amount, now)  -> Hold: the coupon kept for this payment
    attach(db, hold, attempt_id) / drop(db, hold)       after the gateway started (or refused) it
    applied(db, attempt)                                -> (discount, coupon_id) of a settled payment
    release_ended(db, store_id, voucher_id, now)        (upstream/coupon_holds.py) a hold whose payment ended

A coupon is a store voucher (upstream/coupons.py), redeemed exactly once through ONE row per
(store, voucher) in `voucher_redemptions`. Applying it on a phone takes that row at once
(mode `phone`, device `phone`, order_id = the bill's reference, value = the discount), first under
a hold id, then under the gateway attempt that pays the rest: the counter's camera then sees the
coupon as used, and an offline redemption of it meanwhile is a double use flagged at sync (the
same projection as two devices). The coupon is marked used when the payment settles
(`applied`); when the attempt ends without the store keeping money (failed, closed, abandoned,
refunded) or a hold never got its attempt (a crash between the two), the row is deleted the
next time anyone looks at the coupon (`release_ended`), and the member has it again.

The discount: campaigns.discount (¥X off, or N% capped, from the minimum spend); a coupon that
would leave nothing to pay is refused here (the phone pays at least ¥0.01; such a coupon is used
at the counter).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.orders import new_id
from upstream import campaigns, coupons
from upstream.errors import ApiError
from upstream.coupon_holds import HOLD_PREFIX, PHONE, release_ended
from upstream.gateway.states import PAYING, QUERYING
from upstream.sql import Database

REFUSALS = {
    "no_coupon": "这张券不是你的或不存在 (not your coupon)",
    "coupon_used": "这张券已经用过了 (this coupon was used)",
    "coupon_expired": "这张券已过期 (this coupon has expired)",
    "below_min_spend": "未达到使用门槛 (below the coupon's minimum spend)",
    "covers_all": "这张券抵扣全部金额，请到收银台使用 (it covers the whole bill: use it at the counter)",
    "join_first": "先成为会员 (join first to use a coupon)",
}


@dataclass(frozen=True)
class Hold:
    store_id: str
    coupon_id: str
    hold_id: str
    discount: int
    bill_ref: str
    previous: str | None = None  # the attempt of this bill that held the coupon before (taken over)


def _refuse(status: int, code: str) -> ApiError:
    return ApiError(status, code, REFUSALS[code], "coupon_id")


def _refusal(discount: int, amount: int) -> str | None:
    """Why a coupon taking `discount` off `amount` cannot be used on a phone (None: it can)."""
    return "below_min_spend" if discount <= 0 else "covers_all" if discount >= amount else None


def usable(db: Database, member: dict | None, amount: int, now: int) -> list[dict]:
    """The member's coupons this amount could use now, each with what it takes off (`discount`)
    and why not when it cannot (`refusal`: below_min_spend | covers_all); newest first."""
    if member is None:
        return []
    out = []
    for row in db.query("SELECT t.*, r.mode AS taken FROM (" + coupons.WITH_TERMS + " WHERE c.member_id = ?"
                        " AND c.used_ms IS NULL AND c.expires_ms > ?) t LEFT JOIN voucher_redemptions r"
                        " ON r.store_id = t.store_id AND r.voucher_id = t.coupon_id ORDER BY t.issued_ms DESC",
                        [member["member_id"], now]):
        if row["taken"] is not None and row["taken"] != PHONE:
            continue  # redeemed at a counter
        if row["taken"] is not None:
            release_ended(db, row["store_id"], row["coupon_id"], now)
        discount = campaigns.discount(row, amount)
        refusal = _refusal(discount, amount)
        out.append({"coupon_id": row["coupon_id"], "name": row["name"], "kind": row["kind"],
                    "terms": {"zh": campaigns.terms(row, "zh"), "en": campaigns.terms(row, "en")},
                    "min_spend": row["min_spend"], "expires_ms": row["expires_ms"],
                    "discount": 0 if refusal else discount, "refusal": refusal})
    return out


def hold(db: Database, member: dict | None, coupon_id: object, bill_ref: str, amount: int, now: int) -> Hold:
    """Keep the member's coupon for a payment of `amount` fen of this bill; what it takes off. A 4xx
    ApiError says why not (not theirs, used, expired, below its minimum, covering it all). A coupon
    held for the same bill before (the guest paying again, another channel) is taken over."""
    if member is None:
        raise _refuse(403, "join_first")
    row = db.one(coupons.WITH_TERMS + " WHERE c.coupon_id = ?", [coupon_id]) \
        if isinstance(coupon_id, str) and len(coupon_id) <= 32 else None
    if row is None or row["member_id"] != member["member_id"] or row["store_id"] != member["store_id"]:
        raise _refuse(404, "no_coupon")
    if row["used_ms"] is not None:
        raise _refuse(409, "coupon_used")
    if row["expires_ms"] <= now:
        raise _refuse(409, "coupon_expired")
    discount = campaigns.discount(row, amount)
    refusal = _refusal(discount, amount)
    if refusal:
        raise _refuse(409, refusal)
    store_id, hold_id = row["store_id"], HOLD_PREFIX + new_id()
    release_ended(db, store_id, row["coupon_id"], now)
    with db.tx():
        before = db.scalar("SELECT redemption_id FROM voucher_redemptions WHERE store_id = ? AND voucher_id = ?"
                           " AND mode = ? AND order_id = ?", [store_id, row["coupon_id"], PHONE, bill_ref])
        taken = db.execute(
            "INSERT INTO voucher_redemptions (store_id, voucher_id, redemption_id, device_id, value, mode, staff_id,"
            " order_id, redeemed_ms) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING",
            [store_id, row["coupon_id"], hold_id, PHONE, discount, PHONE, bill_ref, now]).rowcount
        if taken != 1:  # held for this bill before: the new payment takes it over; else it is used
            taken = db.execute("UPDATE voucher_redemptions SET redemption_id = ?, value = ?, redeemed_ms = ?"
                               " WHERE store_id = ? AND voucher_id = ? AND mode = ? AND order_id = ?",
                               [hold_id, discount, now, store_id, row["coupon_id"], PHONE, bill_ref]).rowcount
        if taken != 1:
            raise _refuse(409, "coupon_used")
    return Hold(store_id, row["coupon_id"], hold_id, discount, bill_ref, before)


def attach(db: Database, held: Hold, attempt_id: str, state: str) -> None:
    """The gateway attempt that pays the rest now holds the coupon: a new attempt, or the one that
    held it before. An attempt the gateway had already (the same payment asked again, paid already,
    or carrying another coupon) keeps what it had: the hold is dropped."""
    with db.tx():
        other = db.scalar("SELECT voucher_id FROM voucher_redemptions WHERE redemption_id = ?", [attempt_id])
        if other is None and (attempt_id == held.previous or state in (PAYING, QUERYING)):
            db.execute("UPDATE voucher_redemptions SET redemption_id = ? WHERE redemption_id = ?",
                       [attempt_id, held.hold_id])
        else:
            db.execute("DELETE FROM voucher_redemptions WHERE redemption_id = ?", [held.hold_id])


def drop(db: Database, held: Hold) -> None:
    """The payment did not start: the coupon is free again."""
    with db.tx():
        db.execute("DELETE FROM voucher_redemptions WHERE redemption_id = ?", [held.hold_id])


def applied(db: Database, attempt: dict) -> tuple[int, str | None]:
    """(discount, coupon id) a settled in-app attempt paid with (0, None: none); marks the coupon used
    (on the phone, for this bill, with its discount)."""
    row = db.one("SELECT voucher_id, value FROM voucher_redemptions WHERE redemption_id = ? AND mode = ?"
                 " AND store_id = ?", [attempt["attempt_id"], PHONE, attempt["store_id"]])
    if row is None:
        return 0, None
    with db.tx():
        db.execute("UPDATE coupons SET used_ms = ?, used_where = ?, used_order = ?, discount = ? WHERE store_id = ?"
                   " AND coupon_id = ? AND used_ms IS NULL",
                   [attempt["final_ms"] or attempt["updated_ms"], PHONE, attempt["order_id"], row["value"],
                    attempt["store_id"], row["voucher_id"]])
    return row["value"], row["voucher_id"]


# the coupon a phone payment (gateway_attempts `a`) holds or used: these columns with this join
COUPON_COLUMNS = "v.voucher_id AS coupon_id, v.value AS coupon_discount"
OF_ATTEMPT = "LEFT JOIN voucher_redemptions v ON v.redemption_id = a.attempt_id AND v.mode = 'phone'"


def of_attempt(db: Database, attempt_id: str) -> dict | None:
    """The coupon a phone payment holds or used: {coupon_id, discount}, or None."""
    row = db.one(f"SELECT {COUPON_COLUMNS} FROM gateway_attempts a {OF_ATTEMPT} WHERE a.attempt_id = ?",
                 [attempt_id])
    return coupon_of(row or {})


def coupon_of(row: dict) -> dict | None:
    """{coupon_id, discount} from a row joined with OF_ATTEMPT, or None."""
    return None if row.get("coupon_id") is None else {"coupon_id": row["coupon_id"], "discount": row["coupon_discount"]}
