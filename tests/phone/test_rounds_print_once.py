"""Rounds (加菜) from the phones print at the store's printers exactly once, each with only its own
lines: round 1 from one phone (a double tap on 下单 makes one round), round 2 from the other; the
phones follow each round to 已下厨 with its ticket number."""

from __future__ import annotations

from tests.phone.conftest import wait_text
from tests.support import wait_for


def test_round_1_and_round_2_each_print_once_with_only_their_own_lines(world):
    alice, bob = world.phone(), world.phone()
    alice.click('.dish[data-id="har_gow"] .add')
    alice.click('.dish[data-id="har_gow"] .add')
    wait_text(bob, "#n-cart", "2", exact=True)
    alice.click("#show-cart")
    alice.dblclick("#submit")  # a double tap: one round
    wait_text(alice, "#rounds", "第1轮")
    wait_text(bob, "#rounds", "第1轮")
    wait_text(bob, "#n-cart", "0", exact=True)  # the round took the whole shared cart
    wait_text(alice, "#rounds", "已下厨", timeout_s=60)
    first = wait_for(lambda: world.round_tickets(1), timeout=30, what="round 1 at the printer")
    assert len(first) == 1 and "水晶虾饺皇" in first[0] and "桌 12" in first[0]
    assert world.round_tickets(1, "dimsum") == first

    bob.click('.dish[data-id="milk_tea"] .add')  # drinks: the dish's sheet (hot / iced, sweetness)
    bob.click('#sheet .grp[data-g="temp"] label:has(input[value="iced"])')
    bob.click("#sh-add")
    wait_text(alice, "#n-cart", "1", exact=True)
    bob.click("#show-cart")
    bob.click("#submit")
    wait_text(alice, "#rounds", "第2轮", timeout_s=30)
    wait_text(bob, "#rounds", "已下厨", timeout_s=60)
    wait_for(lambda: "已下厨" in bob.inner_text("#rounds li:nth-child(2)"), timeout=60, what="round 2 printed")
    second = wait_for(lambda: world.round_tickets(2), timeout=30, what="round 2 at the printer")
    assert len(second) == 1 and "第2轮 加菜" in second[0] and "港式奶茶" in second[0]
    assert "水晶虾饺皇" not in second[0] and world.round_tickets(2, "bar") == second
    assert [t for t in world.tickets() if "水晶虾饺皇" in t] == first, "round 1 printed again"
    assert len(world.round_tickets(1)) == 1
    rounds = world.db.query("SELECT round_no, state, ticket_no FROM table_rounds ORDER BY round_no")
    assert [(r["round_no"], r["state"]) for r in rounds] == [(1, "printed"), (2, "printed")]
    for phone in (alice, bob):
        for round_ in rounds:
            wait_text(phone, "#rounds", f"取餐号 {round_['ticket_no']}")
    assert alice.errors == [] and bob.errors == []
