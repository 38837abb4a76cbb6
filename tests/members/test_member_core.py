"""Members from payer ids, on both engines: a payment makes or credits the member exactly once,
points follow the store's rule and go back on a refund, a merge adds up, an erasure leaves nothing
and a later payment of the erased payer makes no member again."""

from __future__ import annotations

from upstream import members
from upstream.enroll import add_store

NOW = 1_780_000_000_000


def attempt(n: int, amount: int, payer: str | None, channel: str = "alipay", app: str = "2021000000000001") -> dict:
    return {"attempt_id": f"a{n}", "store_id": "s1", "order_id": f"o{n}", "channel": channel, "kind": "code",
            "amount": amount, "paid_amount": amount, "payer_id": payer, "payer_app": app, "payer_subscribed": None}


def settle(db, row: dict, at: int = NOW) -> str | None:
    with db.tx():
        db.execute("INSERT INTO gateway_attempts (attempt_id, store_id, device_id, order_id, out_trade_no, amount,"
                   " channel, request_sha256, state, created_ms, updated_ms, payer_id, payer_app) VALUES"
                   " (?, 's1', 'd1', ?, ?, ?, ?, 'x', 'succeeded', ?, ?, ?, ?)",
                   [row["attempt_id"], row["order_id"], "t" + row["attempt_id"], row["amount"], row["channel"], at,
                    at, row["payer_id"], row["payer_app"]])
        return members.record_settled(db, row, at)


def member(db, member_id: str) -> dict:
    return db.one("SELECT * FROM members WHERE member_id = ?", [member_id])


def test_payments_make_one_member_per_payer_and_refunds_take_back(upstream_db):
    db = upstream_db
    add_store(db, "s1", "Store")
    first = settle(db, attempt(1, 12_90, "2088102146225135"))
    again = settle(db, attempt(2, 30_00, "2088102146225135"), NOW + 1000)
    assert first == again
    with db.tx():  # the same attempt twice (a second success hook run) counts once
        assert members.record_settled(db, attempt(2, 30_00, "2088102146225135"), NOW + 2000) == first
    m = member(db, first)
    assert (m["visits"], m["spend"], m["points"]) == (2, 42_90, 12 + 30)
    assert (m["first_visit_ms"], m["last_visit_ms"]) == (NOW, NOW + 1000)
    assert settle(db, attempt(3, 5_00, None, channel="unionpay")) is None  # no payer id: no member
    with db.tx():
        members.record_refund(db, "a2", 10_50, NOW + 5000)
    m = member(db, first)
    assert (m["spend"], m["points"]) == (32_40, 12 + 19)


def test_merge_and_erase(upstream_db):
    db = upstream_db
    add_store(db, "s1", "Store")
    ali = settle(db, attempt(1, 20_00, "2088102146225135"))
    wx = settle(db, attempt(2, 15_00, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", channel="wechat", app="wx8888888888888888"))
    assert ali != wx
    with db.tx():
        members.merge(db, ali, wx, NOW + 10)
    assert db.scalar("SELECT count(*) FROM members") == 1
    m = member(db, ali)
    assert (m["visits"], m["spend"], m["points"]) == (2, 35_00, 35)
    assert members.erase(db, ali, NOW + 20)
    for table in ("members", "member_payers", "member_payments", "member_tokens"):
        assert db.scalar(f"SELECT count(*) FROM {table}") == 0, table
    assert db.scalar("SELECT count(*) FROM gateway_attempts WHERE payer_id IS NOT NULL") == 0
    assert settle(db, attempt(4, 9_00, "2088102146225135")) is None  # stays erased
    assert db.scalar("SELECT count(*) FROM members") == 0


def test_masking():
    assert members.mask_payer("2088102146225135") == "2088********5135"
    assert "MuAJO" not in members.mask_payer("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
