"""The cashier's 日结 screen: collected money apart from orders still waiting for their payment,
in Chinese first and in English on the toggle, readable at 80x24 and at 120x40."""

from __future__ import annotations

import pytest

from edge.orders import new_id
from edge.ui.cashier.cashier_app import create_cashier_app
from tests.cashier.helpers import place, seed
from tests.ui.test_cashier_flows import login, report_shown


@pytest.fixture
def report_core(core_factory):
    running = core_factory()
    seed(running.service)
    return running


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_report_screen_shows_unpaid_apart_in_the_cashiers_words(report_core, ui, size, tmp_path):
    paid = place(report_core.service, lines=(("har_gow", 1),))
    waiting = report_core.service.place_order({"client_token": f"t-{new_id()}", "payment": "code",
                                               "lines": [{"item_id": "beef_chow_fun", "qty": 1}]})[0]
    app = create_cashier_app(report_core.url, language="zh")
    async with app.run_test(size=size, notifications=True) as pilot:
        await login(pilot, ui)
        await ui.tap(pilot, "#open-report")
        await ui.wait_for(pilot, lambda: report_shown(app), what="report")
        text = ui.text_of(app, "#report-text")
        revenue = next(line for line in text.splitlines() if line.startswith("营业额（实收）"))
        assert f"¥{paid['total'] / 100:.2f}" in revenue
        unpaid = next(line for line in text.splitlines() if line.startswith("待付款"))
        assert f"1  ¥{waiting['total'] / 100:.2f}" in unpaid
        assert "到店付款" in text and "自助点餐" in text
        for raw in ("Revenue", "Pay at counter", "kiosk", "awaiting"):  # the device is named counter-1
            assert raw not in text
        app.save_screenshot(path=str(tmp_path), filename=f"report-zh-{size[0]}.svg")
        await ui.tap(pilot, "#cashier-lang")
        await ui.wait_for(pilot, lambda: "Not paid yet" in ui.text_of(app, "#report-text"), what="English")
        english = ui.text_of(app, "#report-text")
        assert "Revenue" in english and "Pay at counter" in english and "营业额" not in english
        app.save_screenshot(path=str(tmp_path), filename=f"report-en-{size[0]}.svg")
