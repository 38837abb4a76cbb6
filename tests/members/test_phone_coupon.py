"""A member's coupon applied at the phone checkout, in a real browser (Debian's chromium through
Playwright) with a real core, printers, the upstream and the sandbox providers.

先吃后付: the guest (a member with a 满¥20减¥5 coupon) pays the table's bill on the phone; the
pay sheet offers the coupon, the provider is asked for ¥5 less, the receipt says what the coupon
took off, and the coupon is used (the counter's redemption of it is refused). The device's day
report counts only the money collected (the coupon apart, 会员券抵扣), and so does the owner's
dashboard once the device's events are upstream. 先付后吃: a round paid with a coupon prints once,
and the device's order carries the discount. A coupon a payment held comes back when that payment
ends unpaid."""

from __future__ import annotations

import json
import time

import requests

from tests.members.test_dashboard import PIN
from tests.phone.conftest import ALIPAY_UA, STORE, browser, wait_text  # noqa: F401
from tests.phone.test_pay_flows import confirm_on_the_providers_page, order, pay_world  # noqa: F401
from tests.support import wait_for
from tests.sync.fixtures import raw_device, signed
from upstream import campaigns, coupons, phone_coupons, table_pay, table_sessions
from upstream.store_settings import set_staff

PHONE = "13912345678"


def join_with_coupon(world, phone, amount_off: int = 500, min_spend: int = 2000) -> str:
    """The phone's guest joins as a member (the one-time code from the store's text outbox) and
    claims a coupon of a new campaign (on the member page's API, with the phone's cookies)."""
    db, base, now = world.db, world.upstream.url, int(time.time() * 1000)
    offer = campaigns.create(db, STORE, name="会员立减", kind="amount", amount_off=amount_off, min_spend=min_spend,
                             starts_ms=now - 60_000, ends_ms=now + 86_400_000, valid_days=30, per_member=1,
                             quota=100, delivery="claim", now=now)
    assert phone.request.post(f"{base}/v1/member/{STORE}/code", data={"phone": PHONE}).status == 200
    text = wait_for(lambda: db.scalar("SELECT text FROM sms_outbox ORDER BY id DESC LIMIT 1"), timeout=10,
                    what="the text message")
    joined = phone.request.post(f"{base}/v1/member/{STORE}/join", data={"phone": PHONE,
                                                                         "code": text.split("验证码 ")[1][:6]})
    assert joined.status == 200, joined.text()
    claimed = phone.request.post(f"{base}/v1/member/{STORE}/claim", data={"campaign_id": offer["campaign_id"]})
    assert claimed.status == 201, claimed.text()
    return claimed.json()["coupon_id"]


