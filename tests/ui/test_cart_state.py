"""Unit tests of the UI-side cart and order draft (edge/ui/order_draft.py): display prices, merging,
quantities, the keypad, and the client token that must survive failed attempts."""

from __future__ import annotations

import pytest

from edge.ui.order_draft import MAX_QTY, Cart, OrderDraft
from edge.ui.menu_view import MenuView

MENU = MenuView({
    "version": "t-1",
    "categories": [{"id": "noodles", "zh": "面", "en": "Noodles"}],
    "option_groups": [
        {"id": "size", "zh": "份量", "en": "Size", "required": True, "default": "small",
         "options": [{"id": "small", "zh": "小", "en": "Small", "price_delta": 0},
                     {"id": "large", "zh": "大", "en": "Large", "price_delta": 500}]},
        {"id": "filling", "zh": "馅料", "en": "Filling", "required": True, "default": None,
         "options": [{"id": "plain", "zh": "斋", "en": "Plain", "price_delta": -400},
                     {"id": "beef", "zh": "牛肉", "en": "Beef", "price_delta": 200}]},
        {"id": "extra", "zh": "加料", "en": "Extra", "required": False, "default": None,
         "options": [{"id": "egg", "zh": "加蛋", "en": "Egg", "price_delta": 300}]},
    ],
    "note_chips": [{"id": "no_scallion", "zh": "走葱", "en": "No scallion"}],
    "items": [
        {"id": "chow_fun", "category": "noodles", "zh": "干炒牛河", "en": "Beef chow fun", "price": 3200,
         "option_groups": ["size", "filling", "extra"], "sold_out": False},
        {"id": "lo_mein", "category": "noodles", "zh": "捞面", "en": "Lo mein", "price": 2000,
         "option_groups": [], "sold_out": True},
    ],
})


def test_display_price_is_item_price_plus_option_deltas():
    cart = Cart()
    cart.add("chow_fun", 2, ("large", "plain", "egg"))
    assert cart.unit_price(MENU, cart.lines[0]) == 3200 + 500 - 400 + 300
    assert cart.total(MENU) == 2 * 3600
    assert cart.count == 2


def test_identical_choices_merge_and_different_ones_do_not():
    cart = Cart()
    assert cart.add("chow_fun", 1, ("large", "beef"), ("no_scallion",)) == 0
    assert cart.add("chow_fun", 2, ("beef", "large"), ("no_scallion",)) == 0  # same choice, other order
    assert cart.add("chow_fun", 1, ("large", "beef")) == 1  # no note: another line
    assert [line.qty for line in cart.lines] == [3, 1]
    assert cart.order_lines() == [
        {"item_id": "chow_fun", "qty": 3, "options": ["large", "beef"], "notes": ["no_scallion"]},
        {"item_id": "chow_fun", "qty": 1, "options": ["large", "beef"]},
    ]


def test_quantity_stays_between_1_and_99_and_remove_is_explicit():
    cart = Cart()
    cart.add("chow_fun", 1)
    assert cart.change_qty(0, -1) == 1
    assert cart.change_qty(0, +150) == MAX_QTY
    cart.add("chow_fun", 5)
    assert cart.lines[0].qty == MAX_QTY
    cart.remove(0)
    assert cart.is_empty() and cart.total(MENU) == 0


def test_sold_out_or_vanished_lines_are_reported():
    cart = Cart()
    cart.add("chow_fun")
    cart.add("lo_mein")
    cart.add("gone_from_menu")
    assert cart.unavailable(MENU) == [1, 2]


def test_default_choice_uses_defaults_first_options_and_leaves_optional_groups_empty():
    assert MENU.default_choice(MENU.item("chow_fun")) == {"size": "small", "filling": "plain"}


def test_token_is_made_on_confirm_and_reused_until_placed():
    draft = OrderDraft()
    draft.cart.add("chow_fun", 1, ("large",))
    assert not draft.ready()  # dine in or takeaway not chosen yet
    draft.choose_service("dine_in")
    for key in "0120":
        draft.press_key(key)
    assert draft.table == "120"  # no leading zero
    first = draft.confirm()
    assert first["client_token"] and draft.confirm() == first  # a second tap: the same request
    draft.cart.change_qty(0, +1)
    assert draft.confirm()["client_token"] == first["client_token"]  # edited after a failure: same token
    assert first == {"client_token": first["client_token"], "service": "dine_in", "payment": "counter",
                     "table": "120", "lines": [{"item_id": "chow_fun", "qty": 1, "options": ["large"]}]}
    draft.forget_token()
    assert draft.confirm()["client_token"] != first["client_token"]
    draft.placed()
    assert draft.cart.is_empty() and draft.token is None and draft.service is None and draft.table == ""


def test_takeaway_sends_no_table_and_keeps_order_notes():
    draft = OrderDraft()
    draft.cart.add("chow_fun")
    draft.press_key("7")
    draft.choose_service("takeaway")
    assert draft.toggle_note("pack") and draft.toggle_note("rush") and not draft.toggle_note("rush")
    doc = draft.confirm()
    assert "table" not in doc and doc["service"] == "takeaway" and doc["notes"] == ["pack"]
    with pytest.raises(ValueError):
        draft.choose_service("delivery")


def test_keypad_limits_backspace_and_clear():
    draft = OrderDraft()
    for key in "123456x":
        draft.press_key(key)
    assert draft.table == "1234"
    assert draft.backspace() == "123"
    assert draft.clear_table() == "" and draft.backspace() == ""


def test_choosing_the_other_way_to_pay_makes_a_new_token():
    """The core refuses one token for two different orders: a new choice is a new token; a retry is not."""
    from edge.ui.order_draft import OrderDraft

    draft = OrderDraft()
    draft.cart.add("har_gow", 1, (), ())
    draft.choose_service("takeaway")
    counter = draft.confirm()
    assert draft.confirm()["client_token"] == counter["client_token"]
    code = draft.confirm("code")
    assert code["payment"] == "code" and code["client_token"] != counter["client_token"]
