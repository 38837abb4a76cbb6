"""Members (支付即会员): every settled payment whose provider named the payer makes or updates the
store's member for that payer identity (channel, app id, payer id): visits, spend, first and last
visit, points by the store's rule; a refund takes its share of spend and points back.

The functions here run inside the caller's transaction (the gateway's, when an attempt succeeds or
a refund lands), so a payment and its member update commit together, exactly once. Payer ids stay
in the database only: they are never logged, printed or shown except masked (`mask_payer`).
Merging (two payer identities found to be one person) and erasure live here too, because they
touch every table that names a member.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from edge.orders import new_id
from upstream.member_keys import keyed_hash
from upstream.sql import Database

DEFAULT_SETTINGS = {"points_per_yuan": 1}
BILL_PREFIX = "session:"  # a table's bill paid on a phone (upstream/table_pay.py)
MAX_POINTS_PER_YUAN = 100
# called as hook(db, member_id, attempt, now) inside the transaction, once per newly credited payment
# (upstream/coupons.py gives the store's return coupons this way)
AFTER_SETTLED: list[Callable[[Database, str, dict, int], None]] = []


# -- settings -------------------------------------------------------------------------------------
def member_settings(db: Database, store_id: str) -> dict:
    """The store's member rules (points per yuan), defaults filled in."""
    raw = db.scalar("SELECT member_settings FROM stores WHERE store_id = ?", [store_id])
    doc = json.loads(raw) if raw else {}
    return {**DEFAULT_SETTINGS, **{k: v for k, v in doc.items() if k in DEFAULT_SETTINGS}}


def set_member_settings(db: Database, store_id: str, points_per_yuan: int) -> dict:
    if type(points_per_yuan) is not int or not 0 <= points_per_yuan <= MAX_POINTS_PER_YUAN:
        raise ValueError(f"points per yuan must be a whole number from 0 to {MAX_POINTS_PER_YUAN}")
    with db.tx():
        db.execute("UPDATE stores SET member_settings = ? WHERE store_id = ?",
                   [json.dumps({"points_per_yuan": points_per_yuan}), store_id])
    return member_settings(db, store_id)


def points_for(amount_fen: int, points_per_yuan: int) -> int:
    """Points a payment of `amount_fen` earns: whole yuan only (¥12.90 at 1 per yuan: 12)."""
    return max(0, amount_fen) // 100 * points_per_yuan


# -- payer ids ------------------------------------------------------------------------------------
def mask_payer(payer_id: str) -> str:
    """What a screen, a log or an export may show of a payer id: 2088********1234, oUpF****Zk9s."""
    text = str(payer_id)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def payer_hash(db: Database, store_id: str, channel: str, app_id: str, payer_id: str) -> str:
    return keyed_hash(db, "payer", store_id, channel, app_id, payer_id)


def is_erased(db: Database, store_id: str, channel: str, app_id: str, payer_id: str) -> bool:
    return db.one("SELECT 1 AS x FROM erased_payers WHERE payer_hash = ?",
                  [payer_hash(db, store_id, channel, app_id, payer_id)]) is not None


def member_of_payer(db: Database, store_id: str, channel: str, app_id: str, payer_id: str) -> str | None:
    return db.scalar("SELECT member_id FROM member_payers WHERE store_id = ? AND channel = ? AND app_id = ?"
                     " AND payer_id = ?", [store_id, channel, app_id, payer_id])


def _new_member(db: Database, store_id: str, now: int) -> str:
    member_id = "m" + new_id()[:15]
    db.execute("INSERT INTO members (member_id, store_id, created_ms, updated_ms) VALUES (?, ?, ?, ?)",
               [member_id, store_id, now, now])
    return member_id


def member_for_payer(db: Database, store_id: str, channel: str, app_id: str, payer_id: str, now: int,
                     subscribed: bool | None = None) -> str | None:
    """The member this payer identity belongs to, made on its first payment; None when it was erased.
    Call inside a transaction."""
    found = member_of_payer(db, store_id, channel, app_id, payer_id)
    if found is not None:
        if subscribed is not None:
            db.execute("UPDATE member_payers SET subscribed = ? WHERE store_id = ? AND channel = ? AND app_id = ?"
                       " AND payer_id = ?", [int(subscribed), store_id, channel, app_id, payer_id])
        return found
    if is_erased(db, store_id, channel, app_id, payer_id):
        return None
    member_id = _new_member(db, store_id, now)
    db.execute("INSERT INTO member_payers (store_id, channel, app_id, payer_id, member_id, payer_masked, subscribed,"
               " created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store_id, channel, app_id, payer_id)"
               " DO NOTHING",
               [store_id, channel, app_id, payer_id, member_id, mask_payer(payer_id),
                None if subscribed is None else int(subscribed), now])
    owner = member_of_payer(db, store_id, channel, app_id, payer_id)
    if owner != member_id:  # another transaction made it first (PostgreSQL): ours is not needed
        db.execute("DELETE FROM members WHERE member_id = ?", [member_id])
    return owner


