"""Over real HTTP: an order line with a note its dish does not offer (少冰 on a dim sum in the demo
menu, where only drinks offer it) is refused 422 bad_note, naming the line; offered notes pass."""

from __future__ import annotations

import requests


def post_order(core, lines, token):
    return requests.post(f"{core.url}/v1/orders", json={"client_token": token, "service": "takeaway",
                                                        "payment": "counter", "lines": lines}, timeout=10)


def test_a_note_the_dish_does_not_offer_is_refused(menu_core):
    menu = requests.get(f"{menu_core.url}/v1/menu", timeout=10).json()
    drinks = next(c for c in menu["categories"] if c["id"] == "drinks")
    assert drinks["notes"] == ["less_ice"]  # the menu says what each dish offers
    refused = post_order(menu_core, [{"item_id": "milk_tea", "qty": 1, "notes": ["less_ice"]},
                                     {"item_id": "har_gow", "qty": 1, "notes": ["less_ice"]}], "notes-1")
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "bad_note" and error["field"] == "lines[1].notes"
    assert "少冰 (Less ice) is not offered with 水晶虾饺皇" in error["message"]
    placed = post_order(menu_core, [{"item_id": "milk_tea", "qty": 1, "notes": ["less_ice"]},
                                    {"item_id": "har_gow", "qty": 1, "notes": ["no_scallion"]}], "notes-2")
    assert placed.status_code == 201, placed.text
    assert [[n["id"] for n in line["notes"]] for line in placed.json()["lines"]] == [["less_ice"], ["no_scallion"]]
