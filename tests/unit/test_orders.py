import pytest
from hypothesis import given, strategies as st

from edge.cart import CartError
from edge.orders import new_id, parse_order_request, price_order, split_by_station, ticket_number


def test_ticket_number():
    assert ticket_number("A", 17) == "A017"
    assert ticket_number("B", 1) == "B001"
    assert ticket_number("A", 1000) == "A1000"
    with pytest.raises(ValueError):
        ticket_number("A", 0)


def test_ids_are_unique_base32():
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 26 and i.isalnum() and i == i.lower() for i in ids)


def test_client_prices_are_ignored(demo_menu):
    request = parse_order_request({"client_token": "t1", "lines": [
        {"item_id": "har_gow", "qty": 1, "price": 1, "unit_price": 1}], "total": 1})
    assert price_order(demo_menu, request).total == 2800


def test_takeaway_drops_table():
    request = parse_order_request({"client_token": "t", "service": "takeaway", "table": "5",
                                   "lines": [{"item_id": "x"}]})
    assert request.table is None


@pytest.mark.parametrize("doc,field", [
    ([], None),
    ({"lines": []}, "client_token"),
    ({"client_token": "", "lines": []}, "client_token"),
    ({"client_token": "x" * 65, "lines": []}, "client_token"),
    ({"client_token": "t", "service": "drive-in", "lines": []}, "service"),
    ({"client_token": "t", "table": "1; DROP", "lines": []}, "table"),
    ({"client_token": "t", "payment": "alipay", "lines": []}, "payment"),
    ({"client_token": "t", "lines": "har_gow"}, "lines"),
    ({"client_token": "t", "lines": [{"qty": 1}]}, "lines[0]"),
    ({"client_token": "t", "lines": [{"item_id": "a", "options": "large"}]}, "lines[0].options"),
])
def test_malformed_requests(doc, field):
    with pytest.raises(CartError) as info:
        parse_order_request(doc)
    assert info.value.field == field


def test_unknown_order_note(demo_menu):
    request = parse_order_request({"client_token": "t", "lines": [{"item_id": "har_gow"}], "notes": ["x"]})
    with pytest.raises(CartError, match="unknown note"):
        price_order(demo_menu, request)


def test_split_by_station(demo_menu):
    request = parse_order_request({"client_token": "t", "lines": [
        {"item_id": "har_gow"}, {"item_id": "milk_tea"}, {"item_id": "siu_mai"}, {"item_id": "fried_rice"}]})
    split = split_by_station(price_order(demo_menu, request))
    assert list(split) == ["dimsum", "bar", "kitchen"]
    assert [line.item.id for line in split["dimsum"]] == ["har_gow", "siu_mai"]


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda children: st.lists(children) | st.dictionaries(st.text(), children), max_leaves=20))
def test_any_json_is_parsed_or_refused_cleanly(doc):
    try:
        parse_order_request(doc)
    except CartError as error:
        assert error.message


def test_a_code_payment_is_a_valid_choice():
    assert parse_order_request({"client_token": "t", "payment": "code", "lines": [{"item_id": "x"}]}).payment == "code"