def core_report(world) -> dict:
    answer = requests.get(f"http://127.0.0.1:{world.core.port}/v1/cashier/reports/day", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_member_pays_the_bill_with_a_coupon(pay_world, tmp_path):  # noqa: F811
    world = pay_world
    db = world.db
    phone = world.phone()  # WeChat's browser
    coupon_id = join_with_coupon(world, phone)
    order(phone, "har_gow")  # ¥28.00
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    phone.click("#orders [data-close]")
    phone.click("#show-orders")
    pick = phone.locator("#pay select.coupon")
    pick.wait_for()
    assert pick.input_value() == coupon_id  # the best coupon is chosen for the guest
    assert "满¥20减¥5" in pick.inner_text() and "去支付 ¥23.00" in phone.inner_text("#pay")
    phone.screenshot(path=str(tmp_path / "pay-with-coupon.png"))
    pick.select_option("")  # the guest may pay without it ...
    wait_text(phone, "#pay", "去支付 ¥28.00")
    pick.select_option(coupon_id)  # ... or with it
    wait_text(phone, "#pay", "去支付 ¥23.00")
    confirm_on_the_providers_page(phone, phone.locator("#pay button"))
    phone.click("#show-orders")
    wait_text(phone, "#bill", "已付款", timeout_s=30)
    assert "优惠券抵扣 ¥5.00" in phone.inner_text("#bill")
    attempt = db.one("SELECT * FROM gateway_attempts WHERE state = 'succeeded' AND kind = 'inapp'")
    assert attempt["amount"] == 2300 and attempt["paid_amount"] in (None, 2300)
    used = db.one("SELECT * FROM coupons WHERE coupon_id = ?", [coupon_id])
    assert used["used_where"] == "phone" and used["discount"] == 500 and used["used_ms"]
    assert db.scalar("SELECT sum(amount) FROM table_payments WHERE method = 'coupon'") == 500

    till = raw_device(world.upstream, role="cashier")  # the same coupon at the counter: used
    body = {"code": coupons.code(db, coupon_id), "redemption_id": "r" * 26, "staff_id": "c1"}
    again = signed(till, "POST", "/v1/vouchers/redeem", json.dumps(body).encode())
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_used"

    report = wait_for(lambda: (r := core_report(world))["orders"] == 1 and r, timeout=30,
                      what="the device's day report with the paid order")
    assert report["gross"] == 2800 and report["net"] == 2300
    assert report["discounts"] == {"count": 1, "amount": 500}
    assert report["by_channel"] == {"wechat": {"orders": 1, "net": 2300}}
    assert "会员券抵扣" in report["text"]

    wait_for(lambda: db.scalar("SELECT discount FROM orders WHERE status = 'paid'") == 500, timeout=60,
             what="the paid order and its coupon synced upstream")
    set_staff(db, STORE, "boss", "李经理", "manager", PIN)
    boss = requests.Session()
    assert boss.post(f"{world.upstream.url}/owner/{STORE}/login", json={"staff_id": "boss", "pin": PIN},
                     timeout=10).status_code == 200
    page = boss.get(f"{world.upstream.url}/owner/{STORE}", timeout=10).text
    revenue = page.split('id="card-revenue"', 1)[1].split("</div></div>", 1)[0]
    assert "¥23.00" in revenue and "¥28.00" not in revenue  # revenue is the money collected
    assert "会员券抵扣 Coupons off ¥5.00" in page
    row = page.split('id="campaign-', 1)[1].split("</tr>", 1)[0]
    assert "<td>1</td><td>1</td><td>¥5.00</td>" in row  # issued and used today, ¥5.00 off
    assert phone.errors == []


def test_a_pay_first_round_paid_with_a_coupon_prints_once_with_its_discount(pay_world):  # noqa: F811
    world = pay_world
    db = world.db
    table_sessions.set_table_settings(db, STORE, mode="pay_first")
    phone = world.phone(user_agent=ALIPAY_UA)
    coupon_id = join_with_coupon(world, phone, amount_off=800, min_spend=0)
    order(phone, "har_gow")
    wait_text(phone, "#rounds", "待付款")
    phone.locator("#rounds select.coupon").wait_for()
    wait_text(phone, "#rounds", "去支付 ¥20.00")
    confirm_on_the_providers_page(phone, phone.locator("#rounds .pay button").first)
    phone.click("#show-orders")
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    assert len(wait_for(lambda: world.round_tickets(1), timeout=30, what="the paid round at the printer")) == 1
    command = json.loads(db.scalar("SELECT payload FROM commands WHERE type = 'order.place'"))
    assert command["prepaid"]["discount"] == 800 and command["prepaid"]["coupon_id"] == coupon_id
    report = wait_for(lambda: (r := core_report(world))["orders"] == 1 and r, timeout=30, what="the day report")
    assert (report["net"], report["discounts"]) == (2000, {"count": 1, "amount": 800})
    assert report["by_channel"] == {"alipay": {"orders": 1, "net": 2000}}
    wait_for(lambda: db.scalar("SELECT discount FROM orders") == 800, timeout=60, what="the round's order upstream")
    assert len(world.round_tickets(1)) == 1 and phone.errors == []


def test_refusals_and_a_held_coupon_coming_back(pay_world):  # noqa: F811
    """The checkout's refusals (not a member, another's coupon, below its minimum, covering it all)
    and the hold: while a payment holds the coupon the counter sees it used; when that payment is
    replaced by one without it (the first one closes unpaid), the coupon is the member's again."""
    world = pay_world
    db = world.db
    phone = world.phone()
    coupon_id = join_with_coupon(world, phone)
    order(phone, "har_gow")
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    session = db.one("SELECT * FROM table_sessions WHERE state = 'open'")
    member = db.one("SELECT * FROM members")
    now = int(time.time() * 1000)

    def refused(doc, who) -> str:
        try:
            table_pay.pay_bill(db, session, doc, int(time.time() * 1000), None, who)
        except Exception as error:  # noqa: BLE001 - the ApiError's code is what the phone shows
            return error.code
        raise AssertionError("not refused")

    assert refused({"channel": "wechat", "coupon_id": coupon_id}, None) == "join_first"
    assert refused({"channel": "wechat", "coupon_id": "QNOSUCHCOUPON"}, member) == "no_coupon"
    stranger = {**member, "member_id": "someone-else"}
    assert refused({"channel": "wechat", "coupon_id": coupon_id}, stranger) == "no_coupon"
    small = campaigns.create(db, STORE, name="大额券", kind="amount", amount_off=3000, min_spend=5000,
                             starts_ms=now - 60_000, ends_ms=now + 86_400_000, valid_days=30, per_member=1,
                             quota=10, delivery="claim", now=now)
    big = coupons.claim(db, small["campaign_id"], member["member_id"], now)["coupon_id"]
    assert refused({"channel": "wechat", "coupon_id": big}, member) == "below_min_spend"
    whole = campaigns.create(db, STORE, name="免单券", kind="amount", amount_off=5000, min_spend=0,
                             starts_ms=now - 60_000, ends_ms=now + 86_400_000, valid_days=30, per_member=1,
                             quota=10, delivery="claim", now=now)
    free = coupons.claim(db, whole["campaign_id"], member["member_id"], now)["coupon_id"]
    assert refused({"channel": "wechat", "coupon_id": free}, member) == "covers_all"
    offered = {c["coupon_id"]: (c["discount"], c["refusal"]) for c in phone_coupons.usable(db, member, 2800, now)}
    assert offered == {coupon_id: (500, None), big: (0, "below_min_spend"), free: (0, "covers_all")}

    held = table_pay.pay_bill(db, session, {"channel": "wechat", "coupon_id": coupon_id}, now, None, member)
    assert held["amount"] == 2300 and held["coupon"] == {"coupon_id": coupon_id, "discount": 500}
    assert table_pay.pay_bill(db, session, {"channel": "wechat", "coupon_id": coupon_id}, now, None,
                              member)["attempt_id"] == held["attempt_id"]  # asked again: the same payment
    till = raw_device(world.upstream, role="cashier")
    body = {"code": coupons.code(db, coupon_id), "redemption_id": "t" * 26, "staff_id": "c1"}
    busy = signed(till, "POST", "/v1/vouchers/redeem", json.dumps(body).encode())
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "already_used"
    assert coupon_id not in {c["coupon_id"] for c in phone_coupons.usable(db, stranger, 2800, now)}

    plain = table_pay.pay_bill(db, session, {"channel": "alipay"}, now, None, member)  # another way, no coupon
    assert plain["amount"] == 2800 and plain["coupon"] is None
    wait_for(lambda: db.scalar("SELECT state FROM gateway_attempts WHERE attempt_id = ?",
                               [held["attempt_id"]]) == "closed", timeout=30, what="the first payment closed")
    assert {c["coupon_id"]: c["discount"] for c in phone_coupons.usable(db, member, 2800, now)}[coupon_id] == 500
    assert db.scalar("SELECT count(*) FROM voucher_redemptions WHERE voucher_id = ?", [coupon_id]) == 0
    first = signed(till, "POST", "/v1/vouchers/redeem", json.dumps(body).encode())  # the counter may take it now
    assert first.status_code == 200 and first.json()["status"] == "redeemed"
    assert refused({"channel": "wechat", "coupon_id": coupon_id}, member) == "coupon_used"
