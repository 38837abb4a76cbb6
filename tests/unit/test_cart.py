import dataclasses

import pytest

from edge.cart import CartError, CartLine, price_cart, price_line


def test_plain_item(demo_menu):
    line = price_line(demo_menu, CartLine("har_gow", 2))
    assert (line.unit_price, line.total) == (2800, 5600)


def test_defaults_are_applied_and_priced(demo_menu):
    line = price_line(demo_menu, CartLine("milk_tea", 1))
    assert [o.zh for o in line.options] == ["热", "正常甜"]
    assert line.unit_price == 1800


def test_option_deltas(demo_menu):
    line = price_line(demo_menu, CartLine("beef_chow_fun", 3, ("large", "mild2")))
    assert [o.zh for o in line.options] == ["大", "中辣"]
    assert line.unit_price == 3200 + 500
    assert line.total == 3 * 3700
    iced = price_line(demo_menu, CartLine("milk_tea", 1, ("iced", "sweet_less")))
    assert iced.unit_price == 2000
    plain_roll = price_line(demo_menu, CartLine("cheung_fun", 1, ("filling_plain",)))
    assert plain_roll.unit_price == 1600


def test_cart_total(demo_menu):
    cart = price_cart(demo_menu, [CartLine("har_gow", 1), CartLine("milk_tea", 2, ("iced",))])
    assert cart.total == 2800 + 2 * 2000


@pytest.mark.parametrize("line,code", [
    (CartLine("nope", 1), "unknown_item"),
    (CartLine("abalone_siu_mai", 1), "sold_out"),
    (CartLine("har_gow", 0), "bad_quantity"),
    (CartLine("har_gow", -2), "bad_quantity"),
    (CartLine("har_gow", 100), "bad_quantity"),
    (CartLine("har_gow", True), "bad_quantity"),
    (CartLine("har_gow", 1.5), "bad_quantity"),
    (CartLine("har_gow", 1, ("large",)), "bad_option"),
    (CartLine("beef_chow_fun", 1, ("large", "small")), "bad_option"),
    (CartLine("har_gow", 1, (), ("no_such_chip",)), "bad_note"),
])
def test_refusals(demo_menu, line, code):
    with pytest.raises(CartError) as info:
        price_line(demo_menu, line)
    assert info.value.code == code
    assert info.value.message


def test_empty_cart(demo_menu):
    with pytest.raises(CartError, match="no items"):
        price_cart(demo_menu, [])


def test_a_default_that_is_not_an_option_is_refused_not_crashed(demo_menu):
    # menu_from_dict refuses such a menu; a Menu built another way (e.g. read back from storage)
    # must still give a clear refusal, not an AttributeError on a None option.
    gid = next(g for g in demo_menu.items["milk_tea"].option_groups if demo_menu.option_groups[g].required)
    groups = dict(demo_menu.option_groups)
    groups[gid] = dataclasses.replace(groups[gid], default="gone")
    menu = dataclasses.replace(demo_menu, option_groups=groups)
    with pytest.raises(CartError) as refused:
        price_line(menu, CartLine("milk_tea", 1))
    assert refused.value.code == "missing_option"
