"""No control byte from menu names, notes or codes may reach a printer."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from edge.printer.cjk import encode
from edge.printer.sanitize import clean_text, strip_controls

ESCPOS_COMMANDS = "虾饺\x1b@\x1dV\x01\x1c&\x10\x04\x01\x1b!\x30"


def _forbidden(ch: str) -> bool:
    return ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or unicodedata.category(ch) in ("Cf", "Cs")


def test_escpos_command_bytes_are_removed():
    cleaned = clean_text(ESCPOS_COMMANDS)
    assert cleaned == "虾饺@V&!0"
    assert not any(_forbidden(ch) for ch in cleaned)


def test_nul_del_and_c1_controls_are_removed():
    assert clean_text("a\x00b\x7fc\x9bd\x80e\x9f") == "abcde"


def test_tabs_and_newlines_become_single_spaces():
    assert clean_text("少\t辣\r\n 多\x0b葱\u2028\x85x") == "少 辣 多 葱 x"
    assert clean_text("\n  padded  \t") == "padded"


def test_bidi_overrides_and_zero_width_characters_are_removed():
    assert clean_text("A\u202eB\u200bC\ufeffD\u2066E\u200dF\u00adG") == "ABCDEFG"


def test_text_is_nfc_normalised_and_ideographic_space_kept():
    assert clean_text("e\u0301") == "\u00e9"
    assert clean_text("A\u3000B") == "A\u3000B"


def test_strip_controls_keeps_layout_spacing():
    assert strip_controls("  a\x1bb  \u200b") == "  ab  "


@given(st.text())
def test_clean_text_never_outputs_a_control_character(text):
    cleaned = clean_text(text)
    assert not any(_forbidden(ch) for ch in cleaned)
    assert clean_text(cleaned) == cleaned


@given(st.text())
def test_cleaned_text_encodes_without_command_bytes(text):
    for encoding in ("gb18030", "gbk"):
        data = encode(clean_text(text), encoding)
        assert not any(b < 0x20 or b == 0x7F for b in data)
