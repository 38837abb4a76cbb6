"""Who may do what at the cashier, through the core's HTTP API: a void needs a reason and, above
`[cashier] void_manager_above_fen`, a manager's id and PIN (the core enforces both, not only the
screen); a technician cannot log into cashier mode and is not in the cashier's staff list."""

from __future__ import annotations

from tests.cashier.helpers import CASHIER, MANAGER, place, seed

TECHNICIAN = ("t1", "赵技术", "technician", "55667788")


def state(core) -> tuple:
    """Everything a void changes: voids, outbox events, who-did-it rows, print jobs, statuses."""
    with core.service.ledger.reading():
        db = core.service.db
        return tuple(db.execute(sql).fetchall() for sql in (
            "SELECT count(*) FROM order_voids", "SELECT count(*) FROM outbox", "SELECT count(*) FROM staff_actions",
            "SELECT count(*) FROM print_jobs", "SELECT id, status FROM orders ORDER BY id"))


def actions(core, order_id: str) -> list[tuple]:
    with core.service.ledger.reading():
        return core.service.db.execute("SELECT action, staff_id, approved_by, detail FROM staff_actions"
                                       " WHERE target = ? ORDER BY id", [order_id]).fetchall()


def test_a_void_needs_a_reason(served):
    core = served()
    api = core.api
    api.login()
    order = place(core.service, lines=(("har_gow", 1),))
    before = state(core)
    for body in ({"lines": None}, {"lines": None, "reason": ""}, {"lines": None, "reason": "  \n"},
                 {"lines": [{"line_no": 1, "qty": 1}], "reason": None}):
        answer = api.call("POST", f"/v1/cashier/orders/{order['id']}/void", body)
        assert answer.status_code == 422, body
        assert answer.json()["error"]["code"] == "reason_required" and answer.json()["error"]["field"] == "reason"
    assert state(core) == before, "a void without a reason changes nothing"
    done = api.call("POST", f"/v1/cashier/orders/{order['id']}/void", {"lines": None, "reason": "客人不要了"})
    assert done.status_code == 200 and done.json()["reason"] == "客人不要了"
    assert [a[:3] for a in actions(core, order["id"])] == [("void", "c1", None)]


def test_a_void_above_the_threshold_needs_a_manager(served):
    core = served()  # default threshold: 5000 fen (¥50)
    api = core.api
    api.login()
    order = place(core.service, lines=(("har_gow", 3), ("milk_tea", 1)))  # 8400 + 1800
    url = f"/v1/cashier/orders/{order['id']}/void"
    small = api.call("POST", url, {"lines": [{"line_no": 1, "qty": 1}], "reason": "上错菜"})  # 2800: no manager
    assert small.status_code == 200, small.text
    before = state(core)
    big = api.call("POST", url, {"lines": None, "reason": "等太久"})  # 5600 + 1800 left
    assert big.status_code == 403 and big.json()["error"]["code"] == "manager_required"
    assert (big.json()["error"]["amount"], big.json()["error"]["above"]) == (7400, 5000)
    edge = api.call("POST", url, {"lines": [{"line_no": 1, "qty": 2}], "reason": "等太久"})  # 5600 > 5000
    assert edge.json()["error"]["code"] == "manager_required"
    not_manager = api.call("POST", url, {"lines": None, "reason": "等太久", "manager_id": "c1",
                                         "manager_pin": CASHIER[3]})
    assert not_manager.status_code == 403 and not_manager.json()["error"]["code"] == "not_manager"
    wrong = api.call("POST", url, {"lines": None, "reason": "等太久", "manager_id": "m1", "manager_pin": "000000"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "manager_pin"
    assert state(core) == before, "refused voids change nothing"
    approved = api.call("POST", url, {"lines": None, "reason": "等太久", "manager_id": "m1",
                                      "manager_pin": MANAGER[3]})
    assert approved.status_code == 200 and approved.json()["full"]
    assert [a[:3] for a in actions(core, order["id"])] == [("void", "c1", None), ("void", "c1", "m1")]


def test_the_threshold_is_a_store_setting(served):
    core = served(extra="[cashier]\nvoid_manager_above_fen = 0\n")  # every void needs a manager
    api = core.api
    api.login()
    order = place(core.service, lines=(("milk_tea", 1),))
    url = f"/v1/cashier/orders/{order['id']}/void"
    assert api.call("POST", url, {"lines": None, "reason": "缺货估清"}).json()["error"]["code"] == "manager_required"
    ok = api.call("POST", url, {"lines": None, "reason": "缺货估清", "manager_id": "m1", "manager_pin": MANAGER[3]})
    assert ok.status_code == 200
    high = served(name="high", extra="[cashier]\nvoid_manager_above_fen = 100000\n")
    high.api.login()
    big = place(high.service, lines=(("har_gow", 3),))
    assert high.api.call("POST", f"/v1/cashier/orders/{big['id']}/void",
                         {"lines": None, "reason": "其他"}).status_code == 200


def test_a_technician_cannot_log_into_cashier_mode(served):
    core = served()
    seed(core.service, code_key=False, staff=(CASHIER, MANAGER, TECHNICIAN))
    api = core.api
    listed = api.call("GET", "/v1/cashier/staff").json()["staff"]
    assert sorted(s["staff_id"] for s in listed) == ["c1", "m1"], "no technician in the cashier's list"
    refused = api.call("POST", "/v1/cashier/login", {"staff_id": "t1", "pin": TECHNICIAN[3]})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "not_cashier" and "technician" in error["message"] and "session" not in refused.json()
    order = place(core.service, lines=(("har_gow", 1),))
    before = state(core)
    for path, body in ((f"/v1/cashier/orders/{order['id']}/void", {"lines": None, "reason": "x"}),
                       ("/v1/cashier/menu/items/har_gow/sold-out", {"sold_out": True})):
        assert api.call("POST", path, body).status_code == 401  # no session was opened to act with
    assert state(core) == before
    wrong = api.call("POST", "/v1/cashier/login", {"staff_id": "t1", "pin": "00000000"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_pin"  # a wrong PIN says nothing more
    assert api.call("POST", "/v1/cashier/login", {"staff_id": "m1", "pin": MANAGER[3]}).status_code == 200
