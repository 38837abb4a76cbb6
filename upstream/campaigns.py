"""Coupon campaigns (领优惠): what a store owner offers its members, and on which terms.

A campaign gives coupons of one kind: `amount` (¥X off, optionally over a minimum spend) or
`percent` (N% off over a minimum spend, never more than a cap); valid from `starts_ms` to
`ends_ms`; each coupon valid `valid_days` after it is issued; at most `per_member` per member and
`quota` in all. Delivery: `claim` (members claim it on the store's member page), `after_payment`
(a return coupon: a member's settled payment earns one) or `segment` (the owner sends it to a
segment of members from the dashboard). Issuing and redeeming: upstream/coupons.py.
"""

from __future__ import annotations

from edge.orders import new_id
from upstream.errors import ApiError
from upstream.sql import Database
from upstream.vouchers import ensure_code_key

KINDS = ("amount", "percent")
DELIVERIES = ("claim", "after_payment", "segment")
MAX_FEN = 10_000_000  # a coupon's value fits a voucher code (edge/codes.py)
DAY_MS = 24 * 3600 * 1000


def _bad(message: str, field: str) -> ApiError:
    return ApiError(422, "bad_campaign", message, field)


def create(db: Database, store_id: str, *, name: str, kind: str, amount_off: int | None = None,
           percent_off: int | None = None, min_spend: int = 0, max_off: int | None = None, starts_ms: int,
           ends_ms: int, valid_days: int, per_member: int, quota: int, delivery: str, now: int) -> dict:
    """A new active campaign; every term checked (a 422 names the first wrong one)."""
    name = "".join(c for c in str(name) if c.isprintable()).strip()
    if not 1 <= len(name) <= 40:
        raise _bad("a campaign needs a name of 1 to 40 characters", "name")
    if kind not in KINDS:
        raise _bad(f"kind must be one of {', '.join(KINDS)}", "kind")
    if delivery not in DELIVERIES:
        raise _bad(f"delivery must be one of {', '.join(DELIVERIES)}", "delivery")
    if not (type(min_spend) is int and 0 <= min_spend <= MAX_FEN):
        raise _bad("the minimum spend must be 0 to ¥100000.00", "min_spend")
    if kind == "amount":
        if not (type(amount_off) is int and 1 <= amount_off <= MAX_FEN):
            raise _bad("an amount coupon needs an amount off of ¥0.01 to ¥100000.00", "amount_off")
        if min_spend and amount_off > min_spend:
            raise _bad("the amount off cannot be more than the minimum spend", "amount_off")
        percent_off, max_off = None, None
    else:
        if not (type(percent_off) is int and 1 <= percent_off <= 90):
            raise _bad("a percent coupon takes 1 to 90 percent off", "percent_off")
        if not (type(max_off) is int and 1 <= max_off <= MAX_FEN):
            raise _bad("a percent coupon needs a cap (the most it takes off)", "max_off")
        amount_off = None
    if not (type(starts_ms) is int and type(ends_ms) is int and ends_ms > starts_ms):
        raise _bad("a campaign must end after it starts", "ends")
    if not (type(valid_days) is int and 1 <= valid_days <= 366):
        raise _bad("a coupon is valid 1 to 366 days", "valid_days")
    if not (type(per_member) is int and 1 <= per_member <= 100):
        raise _bad("per member: 1 to 100", "per_member")
    if not (type(quota) is int and 1 <= quota <= 10_000_000):
        raise _bad("the quota must be 1 to 10000000 coupons", "quota")
    row = {"campaign_id": "c" + new_id()[:15], "store_id": store_id, "name": name, "kind": kind,
           "amount_off": amount_off, "percent_off": percent_off, "min_spend": min_spend, "max_off": max_off,
           "starts_ms": starts_ms, "ends_ms": ends_ms, "valid_days": valid_days, "per_member": per_member,
           "quota": quota, "issued": 0, "delivery": delivery, "state": "active", "created_ms": now, "updated_ms": now}
    if db.one("SELECT 1 AS x FROM stores WHERE store_id = ?", [store_id]) is None:
        raise ApiError(404, "unknown_store", f"no store {store_id}", "store")
    ensure_code_key(db, store_id)  # its coupons are signed with the store's code key
    with db.tx():
        db.execute(f"INSERT INTO campaigns ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
                   list(row.values()))
    return row


def get(db: Database, campaign_id: str) -> dict | None:
    return db.one("SELECT * FROM campaigns WHERE campaign_id = ?", [campaign_id])


def listing(db: Database, store_id: str, only_open: bool = False, now: int = 0) -> list[dict]:
    sql = "SELECT * FROM campaigns WHERE store_id = ?"
    params: list = [store_id]
    if only_open:
        sql += " AND state = 'active' AND starts_ms <= ? AND ends_ms > ? AND issued < quota"
        params += [now, now]
    return db.query(sql + " ORDER BY created_ms DESC", params)


def stop(db: Database, campaign_id: str, now: int) -> bool:
    """No more coupons from this campaign (those issued stay valid). False: no such campaign."""
    with db.tx():
        return db.execute("UPDATE campaigns SET state = 'stopped', updated_ms = ? WHERE campaign_id = ?",
                          [now, campaign_id]).rowcount == 1


def terms(campaign: dict, lang: str = "zh") -> str:
    """The terms in a guest's or cashier's words: 满¥100减¥20, 满¥100打9折 最多减¥20, 立减¥5."""
    def y(fen: int | None) -> str:
        return f"¥{(fen or 0) / 100:.2f}".replace(".00", "")

    spend = campaign.get("min_spend") or 0
    if campaign["kind"] == "amount":
        if lang == "en":
            return f"{y(campaign['amount_off'])} off" + (f" over {y(spend)}" if spend else "")
        return (f"满{y(spend)}减{y(campaign['amount_off'])}" if spend else f"立减{y(campaign['amount_off'])}")
    pct = campaign["percent_off"]
    rate = (100 - pct) / 10
    if lang == "en":
        return f"{pct}% off" + (f" over {y(spend)}" if spend else "") + f", up to {y(campaign['max_off'])}"
    return (f"满{y(spend)}" if spend else "") + f"打{rate:g}折 最多减{y(campaign['max_off'])}"


def discount(campaign: dict, amount: int) -> int:
    """What a coupon of this campaign takes off a bill of `amount` fen (0 below the minimum spend)."""
    if amount < (campaign.get("min_spend") or 0):
        return 0
    if campaign["kind"] == "amount":
        return min(amount, campaign["amount_off"])
    return min(amount, campaign["max_off"], amount * campaign["percent_off"] // 100)
