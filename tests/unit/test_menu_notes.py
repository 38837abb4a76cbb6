"""The note chips a dish offers (edge/menu.py `notes`): an item's list wins over its category's,
with neither every chip is offered (old menus stay valid), unknown chip ids are refused, and the
core's pricing refuses a line whose note its dish does not offer."""

from __future__ import annotations

import pytest

from edge.cart import CartError, CartLine, price_line
from edge.ledger.db import connect
from edge.ledger.menu_store import load_menu, save_menu
from edge.ledger.migrations import migrate
from edge.menu import MenuError, menu_from_dict, menu_to_dict

CHIPS = [{"id": "less_ice", "zh": "少冰", "en": "Less ice"}, {"id": "no_scallion", "zh": "走葱", "en": "No scallion"},
         {"id": "less_sugar", "zh": "少糖", "en": "Less sugar"}]


def doc(category_notes=None, **item_notes):
    drinks = {"id": "drinks", "zh": "饮品"}
    if category_notes is not None:
        drinks["notes"] = category_notes
    items = [{"id": "tea", "category": "drinks", "zh": "奶茶", "en": "Milk tea", "price": 100, "station": "k"},
             {"id": "bun", "category": "dimsum", "zh": "包", "en": "Bun", "price": 100, "station": "k"},
             {"id": "water", "category": "drinks", "zh": "水", "price": 100, "station": "k"}]
    for item in items:
        if item["id"] in item_notes:
            item["notes"] = item_notes[item["id"]]
    return {"stations": [{"id": "k", "zh": "厨房"}], "note_chips": CHIPS, "items": items,
            "categories": [drinks, {"id": "dimsum", "zh": "点心"}]}


def offered(menu, item_id):
    return menu.notes_for(menu.items[item_id])


def test_no_notes_field_offers_every_chip():
    menu = menu_from_dict(doc())
    assert offered(menu, "tea") == offered(menu, "bun") == ("less_ice", "no_scallion", "less_sugar")


def test_category_notes_and_an_item_overrides_them():
    menu = menu_from_dict(doc(["less_ice", "less_sugar"], water=[], bun=["no_scallion"]))
    assert offered(menu, "tea") == ("less_ice", "less_sugar")  # its category's
    assert offered(menu, "water") == ()  # its own (empty) list wins
    assert offered(menu, "bun") == ("no_scallion",)  # a category without notes: the item's own


@pytest.mark.parametrize("bad,message", [
    (doc(["less_ice", "extra_shot"]), "category 'drinks': unknown note chip 'extra_shot'"),
    (doc(tea=["no_onion"]), "item 'tea': unknown note chip 'no_onion'"),
    (doc(tea="less_ice"), "item 'tea': 'notes' must be a list of note chip ids"),
    (doc(tea=["less_ice", "less_ice"]), "item 'tea': 'notes' lists a note chip twice"),
])
def test_bad_notes_are_refused_with_the_place(bad, message):
    with pytest.raises(MenuError) as info:
        menu_from_dict(bad)
    assert message in str(info.value)
    if "unknown" in message:
        assert "less_ice, no_scallion, less_sugar" in str(info.value)  # what it could have been


def test_document_round_trip_and_the_device_store(tmp_path):
    menu = menu_from_dict(doc(["less_ice"], water=[]))
    served = menu_to_dict(menu)
    assert served["categories"][0]["notes"] == ["less_ice"] and "notes" not in served["categories"][1]
    assert served["items"][2]["notes"] == [] and "notes" not in served["items"][0]
    assert menu_from_dict(served) == menu
    db = connect(tmp_path / "ledger.sqlite")
    migrate(db)
    save_menu(db, menu)
    assert load_menu(db) == menu


def test_pricing_refuses_a_note_the_dish_does_not_offer():
    menu = menu_from_dict(doc(["less_ice"]))
    assert price_line(menu, CartLine("tea", 1, (), ("less_ice",))).notes == ("less_ice",)
    with pytest.raises(CartError) as info:
        price_line(menu, CartLine("tea", 1, (), ("no_scallion",)), 2)
    assert info.value.code == "bad_note" and info.value.field == "lines[2].notes"
    assert "走葱 (No scallion) is not offered with 奶茶 (Milk tea)" in str(info.value)
