"""The pay screen shows the order's ticket number from the start, at 80x24 and 120x40, so a
customer who walks to the counter knows which order is theirs."""

from __future__ import annotations

import time

import pytest
import requests

from edge.ui.kiosk_app import create_app
from edge.ui.screens.pay import PayScreen


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_pay_screen_shows_the_ticket_number(core, ui, size):
    answer = requests.post(f"{core.url}/v1/orders", json={"client_token": f"pay-ticket-{time.time_ns()}",
                                                          "lines": [{"item_id": "har_gow", "qty": 1}]}, timeout=5)
    assert answer.status_code == 201, answer.text
    order = answer.json()
    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        app.push_screen(PayScreen(order))
        await ui.wait_for(pilot, lambda: isinstance(app.screen, PayScreen), what="the pay screen")
        await pilot.pause()
        assert ui.text_of(app, "#pay-ticket-no") == f"取餐号 {order['ticket_no']}"
        shown = ui.screen_text(app)
        assert order["ticket_no"] in shown and "¥" in shown
