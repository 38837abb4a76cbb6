"""The focused control is plainly visible: a keyboard user sees where Enter goes."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_focused_dish_stands_out(core, ui, size):
    from edge.ui.kiosk_app import create_app

    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        dish, other = app.screen.query(".dish")[0], app.screen.query(".dish")[1]
        dish.focus()
        await pilot.pause()
        assert dish.has_focus
        assert dish.styles.border_top[0] == "heavy"
        assert other.styles.border_top[0] != "heavy"
        assert dish.styles.text_style.reverse and not other.styles.text_style.reverse
