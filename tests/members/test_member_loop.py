"""The loop in a real browser (Debian's chromium through Playwright), with a real core, printers,
the upstream and the sandbox providers: a guest orders at table 12 and pays the bill on the phone
(WeChat Pay's in-app page), joins as a member with the one-time code the store's text sender kept,
sees the visit and the points on the member card, claims a coupon and shows it as a QR code; the
counter redeems the code once; the owner's dashboard counts the member's share; the guest erases
the membership and nothing of them is left."""

from __future__ import annotations

import json
import time

import requests

from tests.members.test_dashboard import PIN
from tests.phone.conftest import STORE, browser, wait_text  # noqa: F401
from tests.phone.test_pay_flows import confirm_on_the_providers_page, order, pay_world  # noqa: F401
from tests.support import wait_for
from tests.sync.fixtures import raw_device, signed
from upstream import campaigns, coupons
from upstream.store_settings import set_staff

PHONE = "13812345678"


def every_row(db) -> str:
    tables = [r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return json.dumps({t: db.query(f"SELECT * FROM {t}") for t in tables}, default=str, ensure_ascii=False)


def test_pay_join_claim_redeem_count_erase(pay_world, tmp_path):  # noqa: F811
    world = pay_world
    db = world.db
    now = int(time.time() * 1000)
    offer = campaigns.create(db, STORE, name="会员立减", kind="amount", amount_off=500, min_spend=2000,
                             starts_ms=now - 60_000, ends_ms=now + 86_400_000, valid_days=30, per_member=1, quota=100,
                             delivery="claim", now=now)
    phone = world.phone()  # WeChat's browser
    order(phone, "har_gow")
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    phone.click("#orders [data-close]")
    phone.click("#show-orders")
    confirm_on_the_providers_page(phone, phone.locator("#pay button"))
    phone.click("#show-orders")
    wait_text(phone, "#bill", "已付款", timeout_s=30)
    attempt = db.one("SELECT * FROM gateway_attempts WHERE state = 'succeeded' AND kind = 'inapp'")
    assert attempt["payer_id"].startswith("o") and attempt["started_by"]

    phone.click("a.member-link")
    phone.wait_for_selector("#join-box")
    assert "刚才的消费会记到你的会员账户" in phone.inner_text("#join-box")
    phone.fill("#phone", PHONE)
    phone.click("#send-code")
    wait_text(phone, "#join-msg", "138****5678")
    text = wait_for(lambda: db.scalar("SELECT text FROM sms_outbox ORDER BY id DESC LIMIT 1"), timeout=10,
                    what="the text message")
    code = text.split("验证码 ")[1][:6]
    phone.fill("#code", "000000" if code != "000000" else "111111")
    phone.click("#join button[type=submit]")
    wait_text(phone, "#join-msg", "验证码不对")
    phone.fill("#code", code)
    phone.click("#join button[type=submit]")
    phone.wait_for_selector("#member-card")
    assert phone.inner_text("#member-phone") == "138****5678"
    assert phone.inner_text("#member-visits") == "1" and phone.inner_text("#member-points") == "28"

    phone.screenshot(path=str(tmp_path / "member-card.png"), full_page=True)
    phone.click(f'#offer-{offer["campaign_id"]} button.claim')
    phone.wait_for_selector(".coupon img")
    phone.screenshot(path=str(tmp_path / "member-coupon.png"), full_page=True)
    coupon_id = db.scalar("SELECT coupon_id FROM coupons WHERE campaign_id = ?", [offer["campaign_id"]])
    assert phone.locator(f"#coupon-{coupon_id} img").get_attribute("src").endswith(".svg")
    qr = phone.request.get(f"{world.upstream.url}/m/{STORE}/coupons/{coupon_id}.svg")
    assert qr.status == 200 and b"<svg" in qr.body()
    assert requests.get(f"{world.upstream.url}/m/{STORE}/coupons/{coupon_id}.svg", timeout=10).status_code == 404

    till = raw_device(world.upstream, role="cashier")
    body = {"code": coupons.code(db, coupon_id), "redemption_id": "r" * 26, "staff_id": "c1"}
    first = signed(till, "POST", "/v1/vouchers/redeem", json.dumps(body).encode())
    assert first.status_code == 200 and first.json()["voucher"]["coupon_kind"] == "amount"
    again = signed(till, "POST", "/v1/vouchers/redeem", json.dumps({**body, "redemption_id": "s" * 26}).encode())
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_used"
    phone.reload()
    wait_text(phone, f"#coupon-{coupon_id}", "已使用")

    set_staff(db, STORE, "boss", "李经理", "manager", PIN)
    wait_for(lambda: db.scalar("SELECT count(*) FROM orders WHERE status = 'paid'") == 1, timeout=60,
             what="the paid order synced upstream")
    boss = requests.Session()
    assert boss.post(f"{world.upstream.url}/owner/{STORE}/login", json={"staff_id": "boss", "pin": PIN},
                     timeout=10).status_code == 200
    page = boss.get(f"{world.upstream.url}/owner/{STORE}", timeout=10).text
    assert "¥28.00" in page and "100.0%" in page  # all of the day's revenue is a member's
    row = page.split(f'id="campaign-{offer["campaign_id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "会员立减" in row and "<td>1</td><td>1</td><td>¥5.00</td><td>1/100</td>" in row  # claimed, redeemed
    csv = boss.get(f"{world.upstream.url}/owner/{STORE}/export/coupons.csv", timeout=10).content.decode("utf-8-sig")
    assert f'{offer["campaign_id"]},会员立减,满¥20减¥5,1,1,5.00,1,100,active' in csv

    payer = attempt["payer_id"]
    member_id = db.scalar("SELECT member_id FROM members")
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.click("#erase")
    phone.wait_for_selector("#join-box")
    left = every_row(db)
    for trace in (member_id, payer, PHONE, "138****5678"):
        assert trace not in left, trace
    assert db.scalar("SELECT count(*) FROM erased_payers") == 1
    assert phone.errors == []
