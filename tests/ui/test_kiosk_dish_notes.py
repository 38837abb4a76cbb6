"""The dish screen offers only the note chips of that dish (the menu's `notes`): 少冰 with a drink,
not with dim sum."""

from __future__ import annotations

import pytest

from edge.ui.kiosk_app import create_app
from edge.ui.screens.item import ItemScreen


def chips(app) -> set[str]:
    return {button.value for button in app.screen.query(".note")}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_drinks_offer_less_ice_and_dim_sum_does_not(core, ui, size):
    app = create_app(core.url, language="zh")
    async with app.run_test(size=size) as pilot:
        await ui.menu_ready(pilot)
        await ui.tap(pilot, "#cat-drinks")
        await ui.tap(pilot, "#item-milk_tea")
        assert isinstance(app.screen, ItemScreen)
        assert chips(app) == {"less_ice"}
        assert "少冰" in ui.text_of(app, "#note-less_ice")
        await ui.tap(pilot, "#cancel-item")
        await ui.tap(pilot, "#cat-steamed")
        await ui.tap(pilot, "#item-har_gow")
        assert "less_ice" not in chips(app) and "no_scallion" in chips(app)
        assert not app.screen.query("#note-less_ice")
        await ui.tap(pilot, "#cancel-item")
        await ui.tap(pilot, "#item-custard_bun")  # a dish offering no notes: no notes heading at all
        assert not chips(app) and not app.screen.query("#note-chips")
