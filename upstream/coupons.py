"""Coupons: issued to members from campaigns (upstream/campaigns.py), never more than a campaign's
quota or a member's limit, each one a store voucher so the counter redeems it exactly once.

- Issuing (`claim`, `grant_to_members`, and the return coupon after a payment): in ONE transaction,
  `UPDATE campaigns SET issued = issued + 1 WHERE … AND issued < quota` (row-locked on PostgreSQL,
  the database write lock on SQLite: concurrent claims queue and re-check, so a quota is never
  oversold), the member's count in `campaign_claims` (the same guard for `per_member`), the coupon
  row and its `vouchers` row (voucher_id = coupon_id, value = the amount off or the cap).
- The code: an `MT1V` voucher code signed with the store's code key, carrying the campaign's terms
  as extra signed fields (c campaign, k kind, p percent, m minimum spend), so a cashier's device
  verifies it offline and shows 满¥100减¥20. Redemption is the voucher path's (upstream/vouchers.py:
  one row per voucher, double use offline flagged at sync), which marks the coupon used.
"""

from __future__ import annotations

from edge.codes import make_signed_code
from edge.orders import new_id
from edge.tables import unb64url
from upstream import campaigns, coupon_holds, members
from upstream.errors import ApiError
from upstream.sql import Database
from upstream.vouchers import ensure_code_key

# a coupon with its campaign's terms (what campaigns.terms / campaigns.discount read)
WITH_TERMS = ("SELECT c.*, g.name, g.kind, g.amount_off, g.percent_off, g.min_spend, g.max_off"
              " FROM coupons c JOIN campaigns g ON g.campaign_id = c.campaign_id")
REFUSALS = {"sold_out": "这个活动的券已经领完了 (all claimed)", "limit": "你已经领过了 (already claimed)",
            "not_open": "活动未开始或已结束 (the campaign is not running)", "no_member": "先成为会员 (join first)"}


