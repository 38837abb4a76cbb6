"""Strict GB18030 / GBK encoding: unencodable characters are visible and logged, never '?'."""

import logging

import pytest

from edge.printer.cjk import PLACEHOLDER, encode

DISHES = "虾饺 烧卖 叉烧包 ×2 凤爪（大）"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_round_trips(encoding):
    assert encode(DISHES, encoding).decode(encoding) == DISHES


def test_known_bytes():
    assert encode("虾饺", "gbk") == b"\xcf\xba\xbd\xc8"
    assert encode("虾饺", "GB18030") == b"\xcf\xba\xbd\xc8"


def test_gb18030_encodes_characters_outside_gbk_without_warning(caplog):
    with caplog.at_level(logging.WARNING):
        data = encode("𠮷野家", "gb18030")
    assert data.decode("gb18030") == "𠮷野家"
    assert len(data) == 4 + 2 + 2
    assert caplog.records == []


def test_unencodable_in_gbk_becomes_placeholder_and_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="edge.printer.cjk"):
        data = encode("辣🌶️椒𠮷", "gbk")
    assert data.decode("gbk") == f"辣{PLACEHOLDER}{PLACEHOLDER}椒{PLACEHOLDER}"
    assert b"?" not in data
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 3
    assert "U+1F336" in messages[0] and "gbk" in messages[0]
    assert "U+FE0F" in messages[1]
    assert "U+20BB7" in messages[2]


def test_lone_surrogate_is_unencodable_even_in_gb18030(caplog):
    with caplog.at_level(logging.WARNING, logger="edge.printer.cjk"):
        assert encode("a\ud800b", "gb18030") == b"a" + PLACEHOLDER.encode("gb18030") + b"b"
    assert "U+D800" in caplog.text


def test_unsupported_encoding_is_refused():
    with pytest.raises(ValueError, match="gb18030, gbk"):
        encode("abc", "utf-8")
