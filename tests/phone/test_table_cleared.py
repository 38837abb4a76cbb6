"""清台 on a table whose guests still have the page open: their phones say the table was cleared
and order nothing more; the next party's scan opens a new session that shows none of the
previous party's cart, rounds or bill."""

from __future__ import annotations

from tests.phone.conftest import STORE, wait_text
from tests.support import wait_for
from upstream import table_rounds, table_sessions


def test_a_cleared_table_orders_nothing_and_the_next_party_sees_nothing_of_it(world):
    phone = world.phone()
    phone.click('.dish[data-id="har_gow"] .add')
    wait_text(phone, "#n-cart", "1", exact=True)
    phone.click("#show-cart")
    phone.click("#submit")
    wait_text(phone, "#rounds", "已下厨", timeout_s=60)
    phone.click("#orders [data-close]")
    phone.click('.dish[data-id="char_siu_bao"] .add')  # in the cart, not sent
    wait_text(phone, "#n-cart", "1", exact=True)
    session = table_sessions.open_session_of(world.db, STORE, "12")
    due = table_rounds.bill(world.db, session["session_id"])["due"]
    table_sessions.close_session(world.db, STORE, session["session_id"], "test", 1, due=due, force=True)
    wait_text(phone, "#msg", "本桌已清台")
    assert phone.is_disabled('.dish[data-id="har_gow"] .add') and phone.is_disabled("#submit")
    assert world.db.scalar("SELECT count(*) AS n FROM table_cart") == 0
    # the next party scans the same card
    guest = world.phone()
    wait_text(guest, "#n-cart", "0", exact=True)
    guest.click("#show-orders")
    wait_text(guest, "#rounds", "还没有点菜")
    assert "水晶虾饺皇" not in guest.inner_text("#orders") and guest.inner_text("#bill") == ""
    assert world.db.scalar("SELECT count(*) AS n FROM table_sessions WHERE state = 'open'") == 1
    # the old page, reloaded, joins the new party's table too: it sees nothing of the old one either
    phone.reload()
    wait_text(phone, "#n-cart", "0", exact=True)
    phone.click("#show-orders")
    wait_for(lambda: "还没有点菜" in phone.inner_text("#rounds"), timeout=30, what="an empty 已点")
    assert len(world.round_tickets(1)) == 1
    assert phone.errors == [] and guest.errors == []