class NotIssued(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _issue(db: Database, campaign: dict, member_id: str, source: str, now: int) -> dict:
    """Inside a transaction: one coupon of `campaign` to `member_id`, or NotIssued(reason)."""
    taken = db.execute("UPDATE campaigns SET issued = issued + 1, updated_ms = ? WHERE campaign_id = ?"
                       " AND state = 'active' AND starts_ms <= ? AND ends_ms > ? AND issued < quota",
                       [now, campaign["campaign_id"], now, now]).rowcount
    if taken != 1:
        fresh = campaigns.get(db, campaign["campaign_id"]) or campaign
        raise NotIssued("sold_out" if fresh["issued"] >= fresh["quota"] else "not_open")
    counted = db.execute(
        "INSERT INTO campaign_claims (campaign_id, member_id, claimed) VALUES (?, ?, 1)"
        " ON CONFLICT (campaign_id, member_id) DO UPDATE SET claimed = campaign_claims.claimed + 1"
        " WHERE campaign_claims.claimed < ?", [campaign["campaign_id"], member_id, campaign["per_member"]]).rowcount
    if counted != 1:
        raise NotIssued("limit")
    coupon_id = "Q" + new_id()[:15].upper()
    expires_ms = min(campaign["ends_ms"] + campaigns.DAY_MS * campaign["valid_days"],
                     now + campaigns.DAY_MS * campaign["valid_days"])
    value = campaign["amount_off"] if campaign["kind"] == "amount" else campaign["max_off"]
    db.execute("INSERT INTO coupons (coupon_id, campaign_id, store_id, member_id, source, issued_ms, expires_ms)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)",
               [coupon_id, campaign["campaign_id"], campaign["store_id"], member_id, source, now, expires_ms])
    db.execute("INSERT INTO vouchers (store_id, voucher_id, value, expires_s, issued_ms) VALUES (?, ?, ?, ?, ?)",
               [campaign["store_id"], coupon_id, value, expires_ms // 1000, now])
    return {"coupon_id": coupon_id, "campaign_id": campaign["campaign_id"], "member_id": member_id,
            "issued_ms": now, "expires_ms": expires_ms, "source": source}


def claim(db: Database, campaign_id: str, member_id: str, now: int) -> dict:
    """A member claims a coupon of a `claim` campaign: the coupon, or a 409 saying why not."""
    campaign = campaigns.get(db, campaign_id)
    if campaign is None or campaign["delivery"] != "claim":
        raise ApiError(404, "no_campaign", "no such campaign to claim", "campaign_id")
    member = db.one("SELECT store_id FROM members WHERE member_id = ?", [member_id])
    if member is None or member["store_id"] != campaign["store_id"]:
        raise ApiError(403, "no_member", REFUSALS["no_member"])
    ensure_code_key(db, campaign["store_id"])
    try:
        with db.tx():
            return _issue(db, campaign, member_id, "claim", now)
    except NotIssued as refused:
        raise ApiError(409, refused.reason, REFUSALS[refused.reason]) from None


def grant_to_members(db: Database, campaign_id: str, member_ids: list[str], now: int) -> int:
    """Send a coupon to each member (a dashboard segment); the quota and per-member limit hold.
    Returns how many were issued."""
    campaign = campaigns.get(db, campaign_id)
    if campaign is None:
        raise ApiError(404, "no_campaign", "no such campaign", "campaign_id")
    ensure_code_key(db, campaign["store_id"])
    issued = 0
    for member_id in member_ids:
        try:
            with db.tx():
                _issue(db, campaign, member_id, "segment", now)
            issued += 1
        except NotIssued as refused:
            if refused.reason in ("sold_out", "not_open"):
                break
    return issued


def return_coupons(db: Database, member_id: str, attempt: dict, now: int) -> None:
    """members.AFTER_SETTLED: a settled payment earns the store's return coupons (one per running
    `after_payment` campaign the member still may get), inside the payment's transaction."""
    for campaign in db.query("SELECT * FROM campaigns WHERE store_id = ? AND delivery = 'after_payment'"
                             " AND state = 'active' AND starts_ms <= ? AND ends_ms > ? AND issued < quota",
                             [attempt["store_id"], now, now]):
        if db.one("SELECT kid FROM code_keys WHERE store_id = ? AND active = 1", [campaign["store_id"]]) is None:
            continue  # no code key yet: made outside a payment's transaction (the campaign command makes it)
        spent = db.scalar("SELECT claimed FROM campaign_claims WHERE campaign_id = ? AND member_id = ?",
                          [campaign["campaign_id"], member_id]) or 0
        if spent >= campaign["per_member"]:
            continue
        try:
            _issue(db, campaign, member_id, "after_payment", now)
        except NotIssued:
            continue


if return_coupons not in members.AFTER_SETTLED:
    members.AFTER_SETTLED.append(return_coupons)


def code(db: Database, coupon_id: str) -> str:
    """The coupon's signed MT1V code (the same every time: a MAC over the same fields)."""
    row = db.one("SELECT c.*, v.value, v.expires_s, k.kid, k.key, g.kind, g.percent_off, g.min_spend"
                 " FROM coupons c JOIN vouchers v ON v.store_id = c.store_id AND v.voucher_id = c.coupon_id"
                 " JOIN campaigns g ON g.campaign_id = c.campaign_id"
                 " JOIN code_keys k ON k.store_id = c.store_id AND k.active = 1 WHERE c.coupon_id = ?"
                 " ORDER BY k.created_ms DESC LIMIT 1", [coupon_id])
    if row is None:
        raise ApiError(404, "no_coupon", "no such coupon")
    fields = {"s": row["store_id"], "id": coupon_id, "v": row["value"], "x": row["expires_s"],
              "c": row["campaign_id"], "k": row["kind"], "m": row["min_spend"]}
    if row["kind"] == "percent":
        fields["p"] = row["percent_off"]
    return make_signed_code("voucher", fields, row["kid"], unb64url(row["key"]))


def of_member(db: Database, member_id: str, now: int) -> list[dict]:
    """A member's coupons, newest first, with their campaign's terms and whether they can be used."""
    rows = db.query(WITH_TERMS + " WHERE c.member_id = ? ORDER BY c.issued_ms DESC", [member_id])
    for row in rows:
        coupon_holds.release_ended(db, row["store_id"], row["coupon_id"], now)  # a phone payment that ended unpaid
        used = db.one("SELECT redeemed_ms FROM voucher_redemptions WHERE store_id = ? AND voucher_id = ?",
                      [row["store_id"], row["coupon_id"]])
        row["state"] = "used" if (row["used_ms"] or used) else ("expired" if row["expires_ms"] <= now else "valid")
        row["terms"] = {"zh": campaigns.terms(row, "zh"), "en": campaigns.terms(row, "en")}
    return rows


def mark_used(db: Database, store_id: str, coupon_id: str, where: str, order_id: str | None, at_ms: int) -> None:
    """A coupon's voucher was redeemed (counter, online or offline) or applied on a phone."""
    db.execute("UPDATE coupons SET used_ms = ?, used_where = ?, used_order = ? WHERE store_id = ? AND coupon_id = ?"
               " AND used_ms IS NULL", [at_ms, where, order_id, store_id, coupon_id])