# -- payments and refunds -------------------------------------------------------------------------
def record_settled(db: Database, attempt: dict, now: int) -> str | None:
    """A payment attempt just succeeded (inside the transaction that says so): credit its payer's
    member. `attempt` is the gateway_attempts row with its new fields (payer_id, payer_app,
    paid_amount). Returns the member id, or None (no payer id: UnionPay, or the payer was erased).
    Idempotent: one member_payments row per attempt."""
    payer_id, app_id = attempt.get("payer_id"), attempt.get("payer_app") or ""
    if not payer_id:
        return None
    store_id, channel = attempt["store_id"], attempt["channel"]
    subscribed = attempt.get("payer_subscribed")
    member_id = member_for_payer(db, store_id, channel, app_id, payer_id, now,
                                 None if subscribed is None else bool(subscribed))
    if member_id is None:
        return None
    amount = int(attempt.get("paid_amount") or attempt["amount"])
    points = points_for(amount, member_settings(db, store_id)["points_per_yuan"])
    inserted = db.execute(
        "INSERT INTO member_payments (attempt_id, store_id, member_id, order_id, channel, kind, amount, points,"
        " paid_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attempt_id) DO NOTHING",
        [attempt["attempt_id"], store_id, member_id, attempt["order_id"], channel, attempt.get("kind") or "code",
         amount, points, now]).rowcount
    if inserted != 1:
        return member_id
    db.execute("UPDATE members SET visits = visits + 1, spend = spend + ?, points = points + ?,"
               " first_visit_ms = COALESCE(first_visit_ms, ?), last_visit_ms = ?, updated_ms = ?"
               " WHERE member_id = ?", [amount, points, now, now, now, member_id])
    for hook in list(AFTER_SETTLED):
        hook(db, member_id, attempt, now)
    return member_id


def record_refund(db: Database, attempt_id: str, amount: int, now: int) -> str | None:
    """`amount` fen of a settled attempt was refunded (inside the refund's transaction): its
    member's spend goes down by it and points back to what the rest earns. Returns the member id."""
    row = db.one("SELECT * FROM member_payments WHERE attempt_id = ?", [attempt_id])
    if row is None:
        return None
    refunded = min(row["amount"], row["refunded"] + max(0, int(amount)))
    rate = member_settings(db, row["store_id"])["points_per_yuan"]
    points = min(row["points"], points_for(row["amount"] - refunded, rate))
    taken_spend, taken_points = refunded - row["refunded"], row["points"] - points
    db.execute("UPDATE member_payments SET refunded = ?, points = ? WHERE attempt_id = ?",
               [refunded, points, attempt_id])
    db.execute("UPDATE members SET spend = spend - ?, points = points - ?, updated_ms = ? WHERE member_id = ?",
               [taken_spend, taken_points, now, row["member_id"]])
    return row["member_id"]


# -- what a member orders -------------------------------------------------------------------------
def favourites(db: Database, member_id: str, limit: int = 3) -> list[dict]:
    """The dishes a member's paid orders held most often: [{"item_id", "name", "name_en", "qty"}].
    A counter payment pays one order (orders.order_id); a phone's bill pays its table's rounds."""
    orders: list[str] = []
    for pay in db.query("SELECT order_id, store_id FROM member_payments WHERE member_id = ?", [member_id]):
        ref = pay["order_id"]
        if ref.startswith(BILL_PREFIX):  # upstream/table_pay.py: a table session's bill
            orders += [r["device_order_id"] for r in db.query(
                "SELECT device_order_id FROM table_rounds WHERE session_id = ? AND device_order_id IS NOT NULL",
                [ref.removeprefix(BILL_PREFIX)])]
        else:
            round_order = db.scalar("SELECT device_order_id FROM table_rounds WHERE round_id = ?", [ref])
            orders.append(round_order or ref)
    counts: dict[str, dict] = {}
    for order_id in orders:
        row = db.one("SELECT lines FROM orders WHERE order_id = ?", [order_id])
        try:
            doc = json.loads(row["lines"]) if row else {}
        except ValueError:
            doc = {}
        lines = doc.get("lines") if isinstance(doc, dict) else doc
        for line in lines if isinstance(lines, list) else []:
            if not isinstance(line, dict) or not line.get("item_id"):
                continue
            item = counts.setdefault(str(line["item_id"]), {
                "item_id": str(line["item_id"]), "name": str(line.get("name_zh") or line["item_id"]),
                "name_en": str(line.get("name_en") or line.get("name_zh") or line["item_id"]), "qty": 0})
            item["qty"] += max(0, int(line.get("qty") or 0) - int(line.get("voided_qty") or 0))
    ranked = sorted((c for c in counts.values() if c["qty"] > 0), key=lambda c: (-c["qty"], c["item_id"]))
    return ranked[:limit]


