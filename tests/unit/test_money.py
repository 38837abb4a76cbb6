import pytest

from edge.money import format_delta, format_fen, parse_yuan


def test_format_fen():
    assert format_fen(2800) == "¥28.00"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-300) == "-¥3.00"
    assert format_fen(0) == "¥0.00"


def test_format_refuses_floats():
    with pytest.raises(TypeError):
        format_fen(12.5)


def test_delta():
    assert format_delta(500) == "+¥5.00"
    assert format_delta(-400) == "-¥4.00"
    assert format_delta(0) == ""


@pytest.mark.parametrize("text,fen", [("12", 1200), ("12.5", 1250), ("12.50", 1250), ("¥0.05", 5), ("-3", -300)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "1.234", "abc", "1,5", "1.x"])
def test_parse_yuan_refuses(text):
    with pytest.raises(ValueError):
        parse_yuan(text)
