"""呼叫服务员 and 请求结账 on the phone print a short slip at the counter's printer at once; a
second tap while the first call is open calls once."""

from __future__ import annotations

from tests.phone.conftest import wait_text
from tests.support import wait_for


def test_calling_a_waiter_and_asking_for_the_bill_print_a_slip_each(world):
    phone = world.phone()
    wait_text(phone, "#n-cart", "0", exact=True)
    phone.click("#call")
    phone.wait_for_selector(".toast:has-text('已呼叫服务员')")
    slips = wait_for(lambda: [t for t in world.tickets("bar") if "呼叫服务员" in t], timeout=30,
                     what="the waiter's slip at the counter")
    assert len(slips) == 1 and "桌 12" in slips[0]
    assert phone.is_disabled("#call")  # a second tap right away calls nobody twice
    phone.click("#show-orders")
    phone.click("#bill-call")
    phone.wait_for_selector(".toast:has-text('已通知服务员结账')")
    bills = wait_for(lambda: [t for t in world.tickets("bar") if "请求结账" in t], timeout=30,
                     what="the bill slip at the counter")
    assert len(bills) == 1 and "桌 12" in bills[0]
    calls = world.db.query("SELECT kind FROM table_calls ORDER BY created_ms")
    assert [c["kind"] for c in calls] == ["waiter", "bill"]
    assert len([t for t in world.tickets() if "呼叫服务员" in t]) == 1
    assert phone.errors == []
