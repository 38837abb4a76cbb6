"""No control sequence from a menu, a note or an error message may reach a terminal (edge/screen_text.py)."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from edge.screen_text import clean_block, clean_document, clean_line, is_forbidden

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _forbidden(ch: str) -> bool:
    """The classes no screen text may hold: C0, DEL, C1, surrogates, bidi and other format characters."""
    return (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in BIDI
            or (unicodedata.category(ch) in ("Cf", "Cs") and ch != "\u200d"))


def test_whole_escape_sequences_are_removed():
    assert clean_line("虾饺\x1b]0;pwned\x07皇") == "虾饺皇"  # OSC ended by BEL: set the window title
    assert clean_line("a\x1b]2;pwned\x1b\\b") == "ab"  # OSC ended by ST
    assert clean_line("a\x1b[2Jb\x1b[1;31mc\x1b[0m") == "abc"  # clear screen, colours
    assert clean_line("a\x1bPq#0;2;0;0;0\x1b\\b") == "ab"  # DCS (sixel)
    assert clean_line("a\x1bcb\x1b(0c\x1b7d") == "abcd"  # reset, charset, save cursor
    assert clean_line("a\x9b2Jb\x9d0;t\x9cc") == "abc"  # 8-bit CSI and OSC
    assert clean_line("open \x1b]0;title to the end") == "open "  # unterminated: as a terminal reads it


def test_controls_del_c1_and_bidi_overrides_are_removed():
    assert clean_line("a\x00b\x07c\x7fd\x80e\x81f\x9ag") == "abcdefg"
    assert clean_line("price \u202e00.1¥\u202c ok") == "price 00.1¥ ok"
    assert clean_line("".join(f"{ch}x" for ch in BIDI)) == "x" * len(BIDI)
    assert clean_line("a\u200bb\ufeffc\u00add") == "abcd"


def test_line_breaks_and_tabs_become_spaces_in_a_line_and_stay_in_a_block():
    assert clean_line("少\t辣\r\n多\x0b葱\u2028x") == "少 辣  多 葱 x"
    assert clean_block("日结\r\n  A001\t¥28.00\n\x1b[2J合计") == "日结\n  A001 ¥28.00\n合计"


def test_chinese_emoji_and_spaces_are_kept_as_they_are():
    for text in ["水晶虾饺皇  ¥28.00", "👨\u200d👩\u200d👧 家庭套餐", "🇨🇳 加急 🌶️", "  two  spaces ", "A\u3000B",
                 "e\u0301"]:
        assert clean_line(text) == text
        assert clean_block(text) == text


def test_markup_is_left_to_the_widgets():
    assert clean_line("[red]Free[/red] [@click=app.quit]x[/]") == "[red]Free[/red] [@click=app.quit]x[/]"


def test_documents_are_cleaned_keys_values_and_nesting():
    doc = {"items": [{"id": "har_gow", "zh": "虾饺\x1b]0;pwned\x07", "price": 2800, "sold_out": False,
                      "note": None}], "k\x1b[2J": "v", "text": "a\x1b[2J\nb"}
    assert clean_document(doc) == {"items": [{"id": "har_gow", "zh": "虾饺", "price": 2800, "sold_out": False,
                                              "note": None}], "k": "v", "text": "a\nb"}


@given(st.text())
def test_a_cleaned_line_holds_no_forbidden_character_and_cleaning_again_changes_nothing(text):
    line = clean_line(text)
    assert not any(_forbidden(ch) for ch in line)
    assert not any(is_forbidden(ch) for ch in line)
    assert clean_line(line) == line


@given(st.text())
def test_a_cleaned_block_holds_no_control_but_its_newlines(text):
    block = clean_block(text)
    assert not any(_forbidden(ch) for ch in block.replace("\n", ""))
    assert clean_block(block) == block


@given(st.text(alphabet=st.characters(categories=("Lo", "So", "Zs", "Nd", "Lu", "Ll", "Po"))))
def test_chinese_and_symbols_are_never_changed(text):
    assert clean_line(text) == text and clean_block(text) == text


@given(st.lists(st.sampled_from(["\x1b", "[", "]", "0", ";", "2", "J", "\x07", "\\", "P", "\x9b", "\x9c", "m", "虾"]),
                max_size=30).map("".join))
def test_escape_soup_leaves_no_escape(text):
    assert "\x1b" not in clean_line(text) and "\x1b" not in clean_block(text)
    assert not any(0x80 <= ord(ch) <= 0x9F for ch in clean_line(text))
