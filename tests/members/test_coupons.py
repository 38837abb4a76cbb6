"""Coupons on both engines: a quota is never oversold (200 claims at once for 50 coupons give
exactly 50), a member's limit holds, a coupon is a signed voucher code whose terms the device
reads offline, redeeming it at the counter marks it used exactly once, a settled payment earns a
return coupon, and a stopped or finished campaign issues nothing."""

from __future__ import annotations

import threading
import time

import pytest

from edge.codes import classify
from upstream import campaigns, coupons, members
from upstream.enroll import add_store
from upstream.errors import ApiError
from upstream.vouchers import claim as redeem_voucher
from upstream.vouchers import keyring

NOW = int(time.time() * 1000)
DAY = 24 * 3600 * 1000


def member(db, n: int) -> str:
    with db.tx():
        return members.member_for_payer(db, "s1", "alipay", "app", f"2088{n:012d}", NOW)


def campaign(db, **over) -> dict:
    terms = {"name": "新客立减", "kind": "amount", "amount_off": 500, "min_spend": 3000, "starts_ms": NOW - DAY,
             "ends_ms": NOW + 30 * DAY, "valid_days": 7, "per_member": 1, "quota": 50, "delivery": "claim",
             "now": NOW, **over}
    return campaigns.create(db, "s1", **terms)


@pytest.fixture
def db(upstream_db):
    add_store(upstream_db, "s1", "Store")
    return upstream_db


def test_two_hundred_claims_at_once_give_exactly_the_quota(db):
    c = campaign(db, quota=50, per_member=1)
    people = [member(db, n) for n in range(200)]
    results: list[str] = []
    start = threading.Barrier(20)

    def claimer(batch: list[str]) -> None:
        start.wait()
        for member_id in batch:
            try:
                coupons.claim(db, c["campaign_id"], member_id, NOW)
                results.append("ok")
            except ApiError as refused:
                results.append(refused.code)

    threads = [threading.Thread(target=claimer, args=(people[i::20],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results.count("ok") == 50 and results.count("sold_out") == 150, {r: results.count(r) for r in set(results)}
    assert db.scalar("SELECT count(*) FROM coupons WHERE campaign_id = ?", [c["campaign_id"]]) == 50
    assert db.scalar("SELECT issued FROM campaigns WHERE campaign_id = ?", [c["campaign_id"]]) == 50


def test_a_members_limit_holds_and_closed_campaigns_issue_nothing(db):
    c = campaign(db, per_member=2)
    who = member(db, 1)
    coupons.claim(db, c["campaign_id"], who, NOW)
    coupons.claim(db, c["campaign_id"], who, NOW)
    with pytest.raises(ApiError) as refused:
        coupons.claim(db, c["campaign_id"], who, NOW)
    assert refused.value.code == "limit"
    assert db.scalar("SELECT issued FROM campaigns WHERE campaign_id = ?", [c["campaign_id"]]) == 2
    campaigns.stop(db, c["campaign_id"], NOW)
    with pytest.raises(ApiError) as stopped:
        coupons.claim(db, c["campaign_id"], member(db, 2), NOW)
    assert stopped.value.code == "not_open"
    later = campaign(db, starts_ms=NOW + DAY)
    with pytest.raises(ApiError) as early:
        coupons.claim(db, later["campaign_id"], who, NOW)
    assert early.value.code == "not_open"
    with pytest.raises(ApiError) as bad:
        campaign(db, kind="percent", percent_off=10, max_off=None)
    assert bad.value.field == "max_off"


def test_the_code_carries_its_terms_and_the_counter_redeems_it_once(db):
    c = campaign(db, kind="percent", percent_off=10, max_off=2000, min_spend=10000, amount_off=None)
    who = member(db, 1)
    issued = coupons.claim(db, c["campaign_id"], who, NOW)
    text = coupons.code(db, issued["coupon_id"])
    assert text == coupons.code(db, issued["coupon_id"])  # the same code every time it is shown
    scanned = classify(text, None, "s1", code_keys=keyring(db, "s1"))
    assert scanned.kind == "voucher"
    assert {k: scanned.fields[k] for k in ("voucher_id", "value", "coupon_kind", "percent_off", "min_spend")} == {
        "voucher_id": issued["coupon_id"], "value": 2000, "coupon_kind": "percent", "percent_off": 10,
        "min_spend": 10000}
    assert campaigns.terms(c) == "满¥100打9折 最多减¥20"
    assert campaigns.discount(c, 15000) == 1500 and campaigns.discount(c, 30000) == 2000
    assert campaigns.discount(c, 9999) == 0
    fields = dict(scanned.fields)
    with db.tx():
        first, _ = redeem_voucher(db, "s1", "d1", fields, "r" * 26, "online", "c1", None, NOW)
    with db.tx():
        second, held = redeem_voucher(db, "s1", "d2", fields, "s" * 26, "offline", "c2", None, NOW)
    assert first and not second and held["redemption_id"] == "r" * 26
    [mine] = coupons.of_member(db, who, NOW)
    assert mine["state"] == "used" and mine["used_where"] == "counter:online"


def test_a_settled_payment_earns_the_return_coupon(db):
    c = campaign(db, delivery="after_payment", per_member=1, amount_off=300, min_spend=0)
    attempt = {"attempt_id": "a1", "store_id": "s1", "order_id": "o1", "channel": "wechat", "kind": "code",
               "amount": 2000, "paid_amount": 2000, "payer_id": "oAbCdEfGhIjKlMnOpQrStUvWxYz0", "payer_app": "wx1"}
    with db.tx():
        who = members.record_settled(db, attempt, NOW)
    with db.tx():
        members.record_settled(db, {**attempt, "attempt_id": "a2"}, NOW + 1)
    [earned] = coupons.of_member(db, who, NOW)
    assert earned["campaign_id"] == c["campaign_id"] and earned["source"] == "after_payment"
    assert earned["terms"]["zh"] == "立减¥3"