# -- one person, two payer identities -------------------------------------------------------------
def merge(db: Database, keep_id: str, other_id: str, now: int) -> str:
    """Fold member `other_id` into `keep_id` (the same person, proved by a phone number): payer ids,
    payments, cookies, coupons and campaign claims move; counts add up; `other_id` is deleted.
    Call inside a transaction. Returns keep_id."""
    if keep_id == other_id:
        return keep_id
    keep = db.one("SELECT * FROM members WHERE member_id = ?", [keep_id])
    other = db.one("SELECT * FROM members WHERE member_id = ?", [other_id])
    if keep is None or other is None or keep["store_id"] != other["store_id"]:
        raise ValueError("members to merge must exist and belong to the same store")
    for table in ("member_payers", "member_payments", "member_tokens", "coupons"):
        db.execute(f"UPDATE {table} SET member_id = ? WHERE member_id = ?", [keep_id, other_id])  # noqa: S608
    for claim in db.query("SELECT campaign_id, claimed FROM campaign_claims WHERE member_id = ?", [other_id]):
        db.execute("INSERT INTO campaign_claims (campaign_id, member_id, claimed) VALUES (?, ?, ?)"
                   " ON CONFLICT (campaign_id, member_id) DO UPDATE SET claimed = campaign_claims.claimed"
                   " + excluded.claimed", [claim["campaign_id"], keep_id, claim["claimed"]])
    db.execute("DELETE FROM campaign_claims WHERE member_id = ?", [other_id])
    firsts = [v for v in (keep["first_visit_ms"], other["first_visit_ms"]) if v is not None]
    lasts = [v for v in (keep["last_visit_ms"], other["last_visit_ms"]) if v is not None]
    joined = [v for v in (keep["joined_ms"], other["joined_ms"]) if v is not None]
    db.execute("DELETE FROM members WHERE member_id = ?", [other_id])
    db.execute("UPDATE members SET visits = visits + ?, spend = spend + ?, points = points + ?,"
               " first_visit_ms = ?, last_visit_ms = ?, joined_ms = ?, created_ms = ?, updated_ms = ?"
               " WHERE member_id = ?",
               [other["visits"], other["spend"], other["points"], min(firsts) if firsts else None,
                max(lasts) if lasts else None, min(joined) if joined else None,
                min(keep["created_ms"], other["created_ms"]), now, keep_id])
    return keep_id


# -- erasure --------------------------------------------------------------------------------------
def erase(db: Database, member_id: str, now: int) -> bool:
    """Erase a member (the customer asked): every row naming them goes, their payer ids are cleared
    from the payment attempts, and a keyed hash of each payer id stays in `erased_payers` so their
    next payment makes no member again. Coupons they already used stay, without a member, as the
    campaign's count. Returns False when there is no such member."""
    with db.tx():
        member = db.one("SELECT * FROM members WHERE member_id = ?", [member_id])
        if member is None:
            return False
        store_id = member["store_id"]
        for payer in db.query("SELECT * FROM member_payers WHERE member_id = ?", [member_id]):
            db.execute("INSERT INTO erased_payers (payer_hash, store_id, erased_ms) VALUES (?, ?, ?)"
                       " ON CONFLICT (payer_hash) DO NOTHING",
                       [payer_hash(db, store_id, payer["channel"], payer["app_id"], payer["payer_id"]), store_id,
                        now])
            db.execute("UPDATE gateway_attempts SET payer_id = NULL, payer_app = NULL, payer_masked = NULL,"
                       " payer_subscribed = NULL WHERE store_id = ? AND channel = ? AND payer_id = ?",
                       [store_id, payer["channel"], payer["payer_id"]])
        if member["phone_hash"]:
            for table in ("member_otps", "sms_outbox"):
                db.execute(f"DELETE FROM {table} WHERE store_id = ? AND phone_hash = ?",  # noqa: S608
                           [store_id, member["phone_hash"]])
        db.execute("DELETE FROM coupons WHERE member_id = ? AND used_ms IS NULL", [member_id])
        db.execute("UPDATE coupons SET member_id = NULL WHERE member_id = ?", [member_id])
        for table in ("member_payers", "member_payments", "member_tokens", "campaign_claims"):
            db.execute(f"DELETE FROM {table} WHERE member_id = ?", [member_id])  # noqa: S608
        db.execute("DELETE FROM members WHERE member_id = ?", [member_id])
    return True
