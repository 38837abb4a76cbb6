"""The day report counts only collected money as revenue, through the core's real HTTP API: an
order still waiting for its payment is shown apart as unpaid (never in collected, gross or net);
voids and refunds have their own sections with count and amount; payment methods and where an
order was placed are named in words a cashier reads."""

from __future__ import annotations

from edge.orders import new_id
from tests.cashier.helpers import MANAGER, place


def test_unpaid_voided_and_refunded_are_apart_from_collected(served):
    core = served()
    api = core.api
    api.login()
    paid = place(core.service, lines=(("har_gow", 2),))  # pay at counter, sent to the kitchen
    voided = place(core.service, lines=(("milk_tea", 1),))
    refunded = place(core.service, lines=(("siu_mai", 1),))
    waiting = core.service.place_order({"client_token": f"t-{new_id()}", "payment": "code",
                                        "lines": [{"item_id": "beef_chow_fun", "qty": 1}]})[0]
    assert waiting["status"] == "awaiting_payment"
    assert api.call("POST", f"/v1/cashier/orders/{voided['id']}/void",
                    {"lines": None, "reason": "上错菜"}).status_code == 200
    answer = api.call("POST", f"/v1/cashier/orders/{refunded['id']}/refund",
                      {"amount": 300, "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert answer.status_code == 200, answer.text
    report = api.call("GET", "/v1/cashier/reports/day").json()
    collected = paid["total"] + refunded["total"] - 300
    assert report["collected"]["net"] == report["net"] == collected
    assert report["collected"]["orders"] == 3, "the waiting order is not collected"
    assert report["collected"]["gross"] == paid["total"] + voided["total"] + refunded["total"]
    assert waiting["total"] not in (v["net"] for v in report["collected"]["by_payment"].values())
    assert "code" not in report["collected"]["by_payment"]
    assert report["unpaid"] == {"orders": 1, "amount": waiting["total"]}
    assert report["voided"] == {"orders": 1, "count": 1, "amount": voided["total"]}
    assert report["refunded"] == {"count": 1, "amount": 300}
    text = report["text"]
    assert "待付款 Not paid yet" in text and "扫码支付" not in text
    for words in ("营业额（实收） Revenue", "到店付款 Pay at counter", "自助点餐 Kiosk", "退款 Refunded"):
        assert words in text
    assert "counter " not in text.lower().replace("pay at counter", "")
