"""The owner's dashboard over real HTTP, on both engines: only the store's manager gets in (a wrong
PIN, a cashier's PIN and another store's session are refused; five wrong PINs lock), the page shows
the period's figures against the period before, every table exports as CSV with nothing that names
a person, and a segment gets a coupon campaign."""

from __future__ import annotations

import time

import pytest
import requests

from edge.protocol.canonical import canonical_json
from upstream import campaigns, members
from upstream.enroll import add_store
from upstream.reports.periods import today
from upstream.store_settings import set_staff
from tests.sync.fixtures import STORE

PIN = "135790"


def session(url: str, store: str = STORE, staff: str = "boss", pin: str = PIN) -> requests.Session:
    s = requests.Session()
    answer = s.post(f"{url}/owner/{store}/login", json={"staff_id": staff, "pin": pin}, timeout=10)
    assert answer.status_code == 200, answer.text
    return s


@pytest.fixture
def shop(upstream):
    db = upstream.db
    set_staff(db, STORE, "boss", "李经理", "manager", PIN)
    set_staff(db, STORE, "c1", "王收银", "cashier", "2468")
    now = int(time.time() * 1000)
    lines = [{"item_id": "har_gow", "name_zh": "水晶虾饺皇", "qty": 2, "unit_price": 2800, "total": 5600}]
    with db.tx():
        db.execute("INSERT INTO devices (device_id, store_id, role, name, public_key, enrolled_ms) VALUES"
                   " ('k1', ?, 'kiosk', 'kiosk', 'pk-k1', 0)", [STORE])
        for n, (status, payment) in enumerate([("paid", "code"), ("paid", "counter"), ("placed", "counter")]):
            db.execute("INSERT INTO orders (order_id, store_id, device_id, event_id, total, status, status_seq, lines,"
                       " notes, occurred_wall_ms, late, voided, refunded, payment, ticket_no) VALUES"
                       " (?, ?, 'k1', ?, 5600, ?, 1, ?, '{}', ?, 0, 0, 0, ?, ?)",
                       [f"o{n}", STORE, f"e{n}", status, canonical_json({"lines": lines}), now - n * 1000, payment,
                        f"A00{n}"])
    with db.tx():
        members.record_settled(db, {"attempt_id": "a1", "store_id": STORE, "order_id": "o0", "channel": "alipay",
                                    "amount": 5600, "paid_amount": 5600, "payer_id": "2088102146225135",
                                    "payer_app": "app"}, now)
    return upstream


def test_only_the_stores_manager_gets_in(shop):
    url = shop.url
    assert "店长登录" in requests.get(f"{url}/owner/{STORE}", timeout=10).text
    wrong = requests.post(f"{url}/owner/{STORE}/login", json={"staff_id": "boss", "pin": "000000"}, timeout=10)
    assert wrong.status_code == 401 and "4 tries left" in wrong.json()["error"]["message"]
    cashier = requests.post(f"{url}/owner/{STORE}/login", json={"staff_id": "c1", "pin": "2468"}, timeout=10)
    assert cashier.status_code == 401, "a cashier's PIN does not open the dashboard"
    form = requests.post(f"{url}/owner/{STORE}/login", data={"staff_id": "boss", "pin": PIN}, timeout=10)
    assert form.status_code == 415
    foreign = requests.post(f"{url}/owner/{STORE}/login", json={"staff_id": "boss", "pin": PIN}, timeout=10,
                            headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert requests.get(f"{url}/owner/{STORE}/export/summary.csv", timeout=10).status_code == 401
    add_store(shop.db, "other", "别家")
    boss = session(url)
    assert "店长登录" in boss.get(f"{url}/owner/other", timeout=10).text, "one store's session opens only that store"
    for _ in range(5):  # the login above cleared the earlier wrong PIN
        requests.post(f"{url}/owner/{STORE}/login", json={"staff_id": "boss", "pin": "111111"}, timeout=10)
    locked = requests.post(f"{url}/owner/{STORE}/login", json={"staff_id": "boss", "pin": PIN}, timeout=10)
    assert locked.status_code == 429 and "try again" in locked.json()["error"]["message"]


def test_the_page_the_csv_and_a_segment_coupon(shop):
    url, db = shop.url, shop.db
    boss = session(url)
    page = boss.get(f"{url}/owner/{STORE}?period=day&date={today().isoformat()}", timeout=10)
    assert page.status_code == 200 and "营业额" in page.text and "¥112.00" in page.text  # two paid orders
    assert "水晶虾饺皇" in page.text and "<svg" in page.text
    week = boss.get(f"{url}/owner/{STORE}?period=week", timeout=10)
    assert week.status_code == 200 and "¥112.00" in week.text
    assert boss.get(f"{url}/owner/{STORE}?period=year", timeout=10).status_code == 422
    for table in ("summary", "hours", "dishes", "channels", "payments", "segments"):
        csv = boss.get(f"{url}/owner/{STORE}/export/{table}.csv", timeout=10)
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "2088102146225135" not in csv.text
    summary = boss.get(f"{url}/owner/{STORE}/export/summary.csv", timeout=10).content.decode("utf-8-sig")
    assert "revenue,112.00," in summary and "unpaid,56.00," in summary
    dishes = boss.get(f"{url}/owner/{STORE}/export/dishes.csv", timeout=10).content.decode("utf-8-sig")
    assert "1,har_gow,水晶虾饺皇,4,0,112.00" in dishes
    now = int(time.time() * 1000)
    offer = campaigns.create(db, STORE, name="回头礼", kind="amount", amount_off=500, starts_ms=now - 1000,
                             ends_ms=now + 86_400_000, valid_days=7, per_member=1, quota=10, delivery="segment",
                             now=now)
    sent = boss.post(f"{url}/owner/{STORE}/segments/new/send", json={"campaign_id": offer["campaign_id"]}, timeout=10)
    assert sent.status_code == 200 and sent.json() == {"segment": "new", "members": 1, "issued": 1}
    again = boss.post(f"{url}/owner/{STORE}/segments/new/send", json={"campaign_id": offer["campaign_id"]}, timeout=10)
    assert again.json()["issued"] == 0, "the per-member limit holds"
    nobody = boss.post(f"{url}/owner/{STORE}/segments/nobody/send", json={"campaign_id": "x"}, timeout=10)
    assert nobody.status_code == 404
