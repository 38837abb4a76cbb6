import pytest

from edge.menu import MenuError, menu_from_dict, menu_to_dict


def test_demo_menu_shape(demo_menu):
    assert len(demo_menu.items) == 40
    assert [c.zh for c in demo_menu.categories] == ["蒸点", "煎炸", "肠粉", "粥粉面", "烧味饭", "饮品"]
    assert {s.zh for s in demo_menu.stations} == {"点心", "厨房", "水吧"}
    assert sum(i.sold_out for i in demo_menu.items.values()) >= 3
    assert {"少辣", "走葱", "打包"} <= {c.zh for c in demo_menu.note_chips}


def test_round_trip(demo_menu):
    assert menu_from_dict(menu_to_dict(demo_menu)) == demo_menu


def _doc(**item):
    return {"stations": [{"id": "k", "zh": "厨房"}], "categories": [{"id": "c", "zh": "类"}],
            "items": [{"id": "x", "category": "c", "zh": "菜", "price": 100, "station": "k", **item}]}


@pytest.mark.parametrize("item,message", [
    ({"price": 1.5}, "'price' must be an integer (fen)"),
    ({"price": -1}, "price must not be negative"),
    ({"station": "nope"}, "unknown station 'nope'"),
    ({"category": "nope"}, "unknown category 'nope'"),
    ({"option_groups": ["g"]}, "unknown option group 'g'"),
    ({"zh": ""}, "'zh' must be a non-empty text"),
])
def test_bad_items_name_the_item(item, message):
    with pytest.raises(MenuError, match="item 'x'") as info:
        menu_from_dict(_doc(**item))
    assert message in str(info.value)


def test_bad_default_option():
    doc = _doc()
    doc["option_groups"] = [{"id": "g", "zh": "组", "default": "zz", "options": [{"id": "a", "zh": "甲"}]}]
    with pytest.raises(MenuError, match="default 'zz'"):
        menu_from_dict(doc)
